import XCTest
@testable import MailCore

/// `MessagePreview` (RFC 8970 §3): which part, and the text made of it.
final class MessagePreviewTests: XCTestCase {
    func preview(_ message: String) -> String? {
        let bytes = Array(message.utf8)
        let parsed = ParsedMessage.parse(bytes)
        guard let source = MessagePreview.source(in: parsed.root) else { return nil }
        return MessagePreview.text(source: source, bytes: bytes[MessagePreview.readRange(of: source).clamped(to: bytes.indices)])
    }

    func testFixtures() {
        let multipart = "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n"
        let table: [(String, String?)] = [
            ("Subject: a\r\n\r\nOne\r\n  two\tthree\r\n", "One two three"),
            ("Subject: a\r\n\r\n> quoted\r\n  > quoted too\r\nOwn words\r\n", "Own words"),
            ("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                + "w4ljbGF0IGRlIHJpcmU=\r\n", "Éclat de rire"),
            ("Content-Type: text/html\r\n\r\n<p>A&lt;b&amp;amp;</p><!-- gone --><script>x()</script><br>c\r\n", "A<b&amp; c"),
            (multipart + "--x\r\nContent-Type: text/plain\r\nContent-Disposition: attachment\r\n\r\nnot this\r\n"
                + "--x\r\nContent-Type: text/plain\r\n\r\nbut this\r\n--x--\r\n", "but this"),
            (multipart + "--x\r\nContent-Type: text/html\r\n\r\n<b>html</b>\r\n--x\r\nContent-Type: text/plain\r\n\r\nplain\r\n--x--\r\n",
             "plain"),
            ("Content-Type: image/png\r\n\r\nPNG\r\n", nil),
            ("Content-Type: text/plain; charset=utf-8\r\n\r\ncut \u{FFFD}here\r\n", "cut here"),
            (multipart + "--x\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\ninner text\r\n--x--\r\n", nil),
        ]
        for (message, expected) in table {
            XCTAssertEqual(preview(message), expected, message)
        }
    }

    func testLongTextIsCutAtTheLimitAndLongBodiesAreReadOnlyInPart() {
        let words = Array(repeating: "word", count: 5_000).joined(separator: " ")
        let text = preview("Subject: long\r\n\r\n" + words + "\r\n")
        XCTAssertEqual(text?.count, MessagePreview.maximumCharacters - 1, "no trailing space")
        XCTAssertEqual(text?.hasSuffix("word"), true)
        let parsed = ParsedMessage.parse(Array(("Subject: long\r\n\r\n" + words).utf8))
        let source = MessagePreview.source(in: parsed.root)!
        XCTAssertEqual(MessagePreview.readRange(of: source).count, MessagePreview.readLimit)
    }
}
