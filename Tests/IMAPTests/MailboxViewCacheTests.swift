// The shared mailbox views (MailboxViewCache): a SELECT that starts from
// another session's snapshot and the change log after it sees exactly what
// a SELECT reading every summary sees, whatever happened in between.
import Foundation
import XCTest
import MailStoreTestSupport
import MailCore
@testable import MailStore
@testable import IMAP

final class MailboxViewCacheTests: IMAPSessionTestCase {
    /// A logged-in client; `sharing` picks the test's cache or none.
    func client(sharing: Bool, store sessionStore: (any MailStore)? = nil) async -> SessionClient {
        let session = makeSession(sessionStore: sessionStore, sharingViews: sharing)
        let client = SessionClient(session, written)
        let login = await client.send("L LOGIN \(Self.address) \(Self.password)\r\n")
        XCTAssertTrue(login.contains("L OK"), login)
        return client
    }

    /// What a client learns from SELECT (CONDSTORE) and FETCH of every
    /// message's UID, flags and MODSEQ, tags removed. `\Recent` is left
    /// out: it belongs to the session that selected first, not to the view.
    func selectAndFetchAll(_ client: SessionClient, examine: Bool = false) async -> String {
        let verb = examine ? "EXAMINE" : "SELECT"
        let select = await client.send("S \(verb) INBOX (CONDSTORE)\r\n")
        let fetch = await client.send("F FETCH 1:* (UID FLAGS MODSEQ)\r\n")
        let empty = fetch.hasPrefix("F BAD")  // an empty mailbox has no `1:*`
        return Self.withoutRecent(select + (empty ? "(empty)" : fetch))
    }

    static func withoutRecent(_ text: String) -> String {
        text.replacing(/\* \d+ RECENT\r\n/, with: "").replacing(" \\Recent", with: "")
            .replacing("(\\Recent ", with: "(").replacing("(\\Recent)", with: "()")
    }

    func deliver(_ index: Int, flags: MessageFlags = [], keywords: [String] = []) async throws -> MessageRecord {
        let body = "From: bob@example.org\r\nSubject: note \(index)\r\n\r\nBody \(index)\r\n"
        return try await store.appendMessage(mailboxID: inbox.id,
                                             NewMessage(body: Array(body.utf8), flags: flags, keywords: keywords))
    }

    /// Rounds of random appends, flag and keyword changes and expunges made
    /// by "another session" (the store): after each, a session starting
    /// from the shared view and one reading everything answer SELECT and
    /// FETCH identically, and the shared one reads no whole mailbox.
    func testViewFromSnapshotEqualsViewFromStoreAfterRandomChanges() async throws {
        var random = SeededGenerator(seed: 10)
        for index in 0..<150 { _ = try await deliver(index, flags: index % 3 == 0 ? .seen : []) }
        var next = 150
        let first = await client(sharing: true)
        _ = await selectAndFetchAll(first)
        XCTAssertEqual(viewCache.entryCount, 150, "the first SELECT leaves its view")

        let counting = ReadCountingStore(base: store)
        for round in 0..<25 {
            let uids = try await store.messageSummaries(mailboxID: inbox.id).map(\.uid)
            switch Int.random(in: 0..<4, using: &random) {
            case 0:
                for _ in 0..<(1 + Int.random(in: 0..<5, using: &random)) {
                    _ = try await deliver(next, keywords: Int.random(in: 0..<2, using: &random) == 0 ? ["$Label\(round % 3)"] : [])
                    next += 1
                }
            case 1:
                let chosen = uids.filter { _ in Int.random(in: 0..<4, using: &random) == 0 }
                _ = try await store.updateFlags(mailboxID: inbox.id, uids: chosen,
                                                operation: Int.random(in: 0..<2, using: &random) == 0 ? .add : .remove,
                                                flags: [.seen, .flagged], keywords: [], unchangedSince: nil)
            case 2:
                let chosen = uids.filter { _ in Int.random(in: 0..<6, using: &random) == 0 }
                _ = try await store.updateFlags(mailboxID: inbox.id, uids: chosen, operation: .add, flags: [],
                                                keywords: ["Project\(round)"], unchangedSince: nil)
            default:
                let chosen = uids.filter { _ in Int.random(in: 0..<10, using: &random) == 0 }
                _ = try await store.updateFlags(mailboxID: inbox.id, uids: chosen, operation: .add,
                                                flags: .deleted, keywords: [], unchangedSince: nil)
                _ = try await store.expungeDeleted(mailboxID: inbox.id, uids: nil)
            }
            let shared = await client(sharing: true, store: counting)
            let fresh = await client(sharing: false)
            let examine = round % 4 == 3
            let fromSnapshot = await selectAndFetchAll(shared, examine: examine)
            let fromStore = await selectAndFetchAll(fresh, examine: examine)
            XCTAssertEqual(fromSnapshot, fromStore, "round \(round)")
            XCTAssertEqual(counting.counts.wholeMailboxSummaries, 0, "round \(round): started from the snapshot")
        }
        // The long-lived first session catches up by the change log as before.
        let noop = await first.send("N NOOP\r\n")
        XCTAssertTrue(noop.contains("N OK"), noop)
        let caughtUp = await first.send("F FETCH 1:* (UID FLAGS MODSEQ)\r\n")
        let reference = await client(sharing: false)
        _ = await reference.send("S SELECT INBOX (CONDSTORE)\r\n")
        let expected = await reference.send("F FETCH 1:* (UID FLAGS MODSEQ)\r\n")
        XCTAssertEqual(Self.withoutRecent(caughtUp), Self.withoutRecent(expected))
    }

