import Foundation
import XCTest
import MailStore
@testable import POP3

/// RETR streamed from the blob sends exactly what the whole-message RETR
/// sends, whatever the piece boundaries cut: CRLF pairs, stuffed dots, a
/// bare CR or LF, a missing last CRLF.
final class POP3BodyStreamTests: POP3SessionTestCase {
    private func streamed(_ body: [UInt8], pieceSize: Int) async throws -> [UInt8] {
        let record = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: body))
        let stream = POP3BodyStream(store: store, mailboxID: inbox.id, uid: record.uid, pieceSize: pieceSize)
        var output: [UInt8] = []
        while let piece = try await stream.next() { output += piece }
        return output
    }

    private func whole(_ body: [UInt8]) -> [UInt8] {
        let encoded = POP3Response.message("x", POP3MessageText.wireForm(body)).encoded()
        return Array(encoded.dropFirst(Array("+OK x\r\n".utf8).count))
    }

    func testStreamedEqualsWholeForEveryPieceSize() async throws {
        let bodies: [String] = [
            "Subject: a\r\n\r\n.dot at start\r\n..two\r\nend\r\n",
            ".first line is a dot\r\nno final line end",
            "bare\nLF and bare\rCR and\r\r\n.after\r\n.",
            "ends with CR\r",
            "",
            "\r\n",
        ]
        for text in bodies {
            let body = Array(text.utf8)
            for pieceSize in [1, 2, 3, 7, 64, 65_536] {
                let output = try await streamed(body, pieceSize: pieceSize)
                XCTAssertEqual(String(decoding: output, as: UTF8.self), String(decoding: whole(body), as: UTF8.self),
                               "\(text.debugDescription) in pieces of \(pieceSize)")
            }
        }
    }

    func testRETROfABigMessageStreams() async throws {
        var text = "From: a@example.org\r\nSubject: big\r\n\r\n"
        for line in 0..<5000 { text += ".line \(line) of a big message, streamed from the blob\r\n" }
        let body = Array(text.utf8)
        XCTAssertGreaterThan(body.count, POP3BodyStream.pieceSize)
        _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: body))
        let session = makeSession()
        _ = await send(session, "USER \(Self.address)")
        _ = await send(session, "PASS \(Self.password)")
        let retr = await output(session, "RETR 4")
        XCTAssertEqual(String(decoding: retr.bytes, as: UTF8.self), "+OK \(body.count) octets\r\n")
        let stream = try XCTUnwrap(retr.stream, "a big message streams")
        var rest: [UInt8] = []
        var pieces = 0
        while let piece = try await stream.next() {
            XCTAssertLessThanOrEqual(piece.count, 2 * POP3BodyStream.pieceSize, "one piece at a time")
            rest += piece
            pieces += 1
        }
        XCTAssertGreaterThan(pieces, 1)
        XCTAssertEqual(rest, whole(body))
        // A small message is still one response.
        let small = await output(session, "RETR 1")
        XCTAssertNil(small.stream)
    }
}
