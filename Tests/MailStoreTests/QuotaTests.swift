import Foundation
import MailCore
import XCTest
@testable import MailStore

/// Quotas (RFC 9208 STORAGE and MESSAGE): usage from the counters, limits
/// per account, by default and per domain, and every write that adds
/// messages refused in its own transaction when it would end over a limit.
final class QuotaTests: StoreTestCase {
    func message(_ subject: String, size: Int = 0) -> NewMessage {
        NewMessage(body: sampleMessage(subject + String(repeating: "x", count: size)))
    }

    func assertOverQuota(_ what: String, _ resource: QuotaExceeded.Resource, file: StaticString = #filePath,
                         line: UInt = #line, _ call: () async throws -> Void) async {
        do {
            try await call()
            XCTFail("\(what): expected overQuota", file: file, line: line)
        } catch let error as MailStoreError {
            guard case .overQuota(let exceeded) = error else {
                return XCTFail("\(what): \(error)", file: file, line: line)
            }
            XCTAssertEqual(exceeded.resource, resource, what, file: file, line: line)
            XCTAssertEqual(error.kind, .overQuota, file: file, line: line)
        } catch {
            XCTFail("\(what): \(error)", file: file, line: line)
        }
    }

    func testUsageAndAccountLimits() async throws {
        let (store, account, inbox) = try await storeWithInbox()
        let empty = try await store.quota(accountID: account.id)
        XCTAssertEqual(empty.setting, .default)
        XCTAssertEqual(empty.limits, .unlimited)
        XCTAssertEqual(empty.usage, QuotaUsage(storage: 0, messages: 0))
        XCTAssertNil(empty.domain)

        let first = try await store.appendMessage(mailboxID: inbox.id, message("one"))
        let sent = try await store.mailbox(accountID: account.id, name: "Sent")
        let second = try await store.appendMessage(mailboxID: try XCTUnwrap(sent).id, message("two"))
        let used = Int64(first.size + second.size)
        try await store.setQuota(accountID: account.id, .custom(QuotaLimits(storage: used + 10, messages: 3)))
        let quota = try await store.quota(accountID: account.id)
        XCTAssertEqual(quota.usage, QuotaUsage(storage: used, messages: 2), "all mailboxes count")
        XCTAssertEqual(quota.limits, QuotaLimits(storage: used + 10, messages: 3))

        // Over the storage limit: refused, nothing stored, no UID taken.
        await assertOverQuota("append", .storage) {
            _ = try await store.appendMessage(mailboxID: inbox.id, self.message("big", size: 100))
        }
        let after = try await store.messageSummaries(mailboxID: inbox.id)
        XCTAssertEqual(after.map(\.uid), [first.uid])
        let mailbox = try await store.mailbox(id: inbox.id)
        XCTAssertEqual(mailbox?.uidNext, first.uid + 1, "the refused append left no trace")

        // Exactly at the limit is allowed.
        try await store.setQuota(accountID: account.id, .custom(QuotaLimits(storage: nil, messages: 3)))
        let third = try await store.appendMessage(mailboxID: inbox.id, message("three"))
        await assertOverQuota("fourth message", .messages) {
            _ = try await store.appendMessage(mailboxID: inbox.id, self.message("four"))
        }
        // COPY adds messages; MOVE within the account does not.
        await assertOverQuota("copy", .messages) {
            _ = try await store.copyMessages(from: inbox.id, uids: [first.uid], to: try XCTUnwrap(sent).id)
        }
        let moved = try await store.moveMessages(from: inbox.id, uids: [first.uid], to: try XCTUnwrap(sent).id)
        XCTAssertEqual(moved.count, 1, "a move changes no usage")
        // Deleting makes room again; a custom unlimited quota lifts the limit.
        _ = try await store.expunge(mailboxID: inbox.id, uids: [third.uid])
        _ = try await store.appendMessage(mailboxID: inbox.id, message("four"))
        try await store.setQuota(accountID: account.id, .custom(.unlimited))
        _ = try await store.appendMessages(mailboxID: inbox.id, (0..<5).map { self.message("m\($0)") })
        let final = try await store.quota(accountID: account.id)
        XCTAssertEqual(final.usage.messages, 8)
        try await store.setQuota(accountID: account.id, .default)
        let back = try await store.quota(accountID: account.id)
        XCTAssertEqual(back.setting, .default)
    }

    /// MULTIAPPEND and a delivery to several accounts are all or nothing.
    func testBatchesAndDeliveriesAreAllOrNothing() async throws {
        let (store, alice, inbox) = try await storeWithInbox()
        let bob = try await store.createAccount(address: "bob@example.org", passwordHash: "$6$x$y")
        let bobMailbox = try await store.mailbox(accountID: bob.id, name: "INBOX")
        let bobInbox = try XCTUnwrap(bobMailbox)
        try await store.setQuota(accountID: alice.id, .custom(QuotaLimits(messages: 2)))
        await assertOverQuota("three at once", .messages) {
            _ = try await store.appendMessages(mailboxID: inbox.id, (0..<3).map { self.message("m\($0)") })
        }
        let none = try await store.quota(accountID: alice.id)
        XCTAssertEqual(none.usage.messages, 0, "none of the batch is stored")
        _ = try await store.appendMessages(mailboxID: inbox.id, (0..<2).map { self.message("m\($0)") })
        await assertOverQuota("delivery to alice and bob", .messages) {
            _ = try await store.deliverMessage(self.message("to both"), to: [bobInbox.id, inbox.id])
        }
        let bobMessages = try await store.messageSummaries(mailboxID: bobInbox.id)
        XCTAssertEqual(bobMessages.count, 0, "bob's copy is not stored either")
        _ = try await store.deliverMessage(message("bob only"), to: [bobInbox.id])
    }

