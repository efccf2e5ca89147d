import XCTest
@testable import POP3

final class POP3ResponseTests: XCTestCase {
    private func text(_ response: POP3Response) -> String {
        String(decoding: response.encoded(), as: UTF8.self)
    }

    func testStatusLines() {
        XCTAssertEqual(text(.ok("2 320")), "+OK 2 320\r\n")
        XCTAssertEqual(text(.ok("")), "+OK\r\n")
        XCTAssertEqual(text(.error(nil, "no such message")), "-ERR no such message\r\n")
        XCTAssertEqual(text(.error(.inUse, "locked")), "-ERR [IN-USE] locked\r\n")
        XCTAssertEqual(text(.error(.authentication, "bad")), "-ERR [AUTH] bad\r\n")
        XCTAssertEqual(text(.error(.systemTemporary, "later")), "-ERR [SYS/TEMP] later\r\n")
        XCTAssertEqual(text(.error(.systemPermanent, "never")), "-ERR [SYS/PERM] never\r\n")
        XCTAssertEqual(text(.error(.loginDelay, "wait")), "-ERR [LOGIN-DELAY] wait\r\n")
    }

    func testReplyTextCannotInjectLines() {
        XCTAssertEqual(text(.error(nil, "a\r\n+OK forged")), "-ERR a  +OK forged\r\n")
        XCTAssertEqual(text(.lines("x", ["a\nb"])), "+OK x\r\na b\r\n.\r\n")
    }

    func testLines() {
        XCTAssertEqual(text(.lines("2 messages", ["1 120", "2 200"])), "+OK 2 messages\r\n1 120\r\n2 200\r\n.\r\n")
        XCTAssertEqual(text(.lines("none", [])), "+OK none\r\n.\r\n")
        XCTAssertEqual(text(.lines("x", [".hidden", "."])), "+OK x\r\n..hidden\r\n..\r\n.\r\n")
    }

    func testMessageIsDotStuffedAndTerminated() {
        let body = Array("Subject: a\r\n\r\n.line\r\n.\r\nend\r\n".utf8)
        XCTAssertEqual(text(.message("37 octets", body)),
                       "+OK 37 octets\r\nSubject: a\r\n\r\n..line\r\n..\r\nend\r\n.\r\n")
    }

    func testChallenge() {
        XCTAssertEqual(text(.challenge("")), "+ \r\n")
        XCTAssertEqual(text(.challenge("VXNlcm5hbWU6")), "+ VXNlcm5hbWU6\r\n")
    }
}
