import Foundation
import MailCore
import XCTest
@testable import MailStore

/// `recentMessages` (RFC 3501 §2.3.2 `\Recent`): a message is recent to
/// exactly one claimer, peeking claims nothing, and the number survives
/// expunges, copies and restarts.
final class RecentMessagesTests: StoreTestCase {
    func testClaimTakesNewMessagesOnceAndPeekingTakesNone() async throws {
        let (store, _, inbox) = try await storeWithInbox()
        let none = try await store.recentMessages(mailboxID: inbox.id, claim: true)
        XCTAssertEqual(none, RecentMessages(uids: 1..<1, count: 0), "an empty new mailbox has nothing recent")

        for subject in ["a", "b", "c"] {
            _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage(subject)))
        }
        let peeked = try await store.recentMessages(mailboxID: inbox.id, claim: false)
        XCTAssertEqual(peeked, RecentMessages(uids: 1..<4, count: 3))
        let again = try await store.recentMessages(mailboxID: inbox.id, claim: false)
        XCTAssertEqual(again, peeked, "a peek (EXAMINE, STATUS) claims nothing")

        let claimed = try await store.recentMessages(mailboxID: inbox.id, claim: true)
        XCTAssertEqual(claimed, RecentMessages(uids: 1..<4, count: 3))
        let afterClaim = try await store.recentMessages(mailboxID: inbox.id, claim: true)
        XCTAssertEqual(afterClaim, RecentMessages(uids: 4..<4, count: 0), "claimed messages are nobody else's")

        // A claim takes no MODSEQ and writes no change-log row.
        let mailbox = try await store.mailbox(id: inbox.id)
        let lastChange = try await store.changes(mailboxID: inbox.id, after: 0).last
        XCTAssertEqual(mailbox?.highestModSeq, lastChange?.modSeq)

        // New mail after the claim is recent again; expunged ones are not counted.
        let d = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("d")))
        let e = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("e")))
        _ = try await store.expunge(mailboxID: inbox.id, uids: [d.uid])
        let next = try await store.recentMessages(mailboxID: inbox.id, claim: true)
        XCTAssertEqual(next, RecentMessages(uids: d.uid..<(e.uid + 1), count: 1))
    }

    func testCopiedAndMovedMessagesAreRecentInTheirNewMailbox() async throws {
        let (store, account, inbox) = try await storeWithInbox()
        let archive = try await store.createMailbox(accountID: account.id, name: "Saved", specialUse: nil)
        let a = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("a")))
        let b = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("b")))
        _ = try await store.recentMessages(mailboxID: inbox.id, claim: true)
        _ = try await store.copyMessages(from: inbox.id, uids: [a.uid], to: archive.id)
        _ = try await store.moveMessages(from: inbox.id, uids: [b.uid], to: archive.id)
        let recent = try await store.recentMessages(mailboxID: archive.id, claim: false)
        XCTAssertEqual(recent.count, 2)
        let inboxRecent = try await store.recentMessages(mailboxID: inbox.id, claim: false)
        XCTAssertEqual(inboxRecent.count, 0)
    }

    func testUnknownMailboxIsNotFound() async throws {
        let (store, _, _) = try await storeWithInbox()
        for claim in [false, true] {
            do {
                _ = try await store.recentMessages(mailboxID: 9999, claim: claim)
                XCTFail("expected mailboxNotFound")
            } catch let error as MailStoreError {
                XCTAssertEqual(error.kind, .notFound)
            }
        }
    }

    /// The claim is kept by the store, not by the instance: a restarted
    /// server does not hand the same messages out again.
    func testClaimSurvivesReopening() async throws {
        let (store, _, inbox) = try await storeWithInbox()
        _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("a")))
        _ = try await store.recentMessages(mailboxID: inbox.id, claim: true)
        try await store.close()
        let reopened = try openStore()
        let recent = try await reopened.recentMessages(mailboxID: inbox.id, claim: true)
        XCTAssertEqual(recent.count, 0)
    }

    /// Two nodes claim the same mailbox at once, 10 rounds: each new
    /// message is claimed by exactly one of them.
    func testTwoNodesClaimingAtOnceShareNoMessage() async throws {
        let (first, _, inbox) = try await storeWithInbox()
        let second = try openStore()
        var claimedUIDs: [MessageUID] = []
        for round in 0..<10 {
            for number in 0..<3 {
                _ = try await first.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("r\(round) \(number)")))
            }
            async let a = first.recentMessages(mailboxID: inbox.id, claim: true)
            async let b = second.recentMessages(mailboxID: inbox.id, claim: true)
            let results = try await [a, b]
            XCTAssertEqual(results.map(\.count).sorted(), [0, 3], "round \(round): \(results)")
            XCTAssertTrue(results[0].uids.isEmpty || results[1].uids.isEmpty, "round \(round): \(results)")
            claimedUIDs += results.flatMap { Array($0.uids) }
        }
        XCTAssertEqual(claimedUIDs, Array(1...30), "every message claimed once, in order")
    }

    /// Mailboxes from before v9 start with nothing recent (their first
    /// recent UID is their UIDNEXT), so an upgrade marks no old mail new.
    func testMailboxesFromBeforeTheMigrationHaveNothingRecent() async throws {
        try await writeOldDatabase(upTo: "v8-header-cache", sql: """
            INSERT INTO account (id, address, password_hash, created_at) VALUES (1, 'alice@example.org', 'h', 0);
            INSERT INTO mailbox (id, account_id, name, uid_validity, uid_next, highest_modseq)
                VALUES (1, 1, 'INBOX', 7, 4, 3);
            INSERT INTO message (mailbox_id, uid, modseq, internal_date, size, content_hash, body_file, parsed_structure)
                VALUES (1, 1, 1, 0, 27, 'h1', 'f1', x'7b7d'), (1, 3, 3, 0, 10, 'h3', 'f3', x'7b7d');
            """)
        let store = try openSQLiteStore(removeOrphanFiles: false)
        let recent = try await store.recentMessages(mailboxID: 1, claim: false)
        XCTAssertEqual(recent, RecentMessages(uids: 4..<4, count: 0))
    }
}
