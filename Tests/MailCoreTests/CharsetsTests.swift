import XCTest
@testable import MailCore

final class CharsetsTests: XCTestCase {
    func testKnownCharsets() {
        XCTAssertEqual(Charsets.decode([0xC3, 0xA9], charset: "UTF-8"), "é")
        XCTAssertEqual(Charsets.decode([0xE9], charset: "ISO-8859-1"), "é")
        XCTAssertEqual(Charsets.decode([0xE9], charset: "latin1"), "é")
        XCTAssertEqual(Charsets.decode([0x80, 0x9F, 0x81], charset: "windows-1252"), "€Ÿ\u{FFFD}")
        XCTAssertEqual(Charsets.decode([0x41, 0xE9], charset: "us-ascii"), "A\u{FFFD}")
    }

    func testInvalidUTF8BecomesReplacement() {
        XCTAssertEqual(Charsets.decode([0x61, 0xFF, 0x62], charset: "utf-8"), "a\u{FFFD}b")
    }

    func testUnknownCharset() {
        XCTAssertNil(Charsets.decode([0x41], charset: "x-klingon"))
        XCTAssertNil(Charsets.decode([0x41], charset: ""))
    }

    func testBase64() {
        XCTAssertEqual(Base64.decode(utf8Bytes("aGVsbG8=")), utf8Bytes("hello"))
        XCTAssertEqual(Base64.decode(utf8Bytes("aGVs\r\nbG8")), utf8Bytes("hello"))
        XCTAssertEqual(Base64.decode(utf8Bytes("")), [])
        XCTAssertNil(Base64.decode(utf8Bytes("aGV*")))
        XCTAssertNil(Base64.decode(utf8Bytes("a")))
        XCTAssertNil(Base64.decode(utf8Bytes("aG==Vs")))
        for length in 0..<40 {
            let input = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 200) }
            XCTAssertEqual(Base64.decode(utf8Bytes(Base64.encode(input))), input)
        }
        XCTAssertEqual(Base64.encode(utf8Bytes("hello")), "aGVsbG8=")
    }

    func testRangesOfParts() {
        let message = utf8Bytes("A: b\r\n\r\nbody")
        let root = ParsedMessage.parse(message).root
        XCTAssertEqual(Array(message[root.headerRange]), utf8Bytes("A: b\r\n\r\n"))
        XCTAssertEqual(Array(message[root.bodyRange]), utf8Bytes("body"))
    }
}
