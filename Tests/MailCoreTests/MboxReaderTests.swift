import Foundation
import XCTest
@testable import MailCore

final class MboxReaderTests: XCTestCase {
    private func readAll(_ text: String, maxMessageSize: Int = 1 << 20) throws -> [MboxMessage] {
        var reader = MboxReader(bytes: Array(text.utf8), maxMessageSize: maxMessageSize)
        var messages: [MboxMessage] = []
        while let message = try reader.next() { messages.append(message) }
        return messages
    }

    private func bodies(_ messages: [MboxMessage]) -> [String] {
        messages.map { String(decoding: $0.body, as: UTF8.self) }
    }

    func testSplitsOnFromLinesAfterEmptyLine() throws {
        let mbox = """
        From alice@example.org Sat Nov 21 12:34:56 2026
        Subject: one

        body one

        From bob@example.org Sun Nov 22 01:02:03 2026
        Subject: two

        body two

        """
        let messages = try readAll(mbox)
        XCTAssertEqual(bodies(messages), ["Subject: one\n\nbody one\n", "Subject: two\n\nbody two\n"])
        XCTAssertEqual(messages.map(\.separator.sender), ["alice@example.org", "bob@example.org"])
        XCTAssertEqual(messages.map(\.lineNumber), [1, 6])
    }

    func testFromLineWithoutPrecedingEmptyLineIsBody() throws {
        let mbox = "From a@b Sat Nov 21 12:34:56 2026\nSubject: x\n\nline\nFrom here on it is body\n"
        let messages = try readAll(mbox)
        XCTAssertEqual(messages.count, 1)
        XCTAssertEqual(bodies(messages), ["Subject: x\n\nline\nFrom here on it is body\n"])
    }

    func testUnquotesMboxrdFromLines() throws {
        let mbox = "From a@b Sat Nov 21 12:34:56 2026\nSubject: x\n\n>From me\n>>From you\n> From not quoted\n>Fromage\n\n"
        XCTAssertEqual(bodies(try readAll(mbox)), ["Subject: x\n\nFrom me\n>From you\n> From not quoted\n>Fromage\n"])
    }

    func testKeepsEmptyLinesInsideAndAtEndOfBody() throws {
        let mbox = "From a@b Sat Nov 21 12:34:56 2026\nS: x\n\n\n\nend\n\n\nFrom c@d Sat Nov 21 12:34:56 2026\nS: y\n"
        let messages = try readAll(mbox)
        XCTAssertEqual(bodies(messages), ["S: x\n\n\n\nend\n\n", "S: y\n"])
    }

    func testCRLFFile() throws {
        let mbox = "From a@b Sat Nov 21 12:34:56 2026\r\nS: x\r\n\r\nbody\r\n\r\nFrom c@d Sat Nov 21 12:34:56 2026\r\nS: y\r\n\r\n"
        XCTAssertEqual(bodies(try readAll(mbox)), ["S: x\r\n\r\nbody\r\n", "S: y\r\n"])
    }

    func testEmptyFileAndLeadingBlankLines() throws {
        XCTAssertEqual(try readAll("").count, 0)
        XCTAssertEqual(bodies(try readAll("\n\nFrom a@b Sat Nov 21 12:34:56 2026\nS: x\n")), ["S: x\n"])
    }

    func testRejectsFileNotStartingWithFrom() {
        XCTAssertThrowsError(try readAll("\nSubject: hello\n\nbody\n")) { error in
            XCTAssertEqual(error as? MboxError, .notAnMbox(line: 2))
        }
    }

    func testLastLineWithoutNewline() throws {
        XCTAssertEqual(bodies(try readAll("From a@b Sat Nov 21 12:34:56 2026\nS: x\n\nno newline")), ["S: x\n\nno newline"])
    }

    func testOversizedMessageIsDroppedButCounted() throws {
        let big = String(repeating: "x", count: 200)
        let mbox = "From a@b Sat Nov 21 12:34:56 2026\nS: x\n\n\(big)\n\nFrom c@d Sat Nov 21 12:34:56 2026\nS: y\n"
        let messages = try readAll(mbox, maxMessageSize: 100)
        XCTAssertEqual(messages.count, 2)
        XCTAssertTrue(messages[0].isOversized)
        XCTAssertEqual(messages[0].body, [])
        XCTAssertEqual(messages[0].size, 6 + 201)
        XCTAssertFalse(messages[1].isOversized)
        XCTAssertEqual(bodies([messages[1]]), ["S: y\n"])
    }

    func testReadsFromFileDescriptorWithLongLines() throws {
        let longLine = String(repeating: "y", count: 1_300_000)
        var text = ""
        for index in 0..<3 { text += "From a@b Sat Nov 21 12:34:56 2026\nS: \(index)\n\n\(longLine)\nFrom inside\n\n" }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mbox-\(UUID().uuidString)")
        try Data(text.utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let descriptor = open(url.path, O_RDONLY)
        XCTAssertGreaterThanOrEqual(descriptor, 0)
        defer { close(descriptor) }
        var reader = MboxReader(fileDescriptor: descriptor)
        var count = 0
        while let message = try reader.next() {
            XCTAssertEqual(String(decoding: message.body, as: UTF8.self), "S: \(count)\n\n\(longLine)\nFrom inside\n")
            count += 1
        }
        XCTAssertEqual(count, 3)
    }

    func testHostileInput() throws {
        // A bare separator: one empty message, no sender, no date.
        var reader = MboxReader(bytes: Array("From \n".utf8))
        let only = try XCTUnwrap(try reader.next())
        XCTAssertEqual(only.separator.sender, "")
        XCTAssertNil(only.separator.date)
        XCTAssertEqual(only.body, [])
        XCTAssertNil(try reader.next())
        // Binary bytes (NUL, invalid UTF-8, bare CR) pass through unchanged.
        let binary: [UInt8] = [0x00, 0xFF, 0xFE, 0x0D, 0x41, 0x0A]
        var binaryReader = MboxReader(bytes: Array("From a@b Sat Nov 21 12:34:56 2026\n".utf8) + binary)
        XCTAssertEqual(try binaryReader.next()?.body, binary)
        // Many separators in a row give empty messages, never a crash.
        let separators = String(repeating: "From x Sat Nov 21 12:34:56 2026\n\n", count: 50)
        XCTAssertEqual(try readAll(separators).count, 50)
    }
}
