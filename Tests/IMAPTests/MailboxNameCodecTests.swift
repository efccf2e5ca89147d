import XCTest
@testable import IMAP

/// MailboxNameCodec: wire names to store names and back (RFC 9051 §5.1,
/// RFC 3501 §5.1.3, RFC 6855 §3), and the names it refuses.
final class MailboxNameCodecTests: XCTestCase {
    private func decode(_ text: String, _ encoding: MailboxNameEncoding = .modifiedUTF7) throws -> String {
        try MailboxNameCodec.decode(MailboxName(text), encoding: encoding)
    }

    private func assertRefused(_ bytes: [UInt8], _ encoding: MailboxNameEncoding,
                               file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try MailboxNameCodec.decode(MailboxName(bytes), encoding: encoding),
                             "\(String(decoding: bytes, as: UTF8.self).prefix(40)) was accepted", file: file, line: line)
    }

    private func assertRefused(_ text: String, file: StaticString = #filePath, line: UInt = #line) {
        assertRefused(Array(text.utf8), .modifiedUTF7, file: file, line: line)
        assertRefused(Array(text.utf8), .utf8, file: file, line: line)
    }

    func testModifiedUTF7DecodesToUTF8() throws {
        XCTAssertEqual(try decode("Entw&APw-rfe"), "Entwürfe")
        XCTAssertEqual(try decode("peter/mail/&U,BTFw-/&ZeVnLIqe-"), "peter/mail/台北/日本語")
        XCTAssertEqual(try decode("A &- B"), "A & B")
        XCTAssertEqual(try decode("Archive/2024"), "Archive/2024")
    }

    func testUTF8DecodesAsIs() throws {
        XCTAssertEqual(try decode("Entwürfe", .utf8), "Entwürfe")
        XCTAssertEqual(try decode("日本語/子", .utf8), "日本語/子")
    }

    /// RFC 6855 §3: after UTF8=ACCEPT a name that looks like modified UTF-7 is literal.
    func testUTF8ConnectionTakesModifiedUTF7LookalikesLiterally() throws {
        XCTAssertEqual(try decode("Entw&APw-rfe", .utf8), "Entw&APw-rfe")
        XCTAssertEqual(try decode("&Jjo", .utf8), "&Jjo")
    }

    /// Names are kept in Unicode normalization form C (RFC 5198).
    func testDecomposedInputIsComposed() throws {
        XCTAssertEqual(Array(try decode("Entwu\u{308}rfe", .utf8).unicodeScalars), Array("Entwürfe".unicodeScalars))
        XCTAssertEqual(Array(try decode("Entwu&Awg-rfe").unicodeScalars), Array("Entwürfe".unicodeScalars))
    }

    func testEncode() {
        XCTAssertEqual(MailboxNameCodec.encode("Entwürfe", encoding: .modifiedUTF7).bytes, Array("Entw&APw-rfe".utf8))
        XCTAssertEqual(MailboxNameCodec.encode("Entwürfe", encoding: .utf8).bytes, Array("Entwürfe".utf8))
        XCTAssertEqual(MailboxNameCodec.encode("A & B", encoding: .modifiedUTF7).bytes, Array("A &- B".utf8))
        XCTAssertTrue(MailboxNameCodec.encode("INBOX", encoding: .modifiedUTF7).isInbox)
    }

    func testRoundTrip() throws {
        for name in ["Entwürfe", "日本語/子", "A & B", "😀 Emoji", "INBOX/Ünter", "plain"] {
            for encoding in [MailboxNameEncoding.utf8, .modifiedUTF7] {
                let wire = MailboxNameCodec.encode(name, encoding: encoding)
                XCTAssertEqual(try MailboxNameCodec.decode(wire, encoding: encoding), name)
            }
        }
    }

    func testInboxInAnyCaseIsInbox() throws {
        XCTAssertEqual(try decode("inbox"), "INBOX")
        XCTAssertEqual(try decode("InBoX", .utf8), "INBOX")
        // RFC 9051 §5.1: INBOX's children keep INBOX in upper case.
        XCTAssertEqual(try decode("inbox/child"), "INBOX/child")
        XCTAssertEqual(try decode("Inbox/Sub/Deeper", .utf8), "INBOX/Sub/Deeper")
        // Only the first level is INBOX; other names keep their case.
        XCTAssertEqual(try decode("Archive/inbox"), "Archive/inbox")
        XCTAssertEqual(try decode("Inboxes"), "Inboxes")
        // A dotless ı is not an i: no Unicode case folding into INBOX.
        XCTAssertEqual(try decode("ınbox", .utf8), "ınbox")
    }

    func testInvalidModifiedUTF7IsRefused() {
        assertRefused(Array("&Jjo".utf8), .modifiedUTF7)        // unterminated shift
        assertRefused(Array("&Jjo!-".utf8), .modifiedUTF7)      // outside the alphabet
        assertRefused(Array("&AGE-".utf8), .modifiedUTF7)       // "a" in base64
        assertRefused(Array("Entwürfe".utf8), .modifiedUTF7)    // 8-bit octets on a rev1 connection
    }

    func testInvalidUTF8IsRefused() {
        assertRefused([0x66, 0xC3, 0x28], .utf8)
        assertRefused([0xFF, 0xFE], .utf8)
        assertRefused([0xED, 0xA0, 0x80], .utf8)  // a UTF-16 surrogate
    }

    func testHostileNamesAreRefused() {
        for name in ["", "../x", "a/../b", "a/./b", "..", ".", "/etc/passwd", "a//b", "a/", "/",
                     "%", "a*", "Sent/%", "*", "~other", "~bob/INBOX", "#shared/x", "a\u{0}b", "a\tb", "a\rb",
                     "a\nb", "a\u{7F}", "a\u{85}b"] {
            assertRefused(name)
        }
        // NUL written in modified UTF-7 is refused too.
        assertRefused(Array("a&AAA-b".utf8), .modifiedUTF7)
    }

    func testLengthAndDepthBounds() throws {
        assertRefused(String(repeating: "x", count: 10 * 1024))
        assertRefused(String(repeating: "x", count: 256))
        XCTAssertNoThrow(try decode(String(repeating: "x", count: 255)))
        // 255 octets of UTF-8: "ü" is two octets.
        assertRefused(Array(String(repeating: "ü", count: 128).utf8), .utf8)
        XCTAssertNoThrow(try decode(String(repeating: "ü", count: 127), .utf8))
        let sixteen = Array(repeating: "a", count: 16).joined(separator: "/")
        XCTAssertEqual(try decode(sixteen), sixteen)
        assertRefused(sixteen + "/a")
    }

    func testAncestors() {
        XCTAssertEqual(MailboxNameCodec.ancestors(of: "a/b/c"), ["a", "a/b"])
        XCTAssertEqual(MailboxNameCodec.ancestors(of: "a"), [])
    }
}
