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

    /// isCRLFOnly fixtures: input → whether every CR and LF are in CRLF pairs.
    func testIsCRLFOnlyFixtures() {
        let fixtures: [(String, Bool)] = [
            ("", true), ("abc", true), ("\r\n", true), ("a\r\nb\r\n\r\n", true),
            ("\n", false), ("\r", false), ("\r\r\n", false), ("\r\n\n", false),
            ("\n\r", false), ("a\rb\r\n", false), ("ab\r\nc\n", false),
        ]
        for (input, expected) in fixtures {
            XCTAssertEqual(LineEndings.isCRLFOnly(utf8Bytes(input)), expected, "\(input.debugDescription)")
        }
    }

    /// The line-at-a-time stuffing and CRLF check agree with a byte-by-byte
    /// reading of RFC 5321 §4.5.2 on random bodies made of the bytes that matter.
    func testRandomBodiesMatchAByteByByteReference() {
        var generator = SystemRandomNumberGenerator()
        let alphabet: [UInt8] = [0x2E, 0x0D, 0x0A, 0x61, 0x20]
        for _ in 0..<2_000 {
            let body = (0..<Int.random(in: 0...40, using: &generator)).map { _ in
                alphabet.randomElement(using: &generator)!
            }
            var expected: [UInt8] = []
            var atLineStart = true
            for byte in body {
                if atLineStart && byte == 0x2E { expected.append(0x2E) }
                expected.append(byte)
                atLineStart = byte == 0x0A
            }
            if !expected.isEmpty && !(expected.count >= 2 && expected.suffix(2) == [0x0D, 0x0A]) {
                expected += expected.last == 0x0D ? [0x0A] : [0x0D, 0x0A]
            }
            XCTAssertEqual(DotStuffing.stuff(body), expected, "\(body)")
            XCTAssertEqual(LineEndings.isCRLFOnly(body), LineEndings.normalizeToCRLF(body) == body, "\(body)")
        }
    }
}
