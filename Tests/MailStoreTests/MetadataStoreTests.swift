import Foundation
import MailCore
import XCTest
@testable import MailStore

/// METADATA entries (RFC 5464) in the store contract: server and mailbox
/// scopes kept apart, all-or-nothing writes, limits checked inside the
/// transaction, and entries that go with their mailbox or account.
final class MetadataStoreTests: StoreTestCase {
    let limits = MetadataLimits.standard

    func entry(_ name: String, _ value: String) -> MetadataEntry {
        MetadataEntry(name: name, value: Array(value.utf8))
    }

    func set(_ name: String, _ value: String?) -> MetadataChange {
        MetadataChange(name: name, value: value.map { Array($0.utf8) })
    }

    func assertLimit(_ expected: MetadataLimitExceeded, file: StaticString = #filePath, line: UInt = #line,
                     _ call: () async throws -> Void) async {
        do {
            try await call()
            XCTFail("expected metadataLimit(\(expected))", file: file, line: line)
        } catch let error as MailStoreError {
            XCTAssertEqual(error, .metadataLimit(expected), file: file, line: line)
            XCTAssertEqual(error.kind, .invalidRequest, file: file, line: line)
        } catch {
            XCTFail("\(error)", file: file, line: line)
        }
    }

    func testServerAndMailboxEntriesAreKeptApart() async throws {
        let (store, account, inbox) = try await storeWithInbox()
        let empty = try await store.metadata(accountID: account.id, mailboxID: nil)
        XCTAssertEqual(empty, [])
        try await store.setMetadata(accountID: account.id, mailboxID: nil,
                                    [set("/private/comment", "server"), set("/private/a", "first")], limits: limits)
        try await store.setMetadata(accountID: account.id, mailboxID: inbox.id,
                                    [set("/private/comment", "inbox")], limits: limits)
        let server = try await store.metadata(accountID: account.id, mailboxID: nil)
        XCTAssertEqual(server, [entry("/private/a", "first"), entry("/private/comment", "server")], "in name order")
        let mailbox = try await store.metadata(accountID: account.id, mailboxID: inbox.id)
        XCTAssertEqual(mailbox, [entry("/private/comment", "inbox")])

        // A new value replaces; nil removes; removing a missing entry is no change.
        try await store.setMetadata(accountID: account.id, mailboxID: nil,
                                    [set("/private/a", "second"), set("/private/comment", nil), set("/private/none", nil)],
                                    limits: limits)
        let changed = try await store.metadata(accountID: account.id, mailboxID: nil)
        XCTAssertEqual(changed, [entry("/private/a", "second")])
        let untouched = try await store.metadata(accountID: account.id, mailboxID: inbox.id)
        XCTAssertEqual(untouched, [entry("/private/comment", "inbox")])

        // Values are octets: NUL and 8-bit bytes come back unchanged, and
        // an empty value is a value (RFC 5464 §4.3: only NIL removes).
        let binary: [UInt8] = [0, 255, 13, 10, 1]
        try await store.setMetadata(accountID: account.id, mailboxID: nil,
                                    [MetadataChange(name: "/private/bin", value: binary),
                                     MetadataChange(name: "/private/empty", value: [])], limits: limits)
        let all = try await store.metadata(accountID: account.id, mailboxID: nil)
        XCTAssertEqual(all.first { $0.name == "/private/bin" }?.value, binary)
        XCTAssertEqual(all.first { $0.name == "/private/empty" }?.value, [])
    }

    func testAnotherAccountsMailboxIsNotFound() async throws {
        let (store, alice, inbox) = try await storeWithInbox()
        let bob = try await store.createAccount(address: "bob@example.org", passwordHash: "$6$x$y")
        do {
            try await store.setMetadata(accountID: bob.id, mailboxID: inbox.id, [set("/private/x", "y")], limits: limits)
            XCTFail("bob wrote on alice's INBOX")
        } catch MailStoreError.mailboxNotFound {}
        do {
            _ = try await store.metadata(accountID: bob.id, mailboxID: inbox.id)
            XCTFail("bob read alice's INBOX")
        } catch MailStoreError.mailboxNotFound {}
        do {
            _ = try await store.metadata(accountID: alice.id + bob.id + 100, mailboxID: nil)
            XCTFail("unknown account")
        } catch MailStoreError.accountNotFound {}
        try await store.setMetadata(accountID: bob.id, mailboxID: nil, [set("/private/x", "bob")], limits: limits)
        let alices = try await store.metadata(accountID: alice.id, mailboxID: nil)
        XCTAssertEqual(alices, [], "server entries are per account")
    }

