import XCTest
@testable import POP3

final class POP3MessageTextTests: XCTestCase {
    private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    func testWireFormKeepsCRLFText() {
        let message = bytes("A: b\r\n\r\nbody\r\n")
        XCTAssertEqual(POP3MessageText.wireForm(message), message)
    }

    func testWireFormNormalisesBareLFAndAddsFinalCRLF() {
        XCTAssertEqual(POP3MessageText.wireForm(bytes("A: b\n\nbody\r\nmore")), bytes("A: b\r\n\r\nbody\r\nmore\r\n"))
        XCTAssertEqual(POP3MessageText.wireForm(bytes("x")), bytes("x\r\n"))
        XCTAssertEqual(POP3MessageText.wireForm([]), [])
    }

    func testTop() {
        let message = bytes("A: 1\r\nB: 2\r\n\r\nl1\r\nl2\r\nl3\r\n")
        XCTAssertEqual(POP3MessageText.top(message, lines: 0), bytes("A: 1\r\nB: 2\r\n\r\n"))
        XCTAssertEqual(POP3MessageText.top(message, lines: 2), bytes("A: 1\r\nB: 2\r\n\r\nl1\r\nl2\r\n"))
        XCTAssertEqual(POP3MessageText.top(message, lines: 3), message)
        XCTAssertEqual(POP3MessageText.top(message, lines: 100), message)
    }

    func testTopWithoutBodyOrHeader() {
        let headerOnly = bytes("A: 1\r\nB: 2\r\n")
        XCTAssertEqual(POP3MessageText.top(headerOnly, lines: 0), headerOnly)
        let noHeader = bytes("\r\nl1\r\nl2\r\n")
        XCTAssertEqual(POP3MessageText.top(noHeader, lines: 1), bytes("\r\nl1\r\n"))
    }
}
