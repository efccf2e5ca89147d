import XCTest
@testable import MailCore

/// Deterministic mutation tests: damaged input must never crash a parser,
/// and every MIME range must stay inside the message.
final class ParserRobustnessTests: XCTestCase {
    /// A small linear congruential generator, so failures are reproducible.
    struct Generator {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
    }

    func assertRangesInside(_ part: MIMEPart, count: Int, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertGreaterThanOrEqual(part.headerOffset, 0, file: file, line: line)
        XCTAssertLessThanOrEqual(part.headerRange.upperBound, count, file: file, line: line)
        XCTAssertLessThanOrEqual(part.headerRange.upperBound, part.bodyOffset, file: file, line: line)
        XCTAssertLessThanOrEqual(part.bodyRange.upperBound, count, file: file, line: line)
        XCTAssertGreaterThanOrEqual(part.bodyLines, 0, file: file, line: line)
        if part.isMultipart { XCTAssertFalse(part.parts.isEmpty, file: file, line: line) }
        for child in part.parts {
            XCTAssertGreaterThanOrEqual(child.headerOffset, part.bodyOffset, file: file, line: line)
            XCTAssertLessThanOrEqual(child.bodyRange.upperBound, part.bodyRange.upperBound, file: file, line: line)
            assertRangesInside(child, count: count, file: file, line: line)
        }
    }

    func testMutatedMessagesKeepRangesInside() throws {
        let original = utf8Bytes(MIMETreeTests.nested)
        var generator = Generator(state: 42)
        let alphabet = utf8Bytes("-\r\n:;=\"<>@(),ab ")
        for _ in 0..<400 {
            var message = original
            for _ in 0..<(1 + generator.next(8)) {
                switch generator.next(3) {
                case 0: message[generator.next(message.count)] = alphabet[generator.next(alphabet.count)]
                case 1: message.remove(at: generator.next(message.count))
                default: message.insert(alphabet[generator.next(alphabet.count)], at: generator.next(message.count))
                }
            }
            if generator.next(4) == 0 { message = Array(message.prefix(generator.next(message.count))) }
            let parsed = ParsedMessage.parse(message)
            assertRangesInside(parsed.root, count: message.count)
            XCTAssertEqual(try JSONRoundTrip.roundTrip(parsed), parsed)
        }
    }

    func testRandomTextNeverCrashesTextParsers() {
        var generator = Generator(state: 7)
        let alphabet = Array("=?_QB&-,;:<>@\"()\\[]. azé😀+/\r\n\t".unicodeScalars)
        for _ in 0..<2000 {
            var text = String.UnicodeScalarView()
            for _ in 0..<generator.next(40) { text.append(alphabet[generator.next(alphabet.count)]) }
            let string = String(text)
            _ = EncodedWords.decode(string)
            _ = AddressListParser.parse(string)
            _ = EmailAddress(string)
            _ = MailDate.parseRFC5322(string)
            _ = MIMEHeaderValue.parseContentType(utf8Bytes(string))
            if let decoded = ModifiedUTF7.decode(string) {
                // Whatever decodes must encode back to the same text.
                XCTAssertEqual(ModifiedUTF7.encode(decoded), string)
            }
        }
    }
}
