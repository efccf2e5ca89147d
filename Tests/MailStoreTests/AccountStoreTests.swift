import Foundation
import XCTest
@testable import MailStore

final class AccountStoreTests: StoreTestCase {
    func testDomainsAddListRemove() async throws {
        let store = try openStore()
        try await store.addDomain("Example.ORG")
        try await store.addDomain("b.example")
        let names = try await store.domains().map(\.name)
        XCTAssertEqual(names, ["b.example", "example.org"])
        await assertThrows(MailStoreError.domainExists("example.org")) { try await store.addDomain("example.org") }
        try await store.removeDomain("EXAMPLE.org")
        let remaining = try await store.domains().map(\.name)
        XCTAssertEqual(remaining, ["b.example"])
        await assertThrows(MailStoreError.domainNotFound("example.org")) { try await store.removeDomain("example.org") }
    }

    func testCreateAccountLowercasesAndCreatesDefaultMailboxes() async throws {
        let store = try openStore()
        let account = try await store.createAccount(address: "Alice@Example.ORG", passwordHash: "$y$hash")
        XCTAssertEqual(account.address, "alice@example.org")
        let mailboxes = try await store.mailboxes(accountID: account.id)
        XCTAssertEqual(Set(mailboxes.map(\.name)), ["INBOX", "Drafts", "Sent", "Trash", "Junk", "Archive"])
        XCTAssertTrue(mailboxes.allSatisfy(\.isSubscribed))
        let uses = Dictionary(uniqueKeysWithValues: mailboxes.map { ($0.name, $0.specialUse) })
        XCTAssertEqual(uses["INBOX"] ?? nil, nil)
        XCTAssertEqual(uses["Drafts"], .drafts)
        XCTAssertEqual(uses["Sent"], .sent)
        XCTAssertEqual(uses["Trash"], .trash)
        XCTAssertEqual(uses["Junk"], .junk)
        XCTAssertEqual(uses["Archive"], .archive)
        XCTAssertEqual(Set(mailboxes.map(\.uidValidity)).count, mailboxes.count, "UIDVALIDITY must be fresh per mailbox")
        XCTAssertTrue(mailboxes.allSatisfy { $0.uidNext == 1 && $0.uidValidity > 0 })
    }

    func testAccountLookupsAndDuplicates() async throws {
        let store = try openStore()
        let alice = try await store.createAccount(address: "alice@example.org", passwordHash: "h1")
        _ = try await store.createAccount(address: "bob@example.org", passwordHash: "h2")
        await assertThrows(MailStoreError.accountExists("alice@example.org")) {
            _ = try await store.createAccount(address: "ALICE@example.org", passwordHash: "h3")
        }
        let byAddress = try await store.account(address: "ALICE@EXAMPLE.ORG")
        XCTAssertEqual(byAddress?.id, alice.id)
        let byID = try await store.account(id: alice.id)
        XCTAssertEqual(byID?.address, "alice@example.org")
        let missing = try await store.account(address: "nobody@example.org")
        XCTAssertNil(missing)
        let missingID = try await store.account(id: 9999)
        XCTAssertNil(missingID)
        let all = try await store.accounts().map(\.address)
        XCTAssertEqual(all, ["alice@example.org", "bob@example.org"])

        try await store.setPasswordHash(accountID: alice.id, passwordHash: "new-hash")
        let updated = try await store.account(id: alice.id)
        XCTAssertEqual(updated?.passwordHash, "new-hash")
        await assertThrows(MailStoreError.accountNotFound("9999")) {
            try await store.setPasswordHash(accountID: 9999, passwordHash: "x")
        }
    }

    func testDeleteAccountRemovesMailboxesMessagesAndFiles() async throws {
        let store = try openStore()
        let alice = try await store.createAccount(address: "alice@example.org", passwordHash: "h")
        let bob = try await store.createAccount(address: "bob@example.org", passwordHash: "h")
        let aliceInbox = try await XCTUnwrapAsync(await store.mailbox(accountID: alice.id, name: "INBOX"))
        let bobInbox = try await XCTUnwrapAsync(await store.mailbox(accountID: bob.id, name: "INBOX"))
        _ = try await store.appendMessage(mailboxID: aliceInbox.id, NewMessage(body: sampleMessage("a")))
        _ = try await store.appendMessage(mailboxID: bobInbox.id, NewMessage(body: sampleMessage("b")))
        XCTAssertEqual(bodyFileNames().count, 2)

        try await store.deleteAccount(id: alice.id)
        let gone = try await store.account(id: alice.id)
        XCTAssertNil(gone)
        let mailboxes = try await store.mailboxes(accountID: alice.id)
        XCTAssertTrue(mailboxes.isEmpty)
        XCTAssertEqual(bodyFileNames().count, 1, "alice's body file is removed, bob's stays")
        let bobBody = try await store.messageBody(mailboxID: bobInbox.id, uid: 1)
        XCTAssertEqual(bobBody, sampleMessage("b"))
        await assertThrows(MailStoreError.accountNotFound(String(alice.id))) {
            try await store.deleteAccount(id: alice.id)
        }
    }

    func testAliases() async throws {
        let store = try openStore()
        try await store.addAlias(Alias(source: "Postmaster@Example.org", destinations: ["alice@example.org", "bob@example.org"]))
        try await store.addAlias(Alias(source: "@example.net", destinations: ["alice@example.org"]))
        await assertThrows(MailStoreError.aliasExists("postmaster@example.org")) {
            try await store.addAlias(Alias(source: "postmaster@example.org", destinations: ["x@example.org"]))
        }
        let aliases = try await store.aliases()
        XCTAssertEqual(aliases, [
            Alias(source: "@example.net", destinations: ["alice@example.org"]),
            Alias(source: "postmaster@example.org", destinations: ["alice@example.org", "bob@example.org"]),
        ])
        try await store.removeAlias(source: "POSTMASTER@example.org")
        let remaining = try await store.aliases().map(\.source)
        XCTAssertEqual(remaining, ["@example.net"])
        await assertThrows(MailStoreError.aliasNotFound("postmaster@example.org")) {
            try await store.removeAlias(source: "postmaster@example.org")
        }
    }

    func testClosedStoreRefusesCalls() async throws {
        let store = try openStore()
        try await store.close()
        do {
            _ = try await store.accounts()
            XCTFail("expected an error")
        } catch let error as MailStoreError {
            guard case .storageFailure = error else { return XCTFail("unexpected \(error)") }
        }
        try await store.close() // a second close is harmless
    }
}

/// Asserts that `body` throws exactly `expected`.
func assertThrows(_ expected: MailStoreError, file: StaticString = #filePath, line: UInt = #line,
                  _ body: () async throws -> Void) async {
    do {
        try await body()
        XCTFail("expected \(expected)", file: file, line: line)
    } catch let error as MailStoreError {
        XCTAssertEqual(error, expected, file: file, line: line)
    } catch {
        XCTFail("unexpected \(error)", file: file, line: line)
    }
}

func XCTUnwrapAsync<T>(_ value: T?, file: StaticString = #filePath, line: UInt = #line) async throws -> T {
    try XCTUnwrap(value, file: file, line: line)
}
