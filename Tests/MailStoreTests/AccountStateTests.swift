import Foundation
import XCTest
@testable import MailStore

/// `setAccountDisabled` and `renameAccount`.
final class AccountStateTests: StoreTestCase {
    func testNewAccountsAreEnabledAndTheDisabledStateIsStored() async throws {
        let store = try openStore()
        let alice = try await store.createAccount(address: "alice@example.org", passwordHash: "h")
        _ = try await store.createAccount(address: "bob@example.org", passwordHash: "h")
        XCTAssertFalse(alice.isDisabled)

        try await store.setAccountDisabled(accountID: alice.id, true)
        let disabled = try await store.account(id: alice.id)
        XCTAssertEqual(disabled?.isDisabled, true)
        let others = try await store.account(address: "bob@example.org")
        XCTAssertEqual(others?.isDisabled, false, "only that account")
        let listed = try await store.accounts().map { "\($0.address) \($0.isDisabled)" }
        XCTAssertEqual(listed, ["alice@example.org true", "bob@example.org false"])

        // Disabling twice is fine; enabling gives the old state back.
        try await store.setAccountDisabled(accountID: alice.id, true)
        try await store.setAccountDisabled(accountID: alice.id, false)
        let enabled = try await store.account(id: alice.id)
        XCTAssertEqual(enabled?.isDisabled, false)
        await assertThrows(MailStoreError.accountNotFound("9999")) {
            try await store.setAccountDisabled(accountID: 9999, true)
        }
    }

    func testDisabledStateSurvivesReopening() async throws {
        let first = try openStore()
        let alice = try await first.createAccount(address: "alice@example.org", passwordHash: "h")
        try await first.setAccountDisabled(accountID: alice.id, true)
        try await first.close()
        let second = try openStore()
        let reopened = try await second.account(id: alice.id)
        XCTAssertEqual(reopened?.isDisabled, true)
    }

    func testMigrationFromV4LeavesExistingAccountsEnabled() async throws {
        // A v4 database, as the previous release left it.
        try await writeOldDatabase(upTo: "v4-subscriptions", sql: """
            INSERT INTO account (id, address, password_hash, created_at) VALUES (1, 'a@x.org', 'h', 0);
            """)

        let store = try openSQLiteStore()
        let migrated = try await store.account(id: 1)
        XCTAssertEqual(migrated?.address, "a@x.org")
        XCTAssertEqual(migrated?.isDisabled, false)
        try await store.setAccountDisabled(accountID: 1, true)
        let disabled = try await store.account(address: "a@x.org")
        XCTAssertEqual(disabled?.isDisabled, true)
    }

    func testDisabledAccountStillReceivesMail() async throws {
        let (store, alice, inbox) = try await storeWithInbox()
        try await store.setAccountDisabled(accountID: alice.id, true)
        let record = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("kept")))
        XCTAssertEqual(record.uid, 1)
    }

    func testRenameKeepsMailboxesMessagesSubscriptionsAndFollowsAliases() async throws {
        let (store, alice, inbox) = try await storeWithInbox()
        try await store.addDomain("example.org")
        try await store.addDomain("example.net")
        _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("one"), flags: .seen))
        let lists = try await store.createMailbox(accountID: alice.id, name: "Lists", specialUse: nil)
        try await store.subscribe(accountID: alice.id, name: "Lists")
        try await store.setAccountDisabled(accountID: alice.id, true)
        try await store.addAlias(Alias(source: "info@example.org", destinations: ["Alice@Example.org", "bob@example.org"]))
        try await store.addAlias(Alias(source: "both@example.org", destinations: ["alice@example.org", "ally@example.net"]))
        try await store.addAlias(Alias(source: "other@example.org", destinations: ["bob@example.org"]))

        let renamed = try await store.renameAccount(id: alice.id, to: "Ally@Example.NET")
        XCTAssertEqual(renamed.id, alice.id)
        XCTAssertEqual(renamed.address, "ally@example.net")
        XCTAssertTrue(renamed.isDisabled, "the state stays")
        XCTAssertEqual(renamed.passwordHash, alice.passwordHash)
        let byOld = try await store.account(address: "alice@example.org")
        XCTAssertNil(byOld)
        let byNew = try await store.account(address: "ally@example.net")
        XCTAssertEqual(byNew?.id, alice.id)

        let mailboxes = try await store.mailboxes(accountID: alice.id)
        XCTAssertTrue(Set(mailboxes.map(\.id)).isSuperset(of: [inbox.id, lists.id]))
        let sameInbox = try await store.mailbox(accountID: alice.id, name: "INBOX")
        XCTAssertEqual(sameInbox?.uidValidity, inbox.uidValidity, "UIDs stay valid: clients need not resync")
        let messages = try await store.messages(mailboxID: inbox.id)
        XCTAssertEqual(messages.map(\.uid), [1])
        let subscriptions = try await store.subscriptions(accountID: alice.id)
        XCTAssertTrue(subscriptions.contains("Lists"))

        let aliases = try await store.aliases()
        XCTAssertEqual(aliases, [
            Alias(source: "both@example.org", destinations: ["ally@example.net"]),
            Alias(source: "info@example.org", destinations: ["ally@example.net", "bob@example.org"]),
            Alias(source: "other@example.org", destinations: ["bob@example.org"]),
        ])
    }

    func testRenameRefusesATakenAddressAForeignDomainAndAnUnknownAccount() async throws {
        let (store, alice, _) = try await storeWithInbox()
        try await store.addDomain("example.org")
        _ = try await store.createAccount(address: "bob@example.org", passwordHash: "h")
        await assertThrows(MailStoreError.accountExists("bob@example.org")) {
            _ = try await store.renameAccount(id: alice.id, to: "BOB@example.org")
        }
        await assertThrows(MailStoreError.accountExists("alice@example.org")) {
            _ = try await store.renameAccount(id: alice.id, to: "alice@example.org")
        }
        await assertThrows(MailStoreError.domainNotFound("elsewhere.example")) {
            _ = try await store.renameAccount(id: alice.id, to: "alice@elsewhere.example")
        }
        await assertThrows(MailStoreError.accountNotFound("9999")) {
            _ = try await store.renameAccount(id: 9999, to: "carol@example.org")
        }
        let unchanged = try await store.account(id: alice.id)
        XCTAssertEqual(unchanged?.address, "alice@example.org", "a refused rename changes nothing")
    }
}
