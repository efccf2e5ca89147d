import Foundation
import XCTest

/// `tern account disable|enable|rename|remove` and `account add` before the
/// first `serve`, on the real binary, checked with real clients
/// (Scripts/admin_e2e.py: imaplib, poplib, smtplib).
final class AccountAdminTests: IMAPEndToEndTestCase {
    @discardableResult
    func adminScript(_ command: String, _ arguments: [String] = [], user: String? = nil,
                     file: StaticString = #filePath, line: UInt = #line) throws -> CommandResult {
        try pythonOK("admin_e2e.py", [command] + arguments
                        + ["--imap-port", String(imapPort), "--imaps-port", String(imapsPort),
                           "--user", user ?? account, "--password", password,
                           "--pop3s-port", String(pop3sPort), "--smtp-port", String(smtpPort),
                           "--submission-port", String(submissionPort),
                           "--tern", try TernPaths.ternExecutable().path, "--config", configURL.path],
                     file: file, line: line)
    }

    func testDisabledAccountCannotLogInAnywhereButStillReceivesMail() throws {
        try startIMAPServer(withSubmission: true)
        try adminScript("login", ["--expect", "ok"])

        let disabled = try ternOK(["account", "disable", account])
        XCTAssertTrue(disabled.stdout.contains("disabled account \(account)"), disabled.transcript)
        XCTAssertTrue(disabled.stdout.contains("tern kick \(account)"), "names the command for open sessions: "
                      + disabled.transcript)
        let list = try ternOK(["account", "list"]).stdout
        XCTAssertTrue(list.contains("\(account)  disabled"), list)
        let show = try ternOK(["account", "show", account]).stdout
        XCTAssertTrue(show.contains("state disabled"), show)

        try adminScript("login", ["--expect", "fail"])
        let running = try XCTUnwrap(server)
        XCTAssertTrue((running.stdout + running.stderr).contains("authentication failed: account disabled"),
                      "the server log says why: \(serverLog)")
        try adminScript("deliver", ["--to", account, "--subject", "while-disabled"])
        let found = try ternOK(["mailbox", "search", account, "INBOX", "SUBJECT while-disabled"]).stdout
        XCTAssertEqual(found.split(separator: "\n").count, 1, "mail to a disabled account is delivered: \(found)")

        let again = try ternOK(["account", "disable", account])
        XCTAssertTrue(again.stdout.contains("already disabled"), again.transcript)
        try ternOK(["account", "enable", account])
        XCTAssertFalse(try ternOK(["account", "list"]).stdout.contains("disabled"))
        XCTAssertTrue(try ternOK(["account", "show", account]).stdout.contains("state enabled"))
        try adminScript("login", ["--expect", "ok"])

        let unknown = try tern(["account", "disable", "nobody@example.test"])
        XCTAssertEqual(unknown.status, 1, unknown.transcript)
        XCTAssertTrue(unknown.stderr.contains("Error: no account nobody@example.test"), unknown.transcript)
    }

    func testRenameKeepsMailAndAliasesAndRefusesTakenOrForeignAddresses() throws {
        try startIMAPServer(withSubmission: true)
        try adminScript("deliver", ["--to", account, "--subject", "before-rename"])
        try ternOK(["alias", "add", "info@\(domain)", account])
        try ternOK(["account", "add", "other@\(domain)", "--password-stdin"], stdin: password + "\n")

        let taken = try tern(["account", "rename", account, "other@\(domain)"])
        XCTAssertEqual(taken.status, 1, taken.transcript)
        XCTAssertTrue(taken.stderr.contains("Error: account other@\(domain) already exists"), taken.transcript)
        let foreign = try tern(["account", "rename", account, "user@elsewhere.example"])
        XCTAssertEqual(foreign.status, 1, foreign.transcript)
        XCTAssertTrue(foreign.stderr.contains("elsewhere.example is not a local domain"), foreign.transcript)
        let unknown = try tern(["account", "rename", "nobody@\(domain)", "new@\(domain)"])
        XCTAssertTrue(unknown.stderr.contains("Error: no account nobody@\(domain)"), unknown.transcript)

        let renamed = "renamed@\(domain)"
        let result = try ternOK(["account", "rename", account, renamed])
        XCTAssertTrue(result.stdout.contains("renamed account \(account) to \(renamed)"), result.transcript)
        XCTAssertTrue(try ternOK(["alias", "list"]).stdout.contains("info@\(domain) -> \(renamed)"))
        let found = try ternOK(["mailbox", "search", renamed, "INBOX", "SUBJECT before-rename"]).stdout
        XCTAssertEqual(found.split(separator: "\n").count, 1, "the mail stays: \(found)")
        try adminScript("login", ["--expect", "ok"], user: renamed)
        try adminScript("login", ["--expect", "fail"])
        // Mail to the alias reaches the renamed account.
        try adminScript("deliver", ["--to", "info@\(domain)", "--subject", "via-alias"])
        let viaAlias = try ternOK(["mailbox", "search", renamed, "INBOX", "SUBJECT via-alias"]).stdout
        XCTAssertEqual(viaAlias.split(separator: "\n").count, 1, viaAlias)
    }