    /// Sessions holding a mailbox selected share the snapshot's entries
    /// until one changes its own view (copy on write).
    func testSessionsShareTheSnapshotUntilOneChanges() async throws {
        for index in 0..<20 { _ = try await deliver(index) }
        let first = await client(sharing: true)
        _ = await first.send("S SELECT INBOX\r\n")
        let second = await client(sharing: true)
        _ = await second.send("S SELECT INBOX\r\n")
        XCTAssertEqual(viewCache.mailboxCount, 1)
        XCTAssertEqual(viewCache.entryCount, 20, "one snapshot, not one per session")
        let store = await second.send("T STORE 1 +FLAGS (\\Flagged)\r\n")
        XCTAssertTrue(store.contains("T OK"), store)
        let noop = await first.send("N NOOP\r\n")
        XCTAssertTrue(noop.contains("* 1 FETCH (UID 1 FLAGS (\\Flagged \\Recent))"), noop)
        let third = await client(sharing: true)
        let select = await third.send("S SELECT INBOX\r\n")
        XCTAssertTrue(select.contains("* 20 EXISTS"), select)
        let flags = await third.send("F FETCH 1 FLAGS\r\n")
        XCTAssertTrue(flags.contains("* 1 FETCH (FLAGS (\\Flagged))"), flags)
    }

    /// A mailbox deleted and created again under the same name has a new
    /// UIDVALIDITY: the old snapshot is not used.
    func testARecreatedMailboxDoesNotUseTheOldSnapshot() async throws {
        let box = try await store.createMailbox(accountID: account.id, name: "Lists", specialUse: nil)
        for index in 0..<5 {
            _ = try await store.appendMessage(mailboxID: box.id, NewMessage(body: Array("Subject: \(index)\r\n\r\nx\r\n".utf8)))
        }
        let first = await client(sharing: true)
        let before = await first.send("S SELECT Lists\r\n")
        XCTAssertTrue(before.contains("* 5 EXISTS"), before)
        _ = await first.send("U UNSELECT\r\n")
        try await store.deleteMailbox(id: box.id)
        let again = try await store.createMailbox(accountID: account.id, name: "Lists", specialUse: nil)
        _ = try await store.appendMessage(mailboxID: again.id, NewMessage(body: Array("Subject: new\r\n\r\nx\r\n".utf8)))
        let second = await client(sharing: true)
        let after = await second.send("S SELECT Lists\r\n")
        XCTAssertTrue(after.contains("* 1 EXISTS"), after)
        XCTAssertTrue(after.contains("[UIDVALIDITY \(again.uidValidity)]"), after)
    }

    /// Small mailboxes are not kept; the total is bounded, the least
    /// recently used snapshot going first.
    func testTheCacheIsBounded() async throws {
        let cache = MailboxViewCache(minimumMessages: 3, maxEntries: 10)
        func snapshot(id: MailboxID, count: Int) -> MailboxViewCache.Snapshot {
            let mailbox = Mailbox(id: id, accountID: account.id, name: "box\(id)", specialUse: nil, isSubscribed: false,
                                  uidValidity: UInt32(id), uidNext: MessageUID(count + 1), highestModSeq: ModSeq(count))
            let entries = (1...count).map {
                SelectedMailbox.Entry(uid: MessageUID($0), keywords: 0, modSeq: ModSeq($0), flags: 0, isExpunged: false)
            }
            return MailboxViewCache.Snapshot(mailbox: mailbox, entries: entries, keywordLists: KeywordLists())
        }
        cache.keep(snapshot(id: 1, count: 2))
        XCTAssertEqual(cache.mailboxCount, 0, "below minimumMessages")
        cache.keep(snapshot(id: 1, count: 4))
        cache.keep(snapshot(id: 2, count: 4))
        _ = cache.snapshot(of: snapshot(id: 1, count: 4).mailbox)  // 1 is now the more recent
        cache.keep(snapshot(id: 3, count: 4))
        XCTAssertEqual(cache.mailboxCount, 2)
        XCTAssertEqual(cache.entryCount, 8)
        XCTAssertNil(cache.snapshot(of: snapshot(id: 2, count: 4).mailbox), "the least recently used went")
        XCTAssertNotNil(cache.snapshot(of: snapshot(id: 1, count: 4).mailbox))
        cache.keep(snapshot(id: 4, count: 11))
        XCTAssertNil(cache.snapshot(of: snapshot(id: 4, count: 11).mailbox), "larger than the whole cache")
        cache.forget(mailboxID: 1)
        XCTAssertEqual(cache.entryCount, 4)
    }
}
