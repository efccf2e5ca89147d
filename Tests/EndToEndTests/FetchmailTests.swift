import Foundation
import XCTest

/// fetchmail (Debian) downloads a 1,000-message imported mbox over POP3S; what
/// it delivers is byte-identical to the source, lines starting with "." included.
final class FetchmailTests: TernEndToEndTestCase {
    func testFetchmailRetrievesThousandMessagesOverPOP3S() throws {
        _ = try requireDebianClient("fetchmail")
        try prepareAccount()
        let mbox = try generateMbox(count: 1000, seed: 31)
        let result = try importMbox(mbox, timeout: 600)
        XCTAssertTrue(result.succeeded, result.transcript)
        XCTAssertEqual(ImportOutput.summary(result.stdout)?.imported, 1000, result.transcript)
        try startServer()
        try pythonOK("fetchmail_e2e.py", ["--port", String(pop3sPort), "--ssl", "--user", account,
                                          "--password", password, "--mbox", mbox.path,
                                          "--workdir", workDir.appendingPathComponent("fetchmail").path],
                     timeout: 600)
    }
}
