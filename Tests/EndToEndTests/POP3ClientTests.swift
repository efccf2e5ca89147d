import Foundation
import XCTest

/// Python's poplib against the real server: plain POP3 upgraded with STLS
/// (RFC 2595) and POP3S, USER/PASS and AUTH (RFC 5034), every RFC 1939 command,
/// RETR byte-identical to the imported source messages.
final class POP3ClientTests: TernEndToEndTestCase {
    private func importSample(count: Int = 30) throws -> URL {
        try prepareAccount()
        let mbox = try generateMbox(count: count, seed: 11)
        let result = try importMbox(mbox)
        XCTAssertTrue(result.succeeded, result.transcript)
        XCTAssertEqual(ImportOutput.summary(result.stdout)?.imported, count, result.transcript)
        return mbox
    }

    func testPoplibOverSTLSWithUserPassAndAuth() throws {
        let mbox = try importSample()
        try startServer()
        for auth in ["user", "plain-ir", "plain", "login"] {
            try pop3Check("session", mode: "stls", ["--mbox", mbox.path, "--auth", auth])
        }
    }

    func testPoplibOverPOP3S() throws {
        let mbox = try importSample()
        try startServer()
        try pop3Check("session", mode: "ssl", ["--mbox", mbox.path, "--auth", "user"])
        try pop3Check("session", mode: "ssl", ["--mbox", mbox.path, "--auth", "plain-ir"])
    }

    func testSecondConcurrentSessionGetsInUse() throws {
        _ = try importSample(count: 3)
        try startServer()
        try pop3Check("inuse", mode: "ssl")
        try pop3Check("inuse", mode: "plain")
    }

    func testMalformedAndHostileInputGetsERR() throws {
        _ = try importSample(count: 3)
        try startServer()
        try pop3Check("hostile", mode: "stls", timeout: 600)
    }

    /// An import run while the server runs is seen by the next POP3 session;
    /// importing the same file again adds nothing.
    func testImportWhileServerRunsIsVisibleAndIdempotent() throws {
        try prepareAccount()
        try startServer()
        try pop3Check("stat", mode: "plain", ["--expect", "0"])
        let mbox = try generateMbox(count: 12, seed: 12)
        let first = try importMbox(mbox)
        XCTAssertTrue(first.succeeded, first.transcript)
        XCTAssertEqual(ImportOutput.summary(first.stdout)?.imported, 12, first.transcript)
        try pop3Check("verify", ["--mbox", mbox.path, "--exact"])
        let again = try importMbox(mbox)
        XCTAssertTrue(again.succeeded, again.transcript)
        let summary = ImportOutput.summary(again.stdout)
        XCTAssertEqual(summary?.imported, 0, again.transcript)
        XCTAssertEqual(summary?.skipped, 12, again.transcript)
        try pop3Check("verify", mode: "ssl", ["--mbox", mbox.path, "--exact"])
    }
}

/// `tern import maildir`: INBOX messages reach POP3 byte for byte, a Maildir++
/// subfolder becomes a mailbox (checked with `tern export mbox`).
final class MaildirImportTests: TernEndToEndTestCase {
    func testImportMaildirThenPOP3AndExport() throws {
        try prepareAccount()
        let maildir = workDir.appendingPathComponent("Maildir")
        try pythonOK("mboxlib.py", ["maildir", maildir.path, "--count", "20", "--seed", "51"])
        try ternOK(["import", "maildir", maildir.path, "--account", account])
        let archive = workDir.appendingPathComponent("archive-export.mbox")
        try ternOK(["export", "mbox", "--account", account, "--mailbox", "Archive", archive.path])
        try pythonOK("pop3e2e.py", ["samemsgs", maildir.path + ".archive.mbox", archive.path])
        try startServer()
        try pop3Check("verify", ["--mbox", maildir.path + ".inbox.mbox", "--exact"])
    }
}