    func testValueTooLargeChangesNothing() async throws {
        let (store, account, inbox) = try await storeWithInbox()
        let small = MetadataLimits(maximumValueSize: 10, maximumEntries: 100, maximumTotalSize: 10_000)
        try await store.setMetadata(accountID: account.id, mailboxID: inbox.id, [set("/private/a", "old")], limits: small)
        await assertLimit(.valueTooLarge(maximum: 10)) {
            try await store.setMetadata(accountID: account.id, mailboxID: inbox.id,
                                        [self.set("/private/a", "new"), self.set("/private/b", String(repeating: "x", count: 11))],
                                        limits: small)
        }
        let kept = try await store.metadata(accountID: account.id, mailboxID: inbox.id)
        XCTAssertEqual(kept, [entry("/private/a", "old")], "all or nothing")
        try await store.setMetadata(accountID: account.id, mailboxID: inbox.id,
                                    [set("/private/b", String(repeating: "x", count: 10))], limits: small)
    }

    func testEntryAndOctetLimitsCountTheWholeAccount() async throws {
        let (store, account, inbox) = try await storeWithInbox()
        let three = MetadataLimits(maximumValueSize: 100, maximumEntries: 3, maximumTotalSize: 10_000)
        try await store.setMetadata(accountID: account.id, mailboxID: nil, [set("/private/a", "1"), set("/private/b", "2")],
                                    limits: three)
        try await store.setMetadata(accountID: account.id, mailboxID: inbox.id, [set("/private/a", "3")], limits: three)
        await assertLimit(.tooMany) {
            try await store.setMetadata(accountID: account.id, mailboxID: inbox.id,
                                        [self.set("/private/a", "changed"), self.set("/private/b", "4")], limits: three)
        }
        let inboxEntries = try await store.metadata(accountID: account.id, mailboxID: inbox.id)
        XCTAssertEqual(inboxEntries, [entry("/private/a", "3")], "rolled back")
        // Replacing a value or removing one and adding another stays within.
        try await store.setMetadata(accountID: account.id, mailboxID: nil,
                                    [set("/private/a", nil), set("/private/c", "5"), set("/private/b", "22")], limits: three)

        // Octets: names and values of every scope together.
        let octets = MetadataLimits(maximumValueSize: 100, maximumEntries: 100, maximumTotalSize: 60)
        let used = ["/private/b" + "22", "/private/c" + "5", "/private/a" + "3"].reduce(0) { $0 + $1.utf8.count }
        let room = 60 - used - "/private/d".utf8.count
        await assertLimit(.tooMany) {
            try await store.setMetadata(accountID: account.id, mailboxID: nil,
                                        [self.set("/private/d", String(repeating: "y", count: room + 1))], limits: octets)
        }
        try await store.setMetadata(accountID: account.id, mailboxID: nil,
                                    [set("/private/d", String(repeating: "y", count: room))], limits: octets)
        // Removing only never fails, even over a limit lowered since.
        try await store.setMetadata(accountID: account.id, mailboxID: nil, [set("/private/d", nil)],
                                    limits: MetadataLimits(maximumValueSize: 1, maximumEntries: 0, maximumTotalSize: 0))
    }

    func testConcurrentWritersCannotPassTheEntryLimitTogether() async throws {
        let (store, account, _) = try await storeWithInbox()
        let second = try openStore()
        let limit = MetadataLimits(maximumValueSize: 100, maximumEntries: 10, maximumTotalSize: 100_000)
        let stores = [store, second]
        let accepted = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<20 {
                group.addTask {
                    do {
                        try await stores[index % 2].setMetadata(accountID: account.id, mailboxID: nil,
                                                                [MetadataChange(name: "/private/e\(index)", value: [1])],
                                                                limits: limit)
                        return true
                    } catch {
                        return false
                    }
                }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        XCTAssertEqual(accepted, 10)
        let entries = try await store.metadata(accountID: account.id, mailboxID: nil)
        XCTAssertEqual(entries.count, 10)
    }

    func testEntriesGoWithTheirMailboxAndFollowARename() async throws {
        let (store, account, _) = try await storeWithInbox()
        let work = try await store.createMailbox(accountID: account.id, name: "Work", specialUse: nil)
        try await store.setMetadata(accountID: account.id, mailboxID: work.id, [set("/private/comment", "w")], limits: limits)
        try await store.renameMailbox(id: work.id, to: "Jobs")
        let renamed = try await store.metadata(accountID: account.id, mailboxID: work.id)
        XCTAssertEqual(renamed, [entry("/private/comment", "w")])
        try await store.deleteMailbox(id: work.id)
        let again = try await store.createMailbox(accountID: account.id, name: "Jobs", specialUse: nil)
        let fresh = try await store.metadata(accountID: account.id, mailboxID: again.id)
        XCTAssertEqual(fresh, [], "a new mailbox of the same name starts empty")
        // The deleted mailbox's entry no longer counts against the limits.
        try await store.setMetadata(accountID: account.id, mailboxID: nil, [set("/private/only", "1")],
                                    limits: MetadataLimits(maximumValueSize: 10, maximumEntries: 1, maximumTotalSize: 100))
        try await store.deleteAccount(id: account.id)
        do {
            _ = try await store.metadata(accountID: account.id, mailboxID: nil)
            XCTFail("deleted account")
        } catch MailStoreError.accountNotFound {}
    }
}
