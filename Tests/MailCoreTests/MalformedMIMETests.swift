import Foundation
import XCTest
@testable import MailCore

final class MalformedMIMETests: XCTestCase {
    func testMultipartWithoutBoundaryIsReadAsText() {
        let message = utf8Bytes("Content-Type: multipart/mixed\r\n\r\n--x\r\nhello\r\n--x--\r\n")
        let root = ParsedMessage.parse(message).root
        XCTAssertEqual([root.type, root.subtype], ["text", "plain"])
        XCTAssertTrue(root.parts.isEmpty)
        XCTAssertEqual(root.bodySize, message.count - 33)
    }

    func testBoundaryNeverFoundGivesOneEmptyPart() {
        let message = utf8Bytes("Content-Type: multipart/mixed; boundary=zz\r\n\r\nonly preamble\r\n")
        let root = ParsedMessage.parse(message).root
        XCTAssertEqual(root.type, "multipart")
        XCTAssertEqual(root.parts.count, 1)
        XCTAssertEqual([root.parts[0].type, root.parts[0].subtype], ["text", "plain"])
        XCTAssertEqual(root.parts[0].bodySize, 0)
        XCTAssertEqual(root.parts[0].bodyOffset, root.bodyOffset)
    }

    func testUnterminatedMultipartRunsToTheEnd() {
        let message = utf8Bytes("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nfirst\r\n--b\r\n\r\nsecond\r\nmore")
        let root = ParsedMessage.parse(message).root
        XCTAssertEqual(root.parts.count, 2)
        let last = root.parts[1]
        XCTAssertEqual(last.bodyOffset + last.bodySize, message.count)
        XCTAssertEqual(Array(message[last.bodyOffset...]), utf8Bytes("second\r\nmore"))
        XCTAssertEqual(last.bodyLines, 1, "line endings are counted; the unterminated last line is not")
    }

    func testUnterminatedInnerMultipartEndsAtOuterBoundary() {
        let message = utf8Bytes([
            "Content-Type: multipart/mixed; boundary=out\r\n\r\n",
            "--out\r\n",
            "Content-Type: multipart/alternative; boundary=in\r\n\r\n",
            "--in\r\n\r\ninner text\r\n",
            "--out\r\n\r\nsecond\r\n",
            "--out--\r\n",
        ].joined())
        let root = ParsedMessage.parse(message).root
        XCTAssertEqual(root.parts.count, 2)
        XCTAssertEqual(root.parts[0].parts.count, 1)
        let inner = root.parts[0].parts[0]
        XCTAssertEqual(Array(message[inner.bodyOffset..<(inner.bodyOffset + inner.bodySize)]), utf8Bytes("inner text"))
        let second = root.parts[1]
        XCTAssertEqual(Array(message[second.bodyOffset..<(second.bodyOffset + second.bodySize)]), utf8Bytes("second"))
    }

    func testPartWithoutBlankLineHasEmptyBody() {
        let message = utf8Bytes("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/html\r\n--b--\r\n")
        let part = ParsedMessage.parse(message).root.parts[0]
        XCTAssertEqual(part.subtype, "html")
        XCTAssertEqual(part.bodySize, 0)
        XCTAssertEqual(part.headerSize, 23)  // the CRLF before "--b--" belongs to the delimiter
    }

    func testEmptyMessageAndGarbage() {
        let empty = ParsedMessage.parse([])
        XCTAssertEqual(empty.root.bodySize, 0)
        XCTAssertNil(empty.messageID)
        let garbage: [UInt8] = (0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 7919 &+ 13) }
        let parsed = ParsedMessage.parse(garbage)
        XCTAssertEqual(parsed.root.headerSize + parsed.root.bodySize, garbage.count)
    }

    func testBadContentTypeFallsBackToDefault() {
        let root = ParsedMessage.parse(utf8Bytes("Content-Type: garbage\r\n\r\nx")).root
        XCTAssertEqual([root.type, root.subtype], ["text", "plain"])
        XCTAssertEqual(root.parameters.value("charset"), "us-ascii")
    }

    func testDeepNestingIsBounded() {
        let depth = MIMEParser.maxDepth + 20
        var text = ""
        for level in 0..<depth { text += "Content-Type: multipart/mixed; boundary=b\(level)\r\n\r\n--b\(level)\r\n" }
        text += "\r\nleaf\r\n"
        let root = ParsedMessage.parse(utf8Bytes(text)).root
        var node = root
        var levels = 0
        while let child = node.parts.first { node = child; levels += 1 }
        XCTAssertEqual(levels, MIMEParser.maxDepth)
        XCTAssertEqual([node.type, node.subtype], ["application", "octet-stream"])
    }

    func testDeeplyNestedMessagesAreBounded() {
        let text = String(repeating: "Content-Type: message/rfc822\r\n\r\n", count: 500) + "body"
        let root = ParsedMessage.parse(utf8Bytes(text)).root
        var node = root
        var levels = 0
        while let child = node.parts.first { node = child; levels += 1 }
        XCTAssertEqual(levels, MIMEParser.maxDepth)
    }

    /// Far past the bound (issue 9: every recursive path input can drive):
    /// 20,000 levels of multipart and of message/rfc822 parse to the bound,
    /// and the stored form (JSON) of the structure round-trips.
    func testNestingFarPastTheBoundIsCut() throws {
        let levels = 20_000
        var multipart = ""
        for level in 0..<levels { multipart += "Content-Type: multipart/mixed; boundary=b\(level)\r\n\r\n--b\(level)\r\n" }
        let messages = [multipart + "\r\nleaf\r\n",
                        String(repeating: "Content-Type: message/rfc822\r\n\r\n", count: levels) + "body"]
        for text in messages {
            let parsed = ParsedMessage.parse(utf8Bytes(text))
            var node = parsed.root
            var depth = 0
            while let child = node.parts.first { node = child; depth += 1 }
            XCTAssertEqual(depth, MIMEParser.maxDepth)
            let stored = try JSONEncoder().encode(parsed.root)
            XCTAssertEqual(try JSONDecoder().decode(MIMEPart.self, from: stored), parsed.root)
        }
    }

    /// Groups do not nest (RFC 5322 §3.4): 10,000 `g:` openings give one
    /// group, and the parser walks them without recursion.
    func testDeepGroupOpeningsDoNotNest() {
        let value = String(repeating: "g: ", count: 10_000) + "a@example.test" + String(repeating: ";", count: 10_000)
        let entries = AddressListParser.parse(value)
        XCTAssertFalse(entries.isEmpty)
        for entry in entries {
            if case .group(_, let members) = entry { XCTAssertLessThanOrEqual(members.count, 1) }
        }
    }

    func testManyPartsAreBounded() {
        var text = "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
        text += String(repeating: "--b\r\n\r\nx\r\n", count: MIMEParser.maxParts + 50)
        let root = ParsedMessage.parse(utf8Bytes(text)).root
        XCTAssertEqual(root.parts.count, MIMEParser.maxParts - 1)
    }

    func testHugeHeaderMessage() {
        let text = "Subject: x\r\n" + String(repeating: "X-Junk: " + String(repeating: "y", count: 900) + "\r\n", count: 2000)
            + "Message-ID: <late@x>\r\n\r\nbody"
        let parsed = ParsedMessage.parse(utf8Bytes(text))
        XCTAssertEqual(parsed.messageID, "late@x")
        XCTAssertEqual(parsed.root.bodySize, 4)
    }
}
