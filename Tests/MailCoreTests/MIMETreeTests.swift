import XCTest
@testable import MailCore

/// Offsets, sizes and line counts below are counted by hand from the
/// messages' lines (lengths noted beside each line).
final class MIMETreeTests: XCTestCase {
    static let flat = [
        "Subject: t\r\n",                                      // 0..12
        "Content-Type: multipart/mixed; boundary=b\r\n",       // 12..55
        "\r\n",                                                // 55..57  root body 57
        "pre\r\n",                                             // 57..62  preamble
        "--b\r\n",                                             // 62..67
        "\r\n",                                                // 67..69  part 1: no fields
        "one\r\n",                                             // 69..74  body 69..72
        "--b\r\n",                                             // 74..79
        "Content-Type: text/html\r\n",                         // 79..104
        "\r\n",                                                // 104..106
        "<p>x</p>\r\n",                                        // 106..116
        "line2\r\n",                                           // 116..123 body 106..121
        "--b--\r\n",                                           // 123..130
        "epi\r\n",                                             // 130..135 epilogue
    ].joined()

    func testFlatMultipartOffsets() throws {
        let message = utf8Bytes(Self.flat)
        XCTAssertEqual(message.count, 135)
        let root = ParsedMessage.parse(message).root
        XCTAssertEqual(root.type, "multipart")
        XCTAssertEqual(root.subtype, "mixed")
        XCTAssertEqual(root.parameters.value("boundary"), "b")
        XCTAssertEqual([root.headerOffset, root.headerSize, root.bodyOffset, root.bodySize, root.bodyLines],
                       [0, 57, 57, 78, 11])
        XCTAssertEqual(root.parts.count, 2)

        let first = root.parts[0]
        XCTAssertEqual([first.type, first.subtype], ["text", "plain"])
        XCTAssertEqual(first.parameters, [MIMEParameter(name: "charset", value: "us-ascii")])
        XCTAssertEqual([first.headerOffset, first.headerSize, first.bodyOffset, first.bodySize, first.bodyLines],
                       [67, 2, 69, 3, 0])
        XCTAssertEqual(Array(message[first.bodyOffset..<(first.bodyOffset + first.bodySize)]), utf8Bytes("one"))

        let second = root.parts[1]
        XCTAssertEqual([second.type, second.subtype], ["text", "html"])
        XCTAssertEqual(second.parameters, [])
        XCTAssertEqual([second.headerOffset, second.headerSize, second.bodyOffset, second.bodySize, second.bodyLines],
                       [79, 27, 106, 15, 1])
    }

    func testFlatMultipartWithBareLF() {
        let message = utf8Bytes(Self.flat.replacingOccurrences(of: "\r\n", with: "\n"))
        XCTAssertEqual(message.count, 121)
        let root = ParsedMessage.parse(message).root
        XCTAssertEqual([root.headerSize, root.bodyOffset, root.bodySize], [54, 54, 67])
        XCTAssertEqual(root.parts.count, 2)
        XCTAssertEqual([root.parts[0].headerOffset, root.parts[0].bodyOffset, root.parts[0].bodySize], [62, 63, 3])
        let second = root.parts[1]
        XCTAssertEqual([second.headerOffset, second.headerSize, second.bodyOffset, second.bodySize, second.bodyLines],
                       [71, 25, 96, 14, 1])
    }

    static let nested = [
        "Content-Type: multipart/mixed; boundary=outer\r\n",          // 0..47
        "\r\n",                                                       // 47..49
        "--outer\r\n",                                                // 49..58
        "Content-Type: multipart/alternative; boundary=inner\r\n",    // 58..111
        "\r\n",                                                       // 111..113 part 1 body 113
        "--inner\r\n",                                                // 113..122
        "\r\n",                                                       // 122..124 part 1.1
        "plain\r\n",                                                  // 124..131 body 124..129
        "--inner\r\n",                                                // 131..140
        "Content-Type: text/html; charset=utf-8\r\n",                 // 140..180 part 1.2
        "\r\n",                                                       // 180..182
        "<b>h</b>\r\n",                                               // 182..192 body 182..190
        "--inner--\r\n",                                              // 192..203 part 1 body ends 201
        "--outer\r\n",                                                // 203..212
        "Content-Type: message/rfc822\r\n",                           // 212..242 part 2
        "\r\n",                                                       // 242..244
        "From: a@b.c\r\n",                                            // 244..257 inner message
        "Subject: inner\r\n",                                         // 257..273
        "\r\n",                                                       // 273..275
        "hi\r\n",                                                     // 275..279 inner body 275..277
        "--outer--\r\n",                                              // 279..290 part 2 body 244..277
    ].joined()