    func testDefaultAndDomainQuotas() async throws {
        let (store, alice, inbox) = try await storeWithInbox()
        try await store.addDomain("example.org")
        let bob = try await store.createAccount(address: "bob@example.org", passwordHash: "$6$x$y")
        let bobMailbox = try await store.mailbox(accountID: bob.id, name: "INBOX")
        let bobInbox = try XCTUnwrap(bobMailbox)
        let carol = try await store.createAccount(address: "carol@other.example", passwordHash: "$6$x$y")
        let carolMailbox = try await store.mailbox(accountID: carol.id, name: "INBOX")
        let carolInbox = try XCTUnwrap(carolMailbox)

        try await store.setDefaultQuota(QuotaLimits(messages: 1))
        let defaultLimits = try await store.defaultQuota()
        XCTAssertEqual(defaultLimits, QuotaLimits(messages: 1))
        _ = try await store.appendMessage(mailboxID: inbox.id, message("a1"))
        await assertOverQuota("default limit", .messages) {
            _ = try await store.appendMessage(mailboxID: inbox.id, self.message("a2"))
        }
        try await store.setQuota(accountID: alice.id, .custom(QuotaLimits(messages: 10)))
        _ = try await store.appendMessage(mailboxID: inbox.id, message("a2"))
        try await store.setDefaultQuota(.unlimited)

        // The domain's limit is for all its accounts together.
        try await store.setDomainQuota(domain: "Example.org", QuotaLimits(messages: 3))
        _ = try await store.appendMessage(mailboxID: bobInbox.id, message("b1"))
        let bobQuota = try await store.quota(accountID: bob.id)
        XCTAssertEqual(bobQuota.domain?.name, "example.org")
        XCTAssertEqual(bobQuota.domain?.usage.messages, 3)
        await assertOverQuota("domain limit", .messages) {
            _ = try await store.appendMessage(mailboxID: bobInbox.id, self.message("b2"))
        }
        for number in 0..<3 { _ = try await store.appendMessage(mailboxID: carolInbox.id, message("c\(number)")) }
        try await store.setDomainQuota(domain: "example.org", .unlimited)
        _ = try await store.appendMessage(mailboxID: bobInbox.id, message("b2"))
        let all = try await store.quotas()
        XCTAssertEqual(all.map(\.address), ["alice@example.org", "bob@example.org", "carol@other.example"])
        XCTAssertEqual(all.map(\.usage.messages), [2, 2, 3])

        do {
            try await store.setDomainQuota(domain: "nowhere.example", QuotaLimits(messages: 1))
            XCTFail("unknown domain")
        } catch let error as MailStoreError {
            XCTAssertEqual(error.kind, .notFound)
        }
    }

    /// Two nodes appending near the limit at once: the limit holds.
    func testTwoNodesCannotTogetherPassTheLimit() async throws {
        let (first, account, inbox) = try await storeWithInbox()
        let second = try openStore()
        try await first.setQuota(accountID: account.id, .custom(QuotaLimits(messages: 10)))
        let stored = await withTaskGroup(of: Int.self) { group in
            for (index, node) in [first, second].enumerated() {
                group.addTask {
                    var count = 0
                    for number in 0..<8 {
                        let new = NewMessage(body: sampleMessage("n\(index) \(number)"))
                        if (try? await node.appendMessage(mailboxID: inbox.id, new)) != nil {
                            count += 1
                        }
                    }
                    return count
                }
            }
            return await group.reduce(0, +)
        }
        XCTAssertEqual(stored, 10)
        let quota = try await second.quota(accountID: account.id)
        XCTAssertEqual(quota.usage.messages, 10)
    }

    func testDeletedStorageSumsTheDeletedMessages() async throws {
        let (store, _, inbox) = try await storeWithInbox()
        let zero = try await store.deletedStorage(mailboxID: inbox.id)
        XCTAssertEqual(zero, 0)
        let a = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("a"), flags: .deleted))
        _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("bb")))
        let c = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("ccc")))
        _ = try await store.updateFlags(mailboxID: inbox.id, uids: [c.uid], operation: .add, flags: .deleted, keywords: [])
        let sum = try await store.deletedStorage(mailboxID: inbox.id)
        XCTAssertEqual(sum, Int64(a.size + c.size))
        do {
            _ = try await store.deletedStorage(mailboxID: 9999)
            XCTFail("unknown mailbox")
        } catch let error as MailStoreError {
            XCTAssertEqual(error.kind, .notFound)
        }
    }
}
