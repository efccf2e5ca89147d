import Foundation
import XCTest

/// The same generated mailbox in Tern and in Dovecot (its `imap` binary in
/// preauth mode on a pipe, Debian's dovecot-imapd) answers SORT, THREAD,
/// SEARCH, BODYSTRUCTURE and ENVELOPE identically
/// (Scripts/imap_dovecot_diff.py).
final class IMAPDifferentialTests: IMAPEndToEndTestCase {
    static let dovecotIMAP = "/usr/lib/dovecot/imap"

    /// Skips without Dovecot's `imap` on a developer's machine; fails under CI.
    func requireDovecot() throws {
        guard FileManager.default.isExecutableFile(atPath: Self.dovecotIMAP) else {
            if ProcessInfo.processInfo.environment["CI"] == "true" {
                XCTFail("\(Self.dovecotIMAP) is missing, but CI=true: .ci/run must install dovecot-imapd")
                throw XCTSkip("failed above")
            }
            throw XCTSkip("dovecot-imapd not installed")
        }
    }

    func testSortThreadSearchAndStructuresMatchDovecot() throws {
        try requireDovecot()
        try startIMAPServer()
        let result = try imapScript("imap_dovecot_diff.py", ["--dovecot", Self.dovecotIMAP], timeout: 300)
        XCTAssertTrue(result.stdout.contains("dovecot-diff: all checks passed"), result.transcript)
    }

    /// GETMETADATA and SETMETADATA (RFC 5464) on a mailbox and on the
    /// server answer as Dovecot with `imap_metadata = yes` does
    /// (Scripts/imap_metadata_diff.py).
    func testMetadataMatchesDovecot() throws {
        try requireDovecot()
        try startIMAPServer()
        let result = try imapScript("imap_metadata_diff.py", ["--dovecot", Self.dovecotIMAP], timeout: 120)
        XCTAssertTrue(result.stdout.contains("metadata-diff: all checks passed"), result.transcript)
    }
}
