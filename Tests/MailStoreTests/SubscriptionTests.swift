import Foundation
import GRDB
import MailCore
import XCTest
@testable import MailStore

/// Subscriptions are names that outlive their mailboxes (RFC 9051 §6.3.7).
final class SubscriptionTests: StoreTestCase {
    private let defaults = ["Archive", "Drafts", "INBOX", "Junk", "Sent", "Trash"]

    /// An account's own mailboxes are subscribed; one created later is
    /// not (RFC 9051 §6.3.4: CREATE does not subscribe).
    func testNewAccountIsSubscribedNewMailboxesAreNot() async throws {
        let (store, account, _) = try await storeWithInbox()
        let names = try await store.subscriptions(accountID: account.id)
        XCTAssertEqual(names, defaults)
        let created = try await store.createMailbox(accountID: account.id, name: "Lists/swift", specialUse: nil)
        XCTAssertFalse(created.isSubscribed)
        let after = try await store.subscriptions(accountID: account.id)
        XCTAssertEqual(after, defaults)
    }

    func testDeletingAMailboxKeepsItsSubscription() async throws {
        let (store, account, _) = try await storeWithInbox()
        let box = try await store.createMailbox(accountID: account.id, name: "Projects", specialUse: nil)
        try await store.setSubscribed(mailboxID: box.id, true)
        try await store.deleteMailbox(id: box.id)
        let names = try await store.subscriptions(accountID: account.id)
        XCTAssertTrue(names.contains("Projects"))
        // A mailbox created again under the name is subscribed: the name is.
        let again = try await store.createMailbox(accountID: account.id, name: "Projects", specialUse: nil)
        XCTAssertTrue(again.isSubscribed)
        let fetched = try await store.mailbox(id: again.id)
        XCTAssertEqual(fetched?.isSubscribed, true)
    }

    func testSubscribeNameWithoutMailboxAndUnsubscribe() async throws {
        let (store, account, _) = try await storeWithInbox()
        try await store.subscribe(accountID: account.id, name: "Nowhere/Deep")
        try await store.subscribe(accountID: account.id, name: "Nowhere/Deep")
        let names = try await store.subscriptions(accountID: account.id)
        XCTAssertEqual(names.filter { $0 == "Nowhere/Deep" }.count, 1)
        let mailbox = try await store.mailbox(accountID: account.id, name: "Nowhere/Deep")
        XCTAssertNil(mailbox, "subscribing creates no mailbox")
        let removed = try await store.unsubscribe(accountID: account.id, name: "Nowhere/Deep")
        XCTAssertTrue(removed)
        let again = try await store.unsubscribe(accountID: account.id, name: "Nowhere/Deep")
        XCTAssertFalse(again)
        let hostile = try await store.unsubscribe(accountID: account.id, name: "a//b")
        XCTAssertFalse(hostile)
        // `inbox` in any case is INBOX.
        let inbox = try await store.unsubscribe(accountID: account.id, name: "inbox")
        XCTAssertTrue(inbox)
        let fetched = try await store.mailbox(accountID: account.id, name: "INBOX")
        XCTAssertEqual(fetched?.isSubscribed, false)
    }

    func testInvalidNamesAndUnknownAccountsAreRefused() async throws {
        let (store, account, _) = try await storeWithInbox()
        for bad in ["", "/a", "a/", "a//b", "x\u{0}y"] {
            do {
                try await store.subscribe(accountID: account.id, name: bad)
                XCTFail("\(bad.debugDescription) must be refused")
            } catch MailStoreError.invalidMailboxName {
            } catch {
                XCTFail("unexpected \(error)")
            }
        }
        await assertThrows(MailStoreError.accountNotFound("999")) {
            try await store.subscribe(accountID: 999, name: "x")
        }
    }

