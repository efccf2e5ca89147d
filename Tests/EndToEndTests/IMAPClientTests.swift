import Foundation
import XCTest

/// Python's imaplib (and a raw client for IDLE and hostile bytes) against the
/// real server over STARTTLS and IMAPS: a whole mail-client session, two
/// sessions of one account, IDLE woken by SMTP delivery, a POP3 delete seen
/// as EXPUNGE, and hostile input. See Scripts/imap_e2e.py and imap_hostile.py.
final class IMAPClientTests: IMAPEndToEndTestCase {
    func testImaplibSessionOverSTARTTLS() throws {
        try startIMAPServer()
        let result = try imapScript("imap_e2e.py", ["session", "--mode", "starttls"])
        XCTAssertTrue(result.stdout.contains("session: all checks passed"), result.transcript)
    }

    func testImaplibSessionOverIMAPS() throws {
        try startIMAPServer()
        let result = try imapScript("imap_e2e.py", ["session", "--mode", "ssl"])
        XCTAssertTrue(result.stdout.contains("session: all checks passed"), result.transcript)
        // The same session again on the same server: names and UIDs of the first run don't get in the way.
        let again = try imapScript("imap_e2e.py", ["session", "--mode", "starttls"])
        XCTAssertTrue(again.stdout.contains("session: all checks passed"), again.transcript)
    }

    /// RFC 9051 §7.5.1: each session hears the other's flags, expunges and new mail.
    func testTwoConcurrentSessionsSeeEachOthersChanges() throws {
        try startIMAPServer()
        let result = try imapScript("imap_e2e.py", ["concurrent", "--mode", "ssl"])
        XCTAssertTrue(result.stdout.contains("concurrent: all checks passed"), result.transcript)
    }

    /// RFC 2177: a message delivered by SMTP (smtplib to the MX listener) is
    /// announced to an idling client without any command.
    func testIDLEReceivesMessageDeliveredBySMTP() throws {
        try startIMAPServer()
        let result = try imapScript("imap_e2e.py", ["idle", "--smtp-port", String(smtpPort)])
        XCTAssertTrue(result.stdout.contains("idle: all checks passed"), result.transcript)
    }

    /// A POP3 session's DELE and QUIT remove a message that an IMAP session
    /// has selected: the IMAP session hears EXPUNGE.
    func testPOP3DeleteSeenAsExpunge() throws {
        try startIMAPServer()
        let result = try imapScript("imap_e2e.py", ["pop3", "--mode", "starttls", "--pop3s-port", String(pop3sPort)])
        XCTAssertTrue(result.stdout.contains("pop3: all checks passed"), result.transcript)
    }

    /// Overlong lines, literals over APPENDLIMIT, unbalanced parentheses, NUL,
    /// bad sequence sets and garbage: BAD or NO each (BYE after garbage in a
    /// row), bounded memory, and the server serves normally afterwards.
    func testHostileInputGetsBADAndTheServerStaysUp() throws {
        try startIMAPServer()
        let pid = try XCTUnwrap(server).process.processIdentifier
        let result = try imapScript("imap_hostile.py", ["--max-message-size", String(maxMessageSize),
                                                         "--server-pid", String(pid)], timeout: 300)
        XCTAssertTrue(result.stdout.contains("hostile: all checks passed"), result.transcript)
        XCTAssertTrue(try XCTUnwrap(server).isRunning, "tern serve still runs")
    }
}

/// COMPRESS=DEFLATE (RFC 4978) with imaplib and zlib by hand, over IMAPS
/// and STARTTLS: partial flushes, a large literal, a garbage stream and a
/// decompression bomb (Scripts/imap_compress.py).
final class IMAPCompressTests: IMAPEndToEndTestCase {
    func testCompressedSessionsGarbageAndBomb() throws {
        try startIMAPServer()
        let pid = try XCTUnwrap(server).process.processIdentifier
        let result = try imapScript("imap_compress.py", ["--server-pid", String(pid)], timeout: 300)
        XCTAssertTrue(result.stdout.contains("compress: all checks passed"), result.transcript)
        XCTAssertTrue(try XCTUnwrap(server).isRunning, "tern serve still runs")
    }
}
