import Foundation
import XCTest

/// `tern mailbox list|create|delete|search|expunge` on the real binary, with
/// an IMAP session connected meanwhile (Scripts/admin_e2e.py live), and
/// their refusals of bad input: a one-line `Error:` and exit status 1.
final class MailboxAdminCommandTests: IMAPEndToEndTestCase {
    /// admin_e2e.py COMMAND with the server's ports, the test account and this tern.
    @discardableResult
    func adminScript(_ command: String, _ arguments: [String] = [], file: StaticString = #filePath,
                     line: UInt = #line) throws -> CommandResult {
        try pythonOK("admin_e2e.py", [command] + arguments + imapArguments
                        + ["--pop3s-port", String(pop3sPort), "--smtp-port", String(smtpPort),
                           "--submission-port", String(submissionPort),
                           "--tern", try TernPaths.ternExecutable().path, "--config", configURL.path],
                     file: file, line: line)
    }

    func testCreateSearchExpungeDeleteSeenByAConnectedIMAPSession() throws {
        try startIMAPServer()
        let result = try adminScript("live")
        XCTAssertTrue(result.stdout.contains("live: all checks passed"), result.transcript)
    }

    func testListShowsCountsUnseenSizeAndSubscription() throws {
        try startIMAPServer()
        let mbox = workDir.appendingPathComponent("flags.mbox")
        try adminScript("write-mbox", [mbox.path])
        try ternOK(["import", "mbox", mbox.path, "--account", account])
        try ternOK(["mailbox", "create", account, "Lists/Swift"])
        let list = try ternOK(["mailbox", "list", account]).stdout
        let rows = list.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true) }
        XCTAssertEqual(rows.first, ["mailbox", "special-use", "messages", "unseen", "size", "subscribed"], list)
        let inbox = try XCTUnwrap(rows.first { $0.first == "INBOX" }, list)
        // 8 messages, 5 of them with \Seen (Status: R or Thunderbird's read bit).
        XCTAssertEqual(Array(inbox[1...3]), ["-", "8", "3"], list)
        XCTAssertEqual(inbox.last, "yes", list)
        XCTAssertTrue(rows.contains { $0.first == "Trash" && $0[1] == "\\Trash" && $0[2] == "0" }, list)
        XCTAssertTrue(rows.contains { $0.first == "Lists" }, "the parent is created too: \(list)")
        XCTAssertTrue(rows.contains { $0.first == "Lists/Swift" }, list)

        let unseen = try ternOK(["mailbox", "search", account, "INBOX", "UNSEEN"]).stdout
        XCTAssertEqual(unseen.split(separator: "\n"), ["1", "2", "5"], unseen)
        let none = try ternOK(["mailbox", "search", account, "INBOX", "SUBJECT", "no-such-subject"]).stdout
        XCTAssertEqual(none, "", "no match prints nothing")
    }

    func testBadInputIsAPlainErrorWithExitStatus1() throws {
        try startIMAPServer()
        let cases: [(arguments: [String], message: String)] = [
            (["mailbox", "list", "nobody@example.test"], "no account nobody@example.test"),
            (["mailbox", "delete", account, "INBOX", "--yes"], "INBOX cannot be deleted"),
            (["mailbox", "delete", account, "inbox", "--yes"], "INBOX cannot be deleted"),
            (["mailbox", "delete", account, "Nowhere"], "account \(account) has no mailbox Nowhere"),
            (["mailbox", "create", account, "INBOX"], "INBOX always exists"),
            (["mailbox", "create", account, "Sent"], "already has a mailbox Sent"),
            (["mailbox", "create", account, "a//b"], "invalid mailbox name \"a//b\": empty hierarchy level"),
            (["mailbox", "create", account, "#news"], "reserved namespace prefix"),
            (["mailbox", "create", account, "Work", "--special-use", "\\Important"], "unknown special use \\Important"),
            (["mailbox", "search", account, "INBOX", "FROM"], "invalid search query \"FROM\": expected space"),
            (["mailbox", "search", account, "INBOX", "BOGUS 1"], "unknown search key BOGUS"),
            (["mailbox", "search", account, "INBOX", "SINCE 40-Jan-2026"], "invalid date"),
            (["mailbox", "search", account, "INBOX", " "], "give a search query"),
            (["mailbox", "expunge", account, "INBOX", "(ALL"], "invalid search query"),
            (["mailbox", "expunge", account, "Nowhere", "ALL"], "has no mailbox Nowhere"),
            (["mailbox", "search", "nobody@example.test", "INBOX", "ALL"], "no account nobody@example.test"),
        ]
        for (arguments, message) in cases {
            let result = try tern(arguments)
            XCTAssertEqual(result.status, 1, "\(arguments): \(result.transcript)")
            XCTAssertTrue(result.stderr.hasPrefix("Error: ") && result.stderr.contains(message),
                          "\(arguments): \(result.transcript)")
            XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, "one line: \(result.transcript)")
        }
        // A missing argument is a usage error of the argument parser (EX_USAGE).
        let missing = try tern(["mailbox", "search", account, "INBOX"])
        XCTAssertEqual(missing.status, 64, missing.transcript)
        XCTAssertTrue(missing.stderr.contains("Missing expected argument '<query> ...'"), missing.transcript)
        // Nothing was changed, and the server still serves a normal session.
        let list = try ternOK(["mailbox", "list", account]).stdout
        XCTAssertFalse(list.contains("Work") || list.contains("news"), list)
        try pop3Check("stat", ["--expect", "0"])
    }
}
