// The queue runner over the store's claims and batch updates: two runners
// on one data directory send each recipient once, a transaction's outcomes
// are one store call, and the delay notice is sent once by the stored flag.
import Foundation
import Logging
import MailCore
import MailStore
import XCTest
@testable import SMTP

final class QueueRunnerClaimTests: QueueRunnerTestCase {
    // MARK: Claims

    /// The server and a second runner (a restart overlap, another process)
    /// pass over the same queue at the same time.
    func testTwoRunnersOnOneDataDirectorySendEachRecipientOnce() async throws {
        let other = try SQLiteMailStore(directory: directory.path, logger: logger)
        var expected: [String] = []
        for index in 0..<8 {
            let recipients = ["a\(index)@remote.test", "b\(index)@remote.test", "c\(index)@other.test"]
            try await enqueue(recipients)
            expected += recipients
        }
        // Both read the same due recipients before either claims any; each
        // attempt lets the other runner go on before it answers.
        let (barrier, passesEnded) = (Rendezvous(parties: 2), Rendezvous(parties: 2))
        let slow = FakeOutboundTransport { _ in
            for _ in 0..<20 { await Task.yield() }
        }
        let now = Date()
        let first = runner({ $0.concurrentDeliveries = 3 }, transport: slow,
                           store: DueRendezvousStore(base: store, barrier: barrier, passesEnded: passesEnded))
        let second = runner({ $0.concurrentDeliveries = 3 }, transport: slow,
                            store: DueRendezvousStore(base: other, barrier: barrier, passesEnded: passesEnded))
        async let one: Void = first.runOnce(now: now)
        async let two: Void = second.runOnce(now: now)
        _ = await (one, two)
        try await other.close()

        let sent = slow.calls.flatMap(\.recipients)
        XCTAssertEqual(sent.sorted(), expected.sorted(), "every recipient sent exactly once")
        XCTAssertEqual(observer.counts, .init(delivered: 24, bounced: 0, deferred: 0))
        let left = try await store.queuedMessages()
        XCTAssertTrue(left.isEmpty)
    }

    func testRecipientClaimedByAnotherRunnerIsLeftToIt() async throws {
        let message = try await enqueue(["mine@remote.test", "theirs@remote.test"])
        let claimed = try await store.claimRecipients(queueID: message.id, addresses: ["theirs@remote.test"],
                                                      now: message.createdAt)
        XCTAssertEqual(claimed, ["theirs@remote.test"])
        await runner().runOnce(now: message.createdAt)
        XCTAssertEqual(transport.calls.map(\.recipients), [["mine@remote.test"]])
        let theirs = try await XCTUnwrapAsync(await recipient(message, "theirs@remote.test"))
        XCTAssertEqual(theirs.state, .delivering, "still the other runner's")
        XCTAssertEqual(theirs.attempts, 0)
        let mine = try await XCTUnwrapAsync(await recipient(message, "mine@remote.test"))
        XCTAssertEqual(mine.state, .delivered)
    }

    func testAStoreWithoutClaimsSendsNothingAndLosesNothing() async throws {
        let message = try await enqueue(["bob@remote.test"])
        await runner(store: PreClaimQueueStore(base: store)).runOnce(now: message.createdAt)
        XCTAssertTrue(transport.calls.isEmpty, "no claim, no transaction")
        let bob = try await XCTUnwrapAsync(await recipient(message, "bob@remote.test"))
        XCTAssertEqual(bob.state, .queued)
        XCTAssertEqual(bob.attempts, 0)
    }

    func testStoppingBeforeTheAttemptGivesTheClaimBackUncounted() async throws {
        let message = try await enqueue(["bob@remote.test"])
        let stopping = QueueStoreSpy(base: store, bodyError: CancellationError())
        await runner(store: stopping).runOnce(now: message.createdAt)
        XCTAssertTrue(transport.calls.isEmpty)
        let bob = try await XCTUnwrapAsync(await recipient(message, "bob@remote.test"))
        XCTAssertEqual(bob.attempts, 0, "not attempted, not counted")
        XCTAssertEqual(bob.state, .delivering)
        // No claim is held any more: the next start takes it back at once.
        let requeued = try await store.requeueInterruptedDeliveries()
        XCTAssertEqual(requeued, 1)
    }

    // MARK: One store call per transaction

