import XCTest
@testable import MailCore

final class DotStuffingTests: XCTestCase {
    func testLinesStartingWithDotAreStuffed() {
        XCTAssertEqual(DotStuffing.stuff(utf8Bytes(".hidden\r\nnormal\r\n..two\r\n")),
                       utf8Bytes("..hidden\r\nnormal\r\n...two\r\n"))
    }

    func testLineThatIsJustADot() {
        XCTAssertEqual(DotStuffing.stuff(utf8Bytes("a\r\n.\r\nb\r\n")), utf8Bytes("a\r\n..\r\nb\r\n"))
        XCTAssertEqual(DotStuffing.stuff(utf8Bytes(".")), utf8Bytes("..\r\n"))
    }

    func testBodyWithoutFinalCRLFGetsOne() {
        XCTAssertEqual(DotStuffing.stuff(utf8Bytes("no end")), utf8Bytes("no end\r\n"))
        XCTAssertEqual(DotStuffing.stuff(utf8Bytes("ends with cr\r")), utf8Bytes("ends with cr\r\n"))
        XCTAssertEqual(DotStuffing.stuff(utf8Bytes("x\r\n.")), utf8Bytes("x\r\n..\r\n"))
    }

    func testEmptyBody() {
        XCTAssertEqual(DotStuffing.stuff([]), [])
    }

    func testDotsInsideLinesUntouched() {
        XCTAssertEqual(DotStuffing.stuff(utf8Bytes("a.b\r\n .c\r\n")), utf8Bytes("a.b\r\n .c\r\n"))
    }

    func testTerminatorCannotAppearInStuffedOutput() {
        let body = utf8Bytes("\r\n.\r\n.\r\n\r\n.\r\n")
        var stuffed = DotStuffing.stuff(body)
        let terminator = utf8Bytes("\r\n.\r\n")
        for start in 0...(stuffed.count - terminator.count) {
            XCTAssertNotEqual(Array(stuffed[start..<(start + terminator.count)]), terminator)
        }
        XCTAssertEqual(DotStuffing.unstuff(stuffed), body)
        stuffed += DotStuffing.terminator
        XCTAssertEqual(Array(stuffed.suffix(5)), terminator)
    }

    func testUnstuffRoundTrip() {
        let body = utf8Bytes("..a\r\n.\r\nb.\r\n")
        XCTAssertEqual(DotStuffing.unstuff(DotStuffing.stuff(body)), body)
    }

    func testNormalizeToCRLF() {
        XCTAssertEqual(LineEndings.normalizeToCRLF(utf8Bytes("a\nb\rc\r\nd\n\re")), utf8Bytes("a\r\nb\r\nc\r\nd\r\n\r\ne"))
        XCTAssertEqual(LineEndings.normalizeToCRLF(utf8Bytes("\r")), utf8Bytes("\r\n"))
        XCTAssertEqual(LineEndings.normalizeToCRLF([]), [])
        let once = LineEndings.normalizeToCRLF(utf8Bytes("x\n\n\r\r\ny"))
        XCTAssertEqual(LineEndings.normalizeToCRLF(once), once)
        XCTAssertTrue(LineEndings.isCRLFOnly(once))
        XCTAssertFalse(LineEndings.isCRLFOnly(utf8Bytes("a\nb")))
        XCTAssertFalse(LineEndings.isCRLFOnly(utf8Bytes("a\r")))
    }
}