    func testRemoveAsksOnATerminalAndRefusesWithoutOneUnlessYes() throws {
        try startIMAPServer()
        try adminScript("deliver", ["--to", account])
        let ternPath = try TernPaths.ternExecutable().path

        let refused = try tern(["account", "remove", account])
        XCTAssertEqual(refused.status, 1, refused.transcript)
        XCTAssertTrue(refused.stderr.contains("not removed: no terminal to ask for confirmation, use --yes"),
                      refused.transcript)
        XCTAssertTrue(try ternOK(["account", "list"]).stdout.contains(account))

        let no = try pythonOK("admin_e2e.py", ["confirm", "--answer", "n", "--",
                                               ternPath, "account", "remove", account, "--config", configURL.path])
        XCTAssertTrue(no.stdout.contains("Remove \(account) and its 1 messages? [y/N]"), no.transcript)
        XCTAssertTrue(no.stdout.contains("exit 1"), no.transcript)
        XCTAssertTrue(no.stdout.contains("not confirmed"), no.transcript)
        XCTAssertTrue(try ternOK(["account", "list"]).stdout.contains(account))

        let yes = try pythonOK("admin_e2e.py", ["confirm", "--answer", "y", "--",
                                                ternPath, "account", "remove", account, "--config", configURL.path])
        XCTAssertTrue(yes.stdout.contains("exit 0") && yes.stdout.contains("removed account \(account)"),
                      yes.transcript)
        XCTAssertFalse(try ternOK(["account", "list"]).stdout.contains(account))

        try ternOK(["account", "add", "second@\(domain)", "--password-stdin"], stdin: password + "\n")
        let forced = try ternOK(["account", "remove", "second@\(domain)", "--yes"])
        XCTAssertTrue(forced.stdout.contains("removed account second@\(domain)"), forced.transcript)
    }
}

/// `tern account add` before the first `tern serve`: the configuration's
/// `local_domains` are enough, as they are for `serve`.
final class AccountAddBeforeServeTests: TernEndToEndTestCase {
    func testAccountAddWorksWithTheConfiguredDomainBeforeTheFirstServe() throws {
        try writeConfig()
        let added = try ternOK(["account", "add", account, "--password-stdin"], stdin: password + "\n")
        XCTAssertTrue(added.stdout.contains("created account \(account)"), added.transcript)
        XCTAssertTrue(try ternOK(["domain", "list"]).stdout.contains(domain))
        let foreign = try tern(["account", "add", "x@unlisted.example", "--password-stdin"], stdin: password + "\n")
        XCTAssertEqual(foreign.status, 1, foreign.transcript)
        XCTAssertTrue(foreign.stderr.contains("unlisted.example is not a local domain"), foreign.transcript)

        // The first start keeps it, and the account logs in.
        try startServer()
        try pop3Check("stat", ["--expect", "0"])
        XCTAssertEqual(try ternOK(["account", "list"]).stdout.split(separator: "\n"), [Substring(account)],
                       "no postmaster account is made: the store already had one")
    }
}
