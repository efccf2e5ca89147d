// The queue's claim, batch update and delay-notice flag: what keeps two
// delivery runners on one data directory from sending a recipient twice,
// and a runner's outcomes in one transaction.
import Foundation
import GRDB
import XCTest
@testable import MailStore

final class QueueClaimTests: StoreTestCase {
    func state(_ store: any MailStore, _ id: String, _ address: String) async throws -> QueuedRecipient {
        let message = try await store.queuedMessage(id: id)
        return try XCTUnwrap(message?.recipients.first { $0.address == address })
    }

    // MARK: Claims

    func testClaimTakesOnlyQueuedAndDueRecipients() async throws {
        let store = try openStore()
        let queued = try await store.enqueueOutbound(outboundDraft(to: ["due@a.test", "later@a.test", "done@a.test",
                                                                       "gone@a.test"]))
        let now = Date()
        try await store.updateRecipient(queueID: queued.id, address: "later@a.test", state: .queued, lastError: nil,
                                        nextAttemptAt: now.addingTimeInterval(600))
        try await store.updateRecipient(queueID: queued.id, address: "done@a.test", state: .delivered,
                                        lastError: nil, nextAttemptAt: nil)
        try await store.updateRecipient(queueID: queued.id, address: "gone@a.test", state: .failed, lastError: "550",
                                        nextAttemptAt: nil)

        let claimed = try await store.claimRecipients(
            queueID: queued.id, addresses: ["due@a.test", "later@a.test", "done@a.test", "gone@a.test",
                                            "unknown@a.test", "due@a.test"], now: now)
        XCTAssertEqual(claimed, ["due@a.test"])
        let due = try await state(store, queued.id, "due@a.test")
        XCTAssertEqual(due.state, .delivering)
        XCTAssertEqual(due.attempts, 0, "a claim starts an attempt, it does not end one")
        let later = try await state(store, queued.id, "later@a.test")
        XCTAssertEqual(later.state, .queued)
        let done = try await state(store, queued.id, "done@a.test")
        XCTAssertEqual(done.state, .delivered)

        // Claimed already: a second claim gets nothing, even when due.
        let again = try await store.claimRecipients(queueID: queued.id, addresses: ["due@a.test"], now: now)
        XCTAssertEqual(again, [])
        // Due at a later `now`.
        let afterwards = try await store.claimRecipients(queueID: queued.id, addresses: ["later@a.test"],
                                                         now: now.addingTimeInterval(600))
        XCTAssertEqual(afterwards, ["later@a.test"])
        let none = try await store.dueRecipients(now: now.addingTimeInterval(3600), limit: 10)
        XCTAssertTrue(none.isEmpty, "claimed recipients are not due for anyone else")
    }

    func testClaimOfAnUnknownMessageFailsAndEmptyClaimIsEmpty() async throws {
        let store = try openStore()
        do {
            _ = try await store.claimRecipients(queueID: "0123456789abcdef", addresses: ["x@a.test"], now: Date())
            XCTFail("claimed in a message that does not exist")
        } catch let error as QueueError {
            XCTAssertEqual(error, .messageNotFound("0123456789abcdef"))
        }
        let queued = try await store.enqueueOutbound(outboundDraft())
        let nothing = try await store.claimRecipients(queueID: queued.id, addresses: [], now: Date())
        XCTAssertEqual(nothing, [])
        // Hostile addresses are plain parameters, never SQL.
        let hostile = try await store.claimRecipients(queueID: queued.id, addresses: ["' OR 1=1 --", "%"],
                                                      now: Date())
        XCTAssertEqual(hostile, [])
        let untouched = try await store.queuedMessage(id: queued.id)
        XCTAssertEqual(untouched?.recipients.map(\.state), [.queued, .queued])
    }

    /// Two store instances (two processes: the server and a second runner)
    /// claim the same recipients at once: each recipient goes to one of them.
    func testConcurrentClaimsFromTwoInstancesNeverShareARecipient() async throws {
        let first = try openStore()
        let second = try openStore()
        var messages: [QueuedMessage] = []
        for index in 0..<10 {
            messages.append(try await first.enqueueOutbound(outboundDraft(
                "m\(index)", to: (0..<8).map { "r\($0)@d\(index).test" })))
        }
        let now = Date()
        let claims = try await withThrowingTaskGroup(of: [String].self) { group in
            for message in messages {
                for store in [first, second, first, second] {
                    let addresses = message.recipients.map(\.address).shuffled()
                    group.addTask {
                        try await store.claimRecipients(queueID: message.id, addresses: addresses, now: now)
                            .map { "\(message.id) \($0)" }
                    }
                }
            }
            return try await group.reduce(into: [[String]]()) { $0.append($1) }
        }
        let all = claims.flatMap { $0 }
        XCTAssertEqual(all.count, 80, "every recipient claimed once")
        XCTAssertEqual(Set(all).count, 80, "no recipient claimed twice")
        let states = try await second.queuedMessages().flatMap { $0.recipients.map(\.state) }
        XCTAssertEqual(states, Array(repeating: .delivering, count: 80))
    }

