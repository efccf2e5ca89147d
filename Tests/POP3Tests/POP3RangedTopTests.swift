import Foundation
import XCTest
import MailStore
@testable import POP3

/// TOP, which reads the stored message range by range, gives exactly what
/// TOP of the whole message does, at every range boundary and at the end.
final class POP3RangedTopTests: POP3SessionTestCase {
    private func bigMessage(lines: Int) -> [UInt8] {
        var text = "From: a@example.org\r\nSubject: big\r\n\r\n"
        for line in 0..<lines { text += ".line \(line) of the body of a big message\r\n" }
        return Array(text.utf8)
    }

    func testTopOfABigMessageMatchesTheWholeMessagesTop() async throws {
        let body = bigMessage(lines: 20_000)
        XCTAssertGreaterThan(body.count, 3 * POP3RangedTop.pieceSize)
        let record = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: body))
        for lines in [0, 1, 5, 1800, 1900, 5000, 19_999, 20_000, 30_000] {
            let ranged = try await POP3RangedTop.text(store: store, mailboxID: inbox.id, uid: record.uid, lines: lines)
            let whole = POP3MessageText.top(POP3MessageText.wireForm(body), lines: lines)
            XCTAssertEqual(ranged, whole, "TOP n \(lines)")
        }
        // A message without a final CRLF: its top gets one, as RETR's wire form.
        let open = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: Array(body.dropLast(2))))
        let ranged = try await POP3RangedTop.text(store: store, mailboxID: inbox.id, uid: open.uid, lines: 30_000)
        XCTAssertEqual(ranged, POP3MessageText.wireForm(Array(body.dropLast(2))))
    }

    func testTopThroughTheSession() async throws {
        let body = bigMessage(lines: 10_000)
        _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: body))
        let session = makeSession()
        _ = await send(session, "USER \(Self.address)")
        let pass = await send(session, "PASS \(Self.password)")
        XCTAssertTrue(pass.hasPrefix("+OK maildrop has 4 messages"), pass)
        let top = await send(session, "TOP 4 2")
        XCTAssertEqual(top, "+OK top of message follows\r\nFrom: a@example.org\r\nSubject: big\r\n\r\n"
                       + "..line 0 of the body of a big message\r\n..line 1 of the body of a big message\r\n.\r\n")
    }
}