    func testATransactionsOutcomesAreOneBatchAfterOneClaim() async throws {
        let spy = QueueStoreSpy(base: store)
        transport.answer("later@remote.test", with: FakeOutboundTransport.greylisted)
        let message = try await enqueue(["a@remote.test", "later@remote.test", "c@remote.test", "d@other.test",
                                         "e@other.test"])
        await runner(store: spy).runOnce(now: message.createdAt)
        XCTAssertEqual(spy.calls.claims, 1, "one claim for the message")
        XCTAssertEqual(spy.calls.singleUpdates, 0)
        XCTAssertEqual(spy.calls.batches.sorted(), [2, 3], "one call per transaction, its every outcome")
        XCTAssertEqual(observer.counts, .init(delivered: 4, bounced: 0, deferred: 1))
        let later = try await XCTUnwrapAsync(await recipient(message, "later@remote.test"))
        XCTAssertEqual(later.state, .queued)
        XCTAssertEqual(later.attempts, 1)
    }

    func testABounceIsRecordedAfterItsNoticeAcceptedMailAtOnce() async throws {
        let store = self.store!
        let spy = QueueStoreSpy(base: store)
        transport.answer("gone@remote.test", with: FakeOutboundTransport.noSuchUser)
        let message = try await enqueue(["ok@remote.test", "gone@remote.test"])
        await runner(store: spy).runOnce(now: message.createdAt)
        XCTAssertEqual(spy.calls.batches, [1, 1], "accepted at once; the failure after its notice")
        let reports = try await reports()
        XCTAssertEqual(reports.first?.fields("Final-Recipient"), ["rfc822; gone@remote.test"])
        let left = try await store.queuedMessage(id: message.id)
        XCTAssertNil(left, "both final: removed")
    }

    // MARK: Delay notices by the stored flag

    func testDelayNoticeIsRecordedOnTheRecipientAndSentOnce() async throws {
        transport.answerEveryone(with: FakeOutboundTransport.greylisted)
        let message = try await enqueue(["bob@remote.test"])
        let runner = runner { $0.delayWarningAfter = 3600 }
        await runner.runOnce(now: message.createdAt)
        var bob = try await XCTUnwrapAsync(await recipient(message, "bob@remote.test"))
        XCTAssertFalse(bob.delayNoticeSent)
        await runner.runOnce(now: bob.nextAttemptAt.addingTimeInterval(3600))
        bob = try await XCTUnwrapAsync(await recipient(message, "bob@remote.test"))
        XCTAssertTrue(bob.delayNoticeSent)
        // `tern queue retry` makes it due at once: still no second notice.
        try await store.retryNow(queueID: message.id)
        await runner.runOnce(now: bob.nextAttemptAt)
        let count = try await inbox(alice).count
        XCTAssertEqual(count, 1)
        XCTAssertEqual(transport.calls.count, 3)
    }

    /// The flag, not the attempt times, decides: a recipient marked warned
    /// gets no second notice even though its last attempt was before the
    /// warning time.
    func testAWarnedRecipientIsNotWarnedAgain() async throws {
        transport.answerEveryone(with: FakeOutboundTransport.greylisted)
        let message = try await enqueue(["bob@remote.test"])
        try await store.updateRecipients(queueID: message.id, [
            RecipientUpdate(address: "bob@remote.test", state: .queued, nextAttemptAt: message.createdAt,
                            delayNoticeSent: true),
        ])
        await runner { $0.delayWarningAfter = 3600 }.runOnce(now: message.createdAt.addingTimeInterval(4000))
        XCTAssertEqual(transport.calls.count, 1)
        let count = try await inbox(alice).count
        XCTAssertEqual(count, 0)
    }

    /// A recipient last deferred after the warning time without a stored
    /// notice (it could not be stored then) gets it on its next deferral.
    func testAnUnwarnedRecipientPastTheWarningTimeIsWarned() async throws {
        transport.answerEveryone(with: FakeOutboundTransport.greylisted)
        let message = try await enqueue(["bob@remote.test"])
        let due = message.createdAt.addingTimeInterval(4300)
        try await store.updateRecipients(queueID: message.id, [
            RecipientUpdate(address: "bob@remote.test", state: .queued, lastError: "451", nextAttemptAt: due),
        ])
        await runner { $0.delayWarningAfter = 3600 }.runOnce(now: due)
        let reports = try await reports()
        XCTAssertEqual(reports.map { $0.field("Action") }, ["delayed"])
        let bob = try await XCTUnwrapAsync(await recipient(message, "bob@remote.test"))
        XCTAssertTrue(bob.delayNoticeSent)
    }

    func testNotifyWithoutDelaySendsNoNoticeAndLeavesTheFlag() async throws {
        transport.answerEveryone(with: FakeOutboundTransport.greylisted)
        let message = try await enqueue(["bob@remote.test"], notify: .failure)
        await runner { $0.delayWarningAfter = 0 }.runOnce(now: message.createdAt.addingTimeInterval(10))
        let count = try await inbox(alice).count
        XCTAssertEqual(count, 0)
        let bob = try await XCTUnwrapAsync(await recipient(message, "bob@remote.test"))
        XCTAssertFalse(bob.delayNoticeSent)
        XCTAssertEqual(bob.state, .queued)
    }
}