    func testFreshClaimsSurviveAnotherRunnersStartExpiredOnesAreRequeued() async throws {
        let server = try openSQLiteStore()
        let restarted = try openSQLiteStore()
        let queued = try await server.enqueueOutbound(outboundDraft(to: ["held@a.test", "crashed@a.test"]))
        let now = Date()
        _ = try await server.claimRecipients(queueID: queued.id, addresses: ["held@a.test"], now: now)
        // `delivering` set without a claim (an older runner) holds no lease.
        try await server.updateRecipient(queueID: queued.id, address: "crashed@a.test", state: .delivering,
                                         lastError: nil, nextAttemptAt: nil)

        let requeued = try await restarted.requeueInterruptedDeliveries()
        XCTAssertEqual(requeued, 1)
        let held = try await state(restarted, queued.id, "held@a.test")
        XCTAssertEqual(held.state, .delivering, "the first runner may still be sending it")
        let crashed = try await state(restarted, queued.id, "crashed@a.test")
        XCTAssertEqual(crashed.state, .queued)

        // Nearly a lease later it is still held; past the lease it comes back.
        let almost = try await restarted.requeueInterruptedDeliveries(at: now.addingTimeInterval(QueueClaim.lease - 60))
        XCTAssertEqual(almost, 0)
        let expired = try await restarted.requeueInterruptedDeliveries(at: now.addingTimeInterval(QueueClaim.lease + 1))
        XCTAssertEqual(expired, 1)
        let back = try await state(restarted, queued.id, "held@a.test")
        XCTAssertEqual(back.state, .queued)
        XCTAssertEqual(back.attempts, 0)
    }

    func testClaimFromBeforeTheClockWentBackExpiresAndAnUpdateEndsTheClaim() async throws {
        let store = try openSQLiteStore()
        let queued = try await store.enqueueOutbound(outboundDraft(to: ["a@a.test", "b@a.test"]))
        _ = try await store.claimRecipients(queueID: queued.id, addresses: ["a@a.test", "b@a.test"], now: Date())
        // The clock was set back by more than a lease: the claim is not held for ever.
        let back = try await store.requeueInterruptedDeliveries(at: Date().addingTimeInterval(-2 * QueueClaim.lease))
        XCTAssertEqual(back, 2)

        // A claim ended by an update is no claim: `delivering` set later is unleased.
        _ = try await store.claimRecipients(queueID: queued.id, addresses: ["a@a.test"], now: Date())
        try await store.updateRecipients(queueID: queued.id, [RecipientUpdate(address: "a@a.test", state: .delivering)])
        let requeued = try await store.requeueInterruptedDeliveries()
        XCTAssertEqual(requeued, 1)
    }

    // MARK: Batch updates

    func testBatchUpdateFollowsTheSingleUpdateRules() async throws {
        let store = try openStore()
        let queued = try await store.enqueueOutbound(outboundDraft(to: ["ok@a.test", "later@a.test", "bad@a.test"]))
        try await store.updateRecipient(queueID: queued.id, address: "later@a.test", state: .queued,
                                        lastError: "421 first", nextAttemptAt: Date().addingTimeInterval(300))
        let before = try await state(store, queued.id, "later@a.test")
        _ = try await store.claimRecipients(queueID: queued.id, addresses: ["ok@a.test", "bad@a.test"], now: Date())
        let start = SQLiteMailStore.queueTime(Date())
        let long = String(repeating: "e", count: SQLiteMailStore.maximumErrorLength + 50)
        try await store.updateRecipients(queueID: queued.id, [
            RecipientUpdate(address: "ok@a.test", state: .delivered),
            RecipientUpdate(address: "later@a.test", state: .queued),
            RecipientUpdate(address: "bad@a.test", state: .failed, lastError: long),
        ])
        let ok = try await state(store, queued.id, "ok@a.test")
        XCTAssertEqual(ok.state, .delivered)
        XCTAssertEqual(ok.attempts, 1)
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(ok.lastAttemptAt), start)
        let later = try await state(store, queued.id, "later@a.test")
        XCTAssertEqual(later.attempts, 2)
        XCTAssertEqual(later.lastError, "421 first", "nil keeps the stored error")
        XCTAssertEqual(later.nextAttemptAt, before.nextAttemptAt, "nil keeps the stored time")
        let bad = try await state(store, queued.id, "bad@a.test")
        XCTAssertEqual(bad.state, .failed)
        XCTAssertEqual(bad.lastError?.count, SQLiteMailStore.maximumErrorLength)

