import Foundation
import MailStore
import XCTest
@testable import Server

/// The one formatter of the outbound queue: `tern mailq` (Postfix's
/// layout), `tern queue list` and `tern queue show` over the same messages.
final class QueueListingTests: XCTestCase {
    /// 2026-02-06 10:11:12 UTC, a Friday.
    private let arrival = Date(timeIntervalSince1970: 1_770_372_672)
    private let utc = TimeZone(identifier: "UTC")!

    private var messages: [QueuedMessage] {
        [
            QueuedMessage(id: "0123456789abcdef", sender: "alice@example.org", createdAt: arrival, size: 1500,
                          recipients: [
                              QueuedRecipient(address: "bob@remote.test", attempts: 2,
                                              nextAttemptAt: arrival.addingTimeInterval(600),
                                              lastError: "451 4.7.1 greylisted\r\nX-Fake: header"),
                              QueuedRecipient(address: "carol@remote.test", state: .failed, attempts: 1,
                                              nextAttemptAt: arrival),
                          ]),
            QueuedMessage(id: "fedcba9876543210", sender: "", createdAt: arrival.addingTimeInterval(86_400 * 3),
                          size: 600, recipients: [
                              QueuedRecipient(address: "dave@remote.test", state: .delivering,
                                              nextAttemptAt: arrival),
                          ]),
        ]
    }

    func testMailqLooksLikePostfix() {
        let indent = String(repeating: " ", count: 48)
        XCTAssertEqual(QueueListing.mailq(messages, timeZone: utc), [
            "-Queue ID-        --Size-- ----Arrival Time---- -Sender/Recipient-------",
            "0123456789abcdef      1500 Fri Feb  6 10:11:12  alice@example.org",
            indent + "(451 4.7.1 greylisted??X-Fake: header)",
            indent + "bob@remote.test",
            indent + "carol@remote.test  [failed]",
            "",
            "fedcba9876543210*      600 Mon Feb  9 10:11:12  <>",
            indent + "dave@remote.test  [delivering]",
            "",
            "-- 3 Kbytes in 2 Requests.",
        ])
        XCTAssertEqual(QueueListing.mailq([]), ["Mail queue is empty"])
        XCTAssertEqual(QueueListing.mailq(Array(messages.prefix(1)), timeZone: utc).last, "-- 2 Kbytes in 1 Request.")
        let tokyo = QueueListing.mailq(messages, timeZone: TimeZone(identifier: "Asia/Tokyo")!)
        XCTAssertTrue(tokyo[1].contains(" Fri Feb  6 19:11:12 "), "local time: \(tokyo[1])")
    }

    /// `tern queue list` shows the same messages, one line per recipient,
    /// with the same sender and the same cleaned errors.
    func testQueueListAndShowAgreeWithMailq() {
        let lines = messages.flatMap { message in message.recipients.map { QueueListing.recipientLine(message, $0) } }
        XCTAssertEqual(lines, [
            "0123456789abcdef  queued  2  2026-02-06T10:21:12Z  alice@example.org -> bob@remote.test  "
                + "451 4.7.1 greylisted??X-Fake: header",
            "0123456789abcdef  failed  1  -  alice@example.org -> carol@remote.test",
            "fedcba9876543210  delivering  0  2026-02-06T10:11:12Z  <> -> dave@remote.test",
        ])
        let details = QueueListing.details(messages[0])
        XCTAssertEqual(Array(details.prefix(4)), ["id: 0123456789abcdef", "sender: alice@example.org",
                                                  "created: 2026-02-06T10:11:12Z", "size: 1500"])
        XCTAssertTrue(details.contains("    last error: 451 4.7.1 greylisted??X-Fake: header"), "\(details)")
    }

    func testTerminalSafe() {
        XCTAssertEqual(QueueListing.terminalSafe("a\u{1B}[2Jb\u{7F}\u{85}c"), "a?[2Jb??c")
        XCTAssertEqual(QueueListing.terminalSafe("To: x\r\n\tfolded\u{1B}\r\n", keepLineBreaks: true),
                       "To: x\n\tfolded?\n")
    }
}
