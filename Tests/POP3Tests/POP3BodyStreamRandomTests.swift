import Foundation
import XCTest
import MailStoreTestSupport
import MailStore
@testable import POP3

/// The run-copying conversion of `POP3BodyStream` gives exactly the
/// whole-message wire form (RFC 1939 §3) for random bodies made of the
/// octets that matter (CR, LF, ".") and plain ones, cut into pieces of
/// every small size.
final class POP3BodyStreamRandomTests: POP3SessionTestCase {
    func testRandomBodiesStreamAsTheWholeWireForm() async throws {
        var generator = SeededGenerator(seed: 10)
        let alphabet: [UInt8] = [0x0D, 0x0A, 0x2E, 0x61, 0x62, 0x20]
        for round in 0..<60 {
            let length = Int(generator.next() % 200)
            let body = (0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }
            let record = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: body))
            let encoded = POP3Response.message("x", POP3MessageText.wireForm(body)).encoded()
            let expected = Array(encoded.dropFirst(Array("+OK x\r\n".utf8).count))
            for pieceSize in [1, 2, 3, 5, 8, 13, 1024] {
                let stream = POP3BodyStream(store: store, mailboxID: inbox.id, uid: record.uid, pieceSize: pieceSize)
                var output: [UInt8] = []
                // Bounded: one piece per read, at most length / pieceSize + 2 of them.
                for _ in 0...(length / pieceSize + 2) {
                    guard let piece = try await stream.next() else { break }
                    output += piece
                }
                XCTAssertEqual(output, expected, "round \(round), body \(body), pieces of \(pieceSize)")
            }
        }
    }
}