        // Final stays final: the finished one is skipped and named, the rest recorded.
        do {
            try await store.updateRecipients(queueID: queued.id, [
                RecipientUpdate(address: "ok@a.test", state: .queued, lastError: "again?"),
                RecipientUpdate(address: "later@a.test", state: .queued, lastError: "451 second"),
            ])
            XCTFail("a delivered recipient was updated")
        } catch let error as QueueError {
            XCTAssertEqual(error, .recipientFinished(queueID: queued.id, address: "ok@a.test"))
        }
        let stillDelivered = try await state(store, queued.id, "ok@a.test")
        XCTAssertEqual(stillDelivered, ok)
        let recorded = try await state(store, queued.id, "later@a.test")
        XCTAssertEqual(recorded.lastError, "451 second")
        XCTAssertEqual(recorded.attempts, 3)
    }

    func testBatchWithAnUnknownAddressOrMessageChangesNothing() async throws {
        let store = try openStore()
        let queued = try await store.enqueueOutbound(outboundDraft(to: ["a@a.test"]))
        do {
            try await store.updateRecipients(queueID: queued.id, [
                RecipientUpdate(address: "a@a.test", state: .failed, lastError: "550"),
                RecipientUpdate(address: "nobody@a.test", state: .failed),
            ])
            XCTFail("updated an unknown recipient")
        } catch let error as QueueError {
            XCTAssertEqual(error, .recipientNotFound(queueID: queued.id, address: "nobody@a.test"))
        }
        let untouched = try await state(store, queued.id, "a@a.test")
        XCTAssertEqual(untouched, queued.recipients[0], "one transaction: the first update was rolled back")
        do {
            try await store.updateRecipients(queueID: "ffffffffffffffff", [RecipientUpdate(address: "a@a.test",
                                                                                              state: .failed)])
            XCTFail("updated an unknown message")
        } catch let error as QueueError {
            XCTAssertEqual(error, .messageNotFound("ffffffffffffffff"))
        }
        try await store.updateRecipients(queueID: queued.id, [])
        let same = try await state(store, queued.id, "a@a.test")
        XCTAssertEqual(same, queued.recipients[0])
    }

    // MARK: Delay notice flag

    func testDelayNoticeFlagIsSetOnceKeptAndSurvivesReopen() async throws {
        let store = try openStore()
        let queued = try await store.enqueueOutbound(outboundDraft(to: ["a@a.test", "b@a.test"]))
        XCTAssertEqual(queued.recipients.map(\.delayNoticeSent), [false, false])
        try await store.updateRecipients(queueID: queued.id, [
            RecipientUpdate(address: "a@a.test", state: .queued, lastError: "451", delayNoticeSent: true),
            RecipientUpdate(address: "b@a.test", state: .queued, lastError: "451"),
        ])
        var flags = try await store.queuedMessage(id: queued.id)?.recipients.map(\.delayNoticeSent)
        XCTAssertEqual(flags, [true, false])
        // A later update without the flag does not clear it; neither does updateRecipient.
        try await store.updateRecipients(queueID: queued.id, [RecipientUpdate(address: "a@a.test", state: .queued)])
        try await store.updateRecipient(queueID: queued.id, address: "a@a.test", state: .queued, lastError: nil,
                                        nextAttemptAt: nil)
        try await store.close()
        let reopened = try openStore()
        flags = try await reopened.queuedMessage(id: queued.id)?.recipients.map(\.delayNoticeSent)
        XCTAssertEqual(flags, [true, false])
    }

    /// A data directory made before the migration: its recipients read back
    /// with the flag off and can be claimed.
    func testMigrationFromTheFirstQueueSchemaKeepsQueuedMail() async throws {
        try await writeOldDatabase(upTo: "v2-outbound-queue", sql: """
            INSERT INTO outbound_message (id, sender, created_at, size, body_file, smtp_utf8, body_type)
            VALUES ('00000000000000aa', 'alice@example.org', 1000, 3, 'nofile', 0, '7BIT');
            INSERT INTO outbound_recipient (message_id, position, address, state, attempts, next_attempt_at,
                                            last_attempt_at, last_error)
            VALUES ('00000000000000aa', 0, 'bob@remote.example', 'queued', 2, 1000, 900, '451');
            """)
        let store = try openSQLiteStore()
        let message = try await store.queuedMessage(id: "00000000000000aa")
        let recipient = try XCTUnwrap(message?.recipients.first)
        XCTAssertFalse(recipient.delayNoticeSent)
        XCTAssertEqual(recipient.attempts, 2)
        XCTAssertEqual(recipient.lastError, "451")
        let claimed = try await store.claimRecipients(queueID: "00000000000000aa", addresses: ["bob@remote.example"],
                                                      now: Date())
        XCTAssertEqual(claimed, ["bob@remote.example"])
    }
}
