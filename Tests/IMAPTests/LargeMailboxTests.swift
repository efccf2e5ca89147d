import Foundation
import MailCore
import MailStore
import XCTest
@testable import IMAP

/// A sanity check for accidental quadratic work over a large mailbox
/// (5,000 messages): SELECT, FETCH 1:* (FLAGS UID), UID SEARCH UNSEEN, a
/// saved result and a long UID set. Only correctness is asserted; the
/// durations are printed (set TERN_IMAP_TIMINGS=1) for a human to read,
/// never compared (speed belongs in benchmarks).
final class LargeMailboxTests: IMAPSessionTestCase {
    static let count = 5000

    private func timed<T>(_ label: String, _ body: () async throws -> T) async rethrows -> T {
        let start = Date()
        let value = try await body()
        if ProcessInfo.processInfo.environment["TERN_IMAP_TIMINGS"] != nil {
            print("LargeMailboxTests \(label): \(String(format: "%.3f", Date().timeIntervalSince(start))) s")
        }
        return value
    }

    func testFiveThousandMessages() async throws {
        let count = Self.count
        try await timed("fill") {
            for index in 1...count {
                // Every third message has been read.
                let flags: MessageFlags = index % 3 == 0 ? .seen : []
                let body = "From: bob@example.org\r\nSubject: message \(index)\r\n\r\nBody \(index)\r\n"
                _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: Array(body.utf8), flags: flags))
            }
        }
        let unseen = (1...count).filter { $0 % 3 != 0 }
        let session = await loggedInSession()

        let select = await timed("SELECT") { await send(session, "s SELECT INBOX\r\n") }
        XCTAssertTrue(select.contains("* \(count) EXISTS\r\n"), select)
        XCTAssertTrue(select.contains("[UNSEEN 1]"), select)
        XCTAssertTrue(select.hasSuffix("s OK [READ-WRITE] SELECT completed\r\n"), String(select.suffix(200)))

        let fetch = await timed("FETCH 1:* (FLAGS UID)") { await send(session, "f FETCH 1:* (FLAGS UID)\r\n") }
        let fetchLines = fetch.split(separator: "\r\n", omittingEmptySubsequences: true)
        XCTAssertEqual(fetchLines.count, count + 1)
        XCTAssertEqual(fetchLines.first, "* 1 FETCH (FLAGS (\\Recent) UID 1)")
        XCTAssertEqual(fetchLines[2], "* 3 FETCH (FLAGS (\\Seen \\Recent) UID 3)")
        XCTAssertEqual(fetchLines[count - 1], "* \(count) FETCH (FLAGS (\\Recent) UID \(count))")
        XCTAssertEqual(fetchLines.last, "f OK FETCH completed")

        let search = await timed("UID SEARCH UNSEEN") { await send(session, "u UID SEARCH UNSEEN\r\n") }
        XCTAssertEqual(search, "* SEARCH " + unseen.map(String.init).joined(separator: " ") + "\r\nu OK SEARCH completed\r\n")

        // `$` and a long UID set are looked up per message: neither may cost
        // a pass over the whole set each time.
        let saved = await timed("SEARCH RETURN (SAVE) UNSEEN") { await send(session, "v SEARCH RETURN (SAVE) UNSEEN\r\n") }
        XCTAssertEqual(saved, "v OK SEARCH completed\r\n")
        let again = await timed("UID SEARCH $ UNSEEN") { await send(session, "w UID SEARCH $ UNSEEN\r\n") }
        XCTAssertEqual(again, search.replacingOccurrences(of: "u OK", with: "w OK"))
        let everyOther = stride(from: 1, through: count, by: 2).map(String.init).joined(separator: ",")
        let long = await timed("UID SEARCH UID <2500 singles>") { await send(session, "x UID SEARCH UID \(everyOther)\r\n") }
        XCTAssertEqual(long, "* SEARCH " + stride(from: 1, through: count, by: 2).map(String.init).joined(separator: " ")
                       + "\r\nx OK SEARCH completed\r\n")

        let stored = await timed("STORE 1:* +FLAGS.SILENT") { await send(session, "y STORE 1:* +FLAGS.SILENT (\\Flagged)\r\n") }
        XCTAssertEqual(stored, "y OK STORE completed\r\n")
        let flagged = await timed("UID FETCH 4999:* (FLAGS)") { await send(session, "z UID FETCH 4999:* (FLAGS)\r\n") }
        XCTAssertEqual(flagged, "* 4999 FETCH (UID 4999 FLAGS (\\Flagged \\Recent))\r\n* 5000 FETCH (UID 5000 FLAGS (\\Flagged \\Recent))\r\n"
                       + "z OK FETCH completed\r\n")

        // The same flag change made by someone else (the store alone, for
        // comparison), then learnt by this session: 5,000 FETCH updates.
        let uids = (1...count).map { MessageUID($0) }
        let changed = try await timed("store.updateFlags alone") {
            try await store.updateFlags(mailboxID: inbox.id, uids: uids, operation: .remove, flags: .flagged, keywords: [])
        }
        XCTAssertEqual(changed.count, count)
        let noop = await timed("NOOP with 5000 flag updates") { await send(session, "n NOOP\r\n") }
        XCTAssertTrue(noop.hasPrefix("* 1 FETCH (UID 1 FLAGS (\\Recent))\r\n"), String(noop.prefix(100)))
        XCTAssertEqual(noop.split(separator: "\r\n").count, count + 1)
    }
}