    func testNestedMultipartAndMessageRFC822() throws {
        let message = utf8Bytes(Self.nested)
        XCTAssertEqual(message.count, 290)
        let parsed = ParsedMessage.parse(message)
        let root = parsed.root
        XCTAssertEqual([root.headerSize, root.bodyOffset, root.bodySize], [49, 49, 241])
        XCTAssertEqual(root.parts.count, 2)

        let alternative = root.parts[0]
        XCTAssertEqual(alternative.subtype, "alternative")
        XCTAssertEqual([alternative.headerOffset, alternative.headerSize, alternative.bodyOffset,
                        alternative.bodySize, alternative.bodyLines], [58, 55, 113, 88, 7])
        XCTAssertEqual(alternative.parts.count, 2)
        let plain = alternative.parts[0]
        XCTAssertEqual([plain.headerOffset, plain.headerSize, plain.bodyOffset, plain.bodySize, plain.bodyLines],
                       [122, 2, 124, 5, 0])
        let html = alternative.parts[1]
        XCTAssertEqual(html.parameters, [MIMEParameter(name: "charset", value: "utf-8")])
        XCTAssertEqual([html.headerOffset, html.headerSize, html.bodyOffset, html.bodySize, html.bodyLines],
                       [140, 42, 182, 8, 0])

        let rfc822 = root.parts[1]
        XCTAssertTrue(rfc822.isMessage)
        XCTAssertEqual([rfc822.headerOffset, rfc822.headerSize, rfc822.bodyOffset, rfc822.bodySize, rfc822.bodyLines],
                       [212, 32, 244, 33, 3])
        XCTAssertEqual(rfc822.envelope?.subject, "inner")
        XCTAssertEqual(rfc822.envelope?.from, [EnvelopeAddress(name: nil, adl: nil, mailbox: "a", host: "b.c")])
        XCTAssertEqual(rfc822.parts.count, 1)
        let inner = rfc822.parts[0]
        XCTAssertEqual([inner.type, inner.subtype], ["text", "plain"])
        XCTAssertEqual([inner.headerOffset, inner.headerSize, inner.bodyOffset, inner.bodySize, inner.bodyLines],
                       [244, 31, 275, 2, 0])

        // IMAP section numbers (RFC 9051 §6.4.5).
        XCTAssertEqual(root.part(at: [1, 2]), html)
        XCTAssertEqual(root.part(at: [2]), rfc822)
        XCTAssertEqual(root.part(at: [2, 1]), inner)
        XCTAssertNil(root.part(at: [3]))
        XCTAssertNil(root.part(at: [1, 3]))
        XCTAssertNil(root.part(at: [0]))
    }

    func testPartHeaderFields() throws {
        let message = utf8Bytes([
            "Content-Type: multipart/mixed; boundary=\"=_x\"\r\n\r\n",
            "--=_x\r\n",
            "Content-Type: application/pdf; name=\"a.pdf\"\r\n",
            "Content-Transfer-Encoding: BASE64\r\n",
            "Content-ID: <id1@x>\r\n",
            "Content-Description: The report\r\n",
            "Content-Disposition: attachment;\r\n filename*=utf-8''r%C3%A9sum%C3%A9.pdf\r\n",
            "Content-Language: en-US, (comment) de\r\n",
            "Content-Location: http://example.test/a.pdf\r\n",
            "Content-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==\r\n",
            "\r\n",
            "QUJD\r\n",
            "--=_x--\r\n",
        ].joined())
        let part = try XCTUnwrap(ParsedMessage.parse(message).root.parts.first)
        XCTAssertEqual([part.type, part.subtype], ["application", "pdf"])
        XCTAssertEqual(part.parameters, [MIMEParameter(name: "name", value: "a.pdf")])
        XCTAssertEqual(part.encoding, "base64")
        XCTAssertEqual(part.contentID, "<id1@x>")
        XCTAssertEqual(part.contentDescription, "The report")
        XCTAssertEqual(part.disposition, "attachment")
        XCTAssertEqual(part.dispositionParameters, [MIMEParameter(name: "filename", value: "résumé.pdf")])
        XCTAssertEqual(part.language, ["en-US", "de"])
        XCTAssertEqual(part.location, "http://example.test/a.pdf")
        XCTAssertEqual(part.md5, "Q2hlY2sgSW50ZWdyaXR5IQ==")
        XCTAssertEqual(part.bodySize, 4)
    }

    func testSinglePartMessage() {
        let message = utf8Bytes("Subject: x\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\na\r\nb\r\nc")
        let root = ParsedMessage.parse(message).root
        XCTAssertTrue(root.parts.isEmpty)
        XCTAssertEqual(root.parameters.value("charset"), "iso-8859-1")
        XCTAssertEqual(root.bodySize, 7)
        XCTAssertEqual(root.bodyLines, 2)
        XCTAssertEqual(root.encoding, "7bit")
        XCTAssertEqual(root.part(at: [1]), root)
        XCTAssertNil(root.part(at: [2]))
    }

    func testDigestDefaultsToMessageRFC822() {
        let message = utf8Bytes([
            "Content-Type: multipart/digest; boundary=d\r\n\r\n",
            "--d\r\n\r\n",
            "Subject: one\r\n\r\nbody\r\n",
            "--d--\r\n",
        ].joined())
        let part = ParsedMessage.parse(message).root.parts[0]
        XCTAssertEqual([part.type, part.subtype], ["message", "rfc822"])
        XCTAssertEqual(part.envelope?.subject, "one")
    }

    func testTransportPaddingAfterBoundaryAndSimilarBoundaries() {
        let message = utf8Bytes([
            "Content-Type: multipart/mixed; boundary=abc\r\n\r\n",
            "--abc  \r\n\r\n",
            "--abcd is not a delimiter\r\n",
            "--abc\t\r\n\r\n",
            "two\r\n",
            "--abc-- trailing\r\n",
        ].joined())
        let root = ParsedMessage.parse(message).root
        XCTAssertEqual(root.parts.count, 2)
        let first = root.parts[0]
        XCTAssertEqual(Array(message[first.bodyOffset..<(first.bodyOffset + first.bodySize)]),
                       utf8Bytes("--abcd is not a delimiter"))
    }

    func testParsedMessageJSONRoundTripAndCompactness() throws {
        let parsed = ParsedMessage.parse(utf8Bytes(Self.nested))
        let decoded = try JSONRoundTrip.roundTrip(parsed)
        XCTAssertEqual(decoded, parsed)
        XCTAssertLessThan(try JSONRoundTrip.size(parsed), 1200)
    }
}
