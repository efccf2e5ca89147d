import XCTest
@testable import MailCore

final class ModifiedUTF7Tests: XCTestCase {
    func testRFC3501Example() {
        // RFC 3501 §5.1.3: "~peter/mail/台北/日本語".
        XCTAssertEqual(ModifiedUTF7.encode("~peter/mail/台北/日本語"), "~peter/mail/&U,BTFw-/&ZeVnLIqe-")
        XCTAssertEqual(ModifiedUTF7.decode("~peter/mail/&U,BTFw-/&ZeVnLIqe-"), "~peter/mail/台北/日本語")
    }

    func testAmpersandAndASCII() {
        XCTAssertEqual(ModifiedUTF7.encode("Tom & Jerry"), "Tom &- Jerry")
        XCTAssertEqual(ModifiedUTF7.decode("Tom &- Jerry"), "Tom & Jerry")
        XCTAssertEqual(ModifiedUTF7.encode("INBOX.Sent"), "INBOX.Sent")
        XCTAssertEqual(ModifiedUTF7.encode(""), "")
        XCTAssertEqual(ModifiedUTF7.decode(""), "")
    }

    func testKnownEncodings() {
        XCTAssertEqual(ModifiedUTF7.encode("Entwürfe"), "Entw&APw-rfe")
        XCTAssertEqual(ModifiedUTF7.encode("€"), "&IKw-")
        XCTAssertEqual(ModifiedUTF7.encode("😀"), "&2D3eAA-")
        XCTAssertEqual(ModifiedUTF7.decode("&2D3eAA-"), "😀")
    }

    func testRoundTrips() {
        let names = ["Entwürfe", "Отправленные", "下書き", "a&b&c", "😀 smile 😀", "mixed ü and ✓", "tab\there",
                     "&&", "ÿ", "\u{7F}", "🇺🇳", "long " + String(repeating: "é", count: 300)]
        for name in names {
            let encoded = ModifiedUTF7.encode(name)
            XCTAssertTrue(encoded.utf8.allSatisfy { $0 >= 0x20 && $0 <= 0x7E }, name)
            XCTAssertEqual(ModifiedUTF7.decode(encoded), name, name)
        }
    }

    func testInvalidInput() {
        let invalid = [
            "&",              // unterminated shift
            "&U,BTFw",        // no closing "-"
            "&U,BTF!-",       // character outside the alphabet
            "&U/BTFw-",       // "/" is not modified base64
            "&AGE-",          // printable ASCII "a" encoded in base64
            "&2D0-",          // lone high surrogate
            "&3gA-",          // lone low surrogate
            "&APw-&APw-",     // two shifts in a row must be merged
            "&APx-",          // non-zero padding bits
            "&APwA-",         // excess base64 characters (extra 6 bits)
            "&A-",            // too short for one code unit
            "café",           // raw 8-bit characters
            "a\u{1}b",        // control character
            "&AAAA-",         // one code unit plus 8 excess bits
        ]
        for text in invalid {
            XCTAssertNil(ModifiedUTF7.decode(text), text)
        }
    }
}
