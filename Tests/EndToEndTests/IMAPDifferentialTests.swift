import Foundation
import XCTest

/// The same generated mailbox in Tern and in Dovecot (its `imap` binary in
/// preauth mode on a pipe, Debian's dovecot-imapd) answers SORT, THREAD,
/// SEARCH, BODYSTRUCTURE and ENVELOPE identically
/// (Scripts/imap_dovecot_diff.py).
final class IMAPDifferentialTests: IMAPEndToEndTestCase {
    static let dovecotIMAP = "/usr/lib/dovecot/imap"

    func testSortThreadSearchAndStructuresMatchDovecot() throws {
        guard FileManager.default.isExecutableFile(atPath: Self.dovecotIMAP) else {
            if ProcessInfo.processInfo.environment["CI"] == "true" {
                XCTFail("\(Self.dovecotIMAP) is missing, but CI=true: .ci/run must install dovecot-imapd")
                return
            }
            throw XCTSkip("dovecot-imapd not installed")
        }
        try startIMAPServer()
        let result = try imapScript("imap_dovecot_diff.py", ["--dovecot", Self.dovecotIMAP], timeout: 300)
        XCTAssertTrue(result.stdout.contains("dovecot-diff: all checks passed"), result.transcript)
    }
}