    func testSubscriptionsBelongToOneAccount() async throws {
        let (store, alice, _) = try await sqliteStoreWithInbox()
        let bob = try await store.createAccount(address: "bob@example.org", passwordHash: "$6$x$y")
        try await store.subscribe(accountID: alice.id, name: "Secret")
        let bobs = try await store.subscriptions(accountID: bob.id)
        XCTAssertFalse(bobs.contains("Secret"))
        let removed = try await store.unsubscribe(accountID: bob.id, name: "Secret")
        XCTAssertFalse(removed)
        let alices = try await store.subscriptions(accountID: alice.id)
        XCTAssertTrue(alices.contains("Secret"))

        try await store.deleteAccount(id: alice.id)
        let left = try await store.pool.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM subscription WHERE account_id = ?", arguments: [alice.id])
        }
        XCTAssertEqual(left, 0)
        let bobsAfter = try await store.subscriptions(accountID: bob.id)
        XCTAssertEqual(bobsAfter, defaults)
    }

    func testRenameMovesSubscriptionsOfTheMailboxAndItsChildren() async throws {
        let (store, account, _) = try await storeWithInbox()
        let parent = try await store.createMailbox(accountID: account.id, name: "a", specialUse: nil)
        let child = try await store.createMailbox(accountID: account.id, name: "a/b", specialUse: nil)
        let other = try await store.createMailbox(accountID: account.id, name: "a/c", specialUse: nil)
        try await store.setSubscribed(mailboxID: parent.id, true)
        try await store.setSubscribed(mailboxID: other.id, true)
        XCTAssertFalse(child.isSubscribed)
        try await store.subscribe(accountID: account.id, name: "x/b")
        try await store.renameMailbox(id: parent.id, to: "x")
        let names = try await store.subscriptions(accountID: account.id)
        XCTAssertFalse(names.contains("a"))
        XCTAssertFalse(names.contains("a/c"))
        XCTAssertTrue(names.contains("x"))
        XCTAssertTrue(names.contains("x/c"))
        // x/b was subscribed already by name: it stays so.
        XCTAssertTrue(names.contains("x/b"))
        XCTAssertFalse(names.contains("a/b"))
    }

    /// The mailbox INBOX's messages move into is new: not subscribed,
    /// unless its name was.
    func testRenamingInboxKeepsInboxSubscribed() async throws {
        let (store, account, inbox) = try await storeWithInbox()
        try await store.subscribe(accountID: account.id, name: "Kept")
        try await store.renameMailbox(id: inbox.id, to: "Old")
        _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("x")))
        try await store.renameMailbox(id: inbox.id, to: "Kept")
        let names = try await store.subscriptions(accountID: account.id)
        XCTAssertTrue(names.contains("INBOX"))
        XCTAssertFalse(names.contains("Old"))
        XCTAssertTrue(names.contains("Kept"))
    }

    func testMigrationFromV3KeepsSubscriptions() async throws {
        // A v3 database, as the previous release left it.
        try await writeOldDatabase(upTo: "v3-queue-claims-and-delay-notices", sql: """
            INSERT INTO account (id, address, password_hash, created_at) VALUES (1, 'a@x.org', 'h', 0);
            INSERT INTO account (id, address, password_hash, created_at) VALUES (2, 'b@x.org', 'h', 0);
            INSERT INTO mailbox (account_id, name, subscribed, uid_validity) VALUES (1, 'INBOX', 1, 1);
            INSERT INTO mailbox (account_id, name, subscribed, uid_validity) VALUES (1, 'Kept', 1, 2);
            INSERT INTO mailbox (account_id, name, subscribed, uid_validity) VALUES (1, 'Dropped', 0, 3);
            INSERT INTO mailbox (account_id, name, subscribed, uid_validity) VALUES (2, 'INBOX', 0, 4);
            """)

        let store = try openSQLiteStore()
        let first = try await store.subscriptions(accountID: 1)
        XCTAssertEqual(first, ["INBOX", "Kept"])
        let second = try await store.subscriptions(accountID: 2)
        XCTAssertEqual(second, [])
        let dropped = try await store.mailbox(accountID: 1, name: "Dropped")
        XCTAssertEqual(dropped?.isSubscribed, false)
        let kept = try await store.mailbox(accountID: 1, name: "Kept")
        XCTAssertEqual(kept?.isSubscribed, true)
        // After the migration, deleting keeps the subscription.
        try await store.deleteMailbox(id: try XCTUnwrap(kept).id)
        let after = try await store.subscriptions(accountID: 1)
        XCTAssertEqual(after, ["INBOX", "Kept"])
    }
}
