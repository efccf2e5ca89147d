import Foundation
import GRDB
import Synchronization
import XCTest
@testable import MailStore

/// Group commit in the SQLite store (`GroupCommit`): concurrent hot writes
/// share one transaction, each in its own savepoint, and every caller
/// returns only after that commit.
///
/// To put writes into one batch without timing, a test holds GRDB's writer
/// connection (`WriterHold`), lets one write start a batch (it waits for
/// the connection), queues the writes under test behind it, and then lets
/// the connection go: the queued writes make the next batch.
final class GroupCommitTests: StoreTestCase {
    /// Many concurrent appends: all land, UIDs unique and ascending in
    /// commit order, fewer commits than writes, and each append is visible
    /// to another store instance (another connection: committed, with
    /// `synchronous=FULL` durable) as soon as it returns.
    func testConcurrentAppendsShareCommitsAndAllLand() async throws {
        let (store, _, inbox) = try await sqliteStoreWithInbox()
        let other = try openSQLiteStore()
        let commitsBefore = store.groupCommit.commitCount
        let writesBefore = store.groupCommit.writeCount
        let tasks = 20, perTask = 10
        let visibleElsewhere = Locked(0)

        // The first append of every task queues behind a held writer (one
        // batch for sure); the other nine each run freely.
        let hold = try await WriterHold(store)
        let opener = Task { try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("opener"))) }
        try await waitUntil { store.groupCommit.isCommitting && store.groupCommit.waitingCount == 0 }
        let workers = (0..<tasks).map { task in
            Task { () throws -> [MessageUID] in
                var uids: [MessageUID] = []
                for index in 0..<perTask {
                    let record = try await store.appendMessage(
                        mailboxID: inbox.id, NewMessage(body: sampleMessage("t\(task)-\(index)")))
                    uids.append(record.uid)
                    if try await other.message(mailboxID: inbox.id, uid: record.uid) != nil {
                        visibleElsewhere.value.withLock { $0 += 1 }
                    }
                }
                return uids
            }
        }
        try await waitUntil { store.groupCommit.waitingCount == tasks }
        try await hold.release()
        let openerRecord = try await opener.value
        var all: [MessageUID] = [openerRecord.uid]
        for worker in workers {
            let uids = try await worker.value
            XCTAssertEqual(uids, uids.sorted(), "one writer's UIDs ascend")
            all += uids
        }

        let total = 1 + tasks * perTask
        XCTAssertEqual(Set(all).count, total, "every UID is unique")
        XCTAssertEqual(Set(all), Set((1...total).map(MessageUID.init)), "no UID is lost or skipped")
        XCTAssertEqual(visibleElsewhere.value.withLock { $0 }, tasks * perTask,
                       "every append was committed when it returned")
        let stored = try await other.messages(mailboxID: inbox.id)
        XCTAssertEqual(stored.count, total)
        XCTAssertEqual(bodyFileNames().count, total)
        // UIDs and MODSEQs were assigned in one order: the commit order.
        XCTAssertEqual(stored.map(\.modSeq), stored.map(\.modSeq).sorted())
        XCTAssertEqual(Set(stored.map(\.modSeq)).count, total)
        let changes = try await other.changes(mailboxID: inbox.id, after: 0)
        XCTAssertEqual(changes.map(\.uid), (1...total).map(MessageUID.init))
        let mailbox = try await XCTUnwrapAsync(try await other.mailbox(id: inbox.id))
        XCTAssertEqual(mailbox.uidNext, MessageUID(total + 1))

        let writes = store.groupCommit.writeCount - writesBefore
        let commits = store.groupCommit.commitCount - commitsBefore
        XCTAssertEqual(writes, total)
        XCTAssertLessThanOrEqual(commits, total - (tasks - 1), "the held batch of \(tasks) shared one commit")
    }

    /// A write that fails in a batch fails alone, with its own error, and
    /// its partial changes are rolled back (a delivery whose second mailbox
    /// is missing leaves nothing in the first); the others commit, and the
    /// UIDs show no gap.
    func testFailingWriteInABatchFailsAloneAndOthersCommit() async throws {
        let (store, account, inbox) = try await sqliteStoreWithInbox()
        let sent = try await XCTUnwrapAsync(try await store.mailbox(accountID: account.id, name: "Sent"))
        let missing: MailboxID = 999_999
        let commitsBefore = store.groupCommit.commitCount

        let results = try await inOneBatch(store, opener: {
            _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("opener")))
        }, [
            { _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("a"))) },
            { _ = try await store.appendMessage(mailboxID: missing, NewMessage(body: sampleMessage("lost"))) },
            { _ = try await store.deliverMessage(NewMessage(body: sampleMessage("half")), to: [inbox.id, missing]) },
            { _ = try await store.deliverMessage(NewMessage(body: sampleMessage("both")), to: [inbox.id, sent.id]) },
            { _ = try await store.enqueueOutbound(outboundDraft("queued")) },
            { _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("b"))) },
        ])

        XCTAssertEqual(store.groupCommit.commitCount - commitsBefore, 2, "the opener's batch and one more")
        for index in [0, 3, 4, 5] {
            if case .failure(let error) = results[index] { XCTFail("write \(index) failed: \(error)") }
        }
        for index in [1, 2] {
            guard case .failure(let error) = results[index] else {
                XCTFail("write \(index) should fail")
                continue
            }
            XCTAssertEqual(error as? MailStoreError, .mailboxNotFound(String(missing)))
        }
        let messages = try await store.messages(mailboxID: inbox.id)
        let subjects = try await messages.asyncMap { record in
            String(decoding: try await store.messageBody(mailboxID: inbox.id, uid: record.uid), as: UTF8.self)
        }
        XCTAssertEqual(messages.map(\.uid), [1, 2, 3, 4], "the rolled-back delivery took no UID")
        // Which UID each got depends on the order they queued in.
        XCTAssertEqual(Set(subjects.compactMap { $0.split(separator: "\r\n").first { $0.hasPrefix("Subject: ") } }),
                       ["Subject: opener", "Subject: a", "Subject: both", "Subject: b"])
        XCTAssertEqual(messages.map(\.modSeq), messages.map(\.modSeq).sorted())
        let sentMessages = try await store.messages(mailboxID: sent.id)
        XCTAssertEqual(sentMessages.count, 1)
        let queued = try await store.queuedMessages()
        XCTAssertEqual(queued.count, 1)
        // Opener, a, both (one file for two mailboxes), b, queued: the
        // failed writes' files are gone.
        XCTAssertEqual(bodyFileNames().count, 5)
    }

    /// A failed COMMIT fails every caller of the batch, and nothing of it
    /// stays: here one write defers its foreign-key check to the commit
    /// (`PRAGMA defer_foreign_keys`) and breaks it, so the commit fails.
    func testFailedCommitFailsEveryCallerOfTheBatch() async throws {
        let (store, _, inbox) = try await sqliteStoreWithInbox()
        let commitsBefore = store.groupCommit.commitCount

        let results = try await inOneBatch(store, opener: {
            _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("opener")))
        }, [
            { _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("a"))) },
            {
                try await store.groupWrite { db in
                    try db.execute(sql: "PRAGMA defer_foreign_keys = ON")
                    try db.execute(sql: "INSERT INTO change_log (mailbox_id, modseq, uid, kind) VALUES (999999, 1, 1, 'added')")
                }
            },
            { _ = try await store.enqueueOutbound(outboundDraft("queued")) },
            { _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("b"))) },
        ])

        XCTAssertEqual(store.groupCommit.commitCount - commitsBefore, 1, "only the opener's batch committed")
        for (index, result) in results.enumerated() {
            guard case .failure(let error) = result else {
                XCTFail("write \(index) should fail with the commit")
                continue
            }
            XCTAssertEqual((error as? MailStoreError)?.kind, .storageFailure, "\(error)")
        }
        let messages = try await store.messages(mailboxID: inbox.id)
        XCTAssertEqual(messages.map(\.uid), [1])
        let queued = try await store.queuedMessages()
        XCTAssertEqual(queued, [])
        XCTAssertEqual(bodyFileNames().count, 1, "the failed batch's body files are removed")
        // The next write goes on as if the failed batch never was.
        let next = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("next")))
        XCTAssertEqual(next.uid, 2)
    }

    /// An error after which SQLite may have rolled the whole transaction
    /// back (disk full, I/O, busy) fails the batch; it is mapped as a
    /// direct write's error is, so callers answer with a temporary error.
    func testTransactionAbortingErrorFailsTheBatchAsTemporary() async throws {
        let (store, _, inbox) = try await sqliteStoreWithInbox()
        let results = try await inOneBatch(store, opener: {
            _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("opener")))
        }, [
            { _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("a"))) },
            { try await store.groupWrite { _ in throw DatabaseError(resultCode: .SQLITE_FULL) } },
            { _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("b"))) },
        ])
        for (index, result) in results.enumerated() {
            guard case .failure(let error) = result else {
                XCTFail("write \(index) should fail with the batch")
                continue
            }
            XCTAssertEqual((error as? MailStoreError)?.kind, .temporarilyUnavailable, "\(error)")
        }
        let messages = try await store.messages(mailboxID: inbox.id)
        XCTAssertEqual(messages.map(\.uid), [1])
        XCTAssertEqual(bodyFileNames().count, 1)
    }

    /// Two claims of one recipient in one batch: the closures run one after
    /// the other, so the second sees the first's claim (check-then-act
    /// stays one transaction per caller).
    func testClaimsInOneBatchSeeEachOther() async throws {
        let store = try openSQLiteStore()
        let queued = try await store.enqueueOutbound(outboundDraft("claimed", to: ["bob@remote.example"]))
        let claimed = Locked<[[String]]>([])
        let claim: @Sendable () async throws -> Void = {
            let got = try await store.claimRecipients(queueID: queued.id, addresses: ["bob@remote.example"], now: Date())
            claimed.value.withLock { $0.append(got) }
        }
        let results = try await inOneBatch(store, opener: {
            _ = try await store.enqueueOutbound(outboundDraft("opener"))
        }, [claim, claim, {
            try await store.updateRecipient(queueID: queued.id, address: "nobody@remote.example", state: .delivered,
                                            lastError: nil, nextAttemptAt: nil)
        }])
        for index in [0, 1] {
            if case .failure(let error) = results[index] { XCTFail("claim \(index) failed: \(error)") }
        }
        guard case .failure(let error) = results[2] else { return XCTFail("an unknown recipient is refused") }
        XCTAssertEqual(error as? QueueError, .recipientNotFound(queueID: queued.id, address: "nobody@remote.example"))
        XCTAssertEqual(claimed.value.withLock { $0 }.sorted { $0.count < $1.count }, [[], ["bob@remote.example"]])
    }

    /// Subscribers of every mailbox a batch changed are woken, and by then
    /// the changes are committed.
    func testNotificationsComeAfterTheSharedCommit() async throws {
        let (store, account, inbox) = try await sqliteStoreWithInbox()
        let sent = try await XCTUnwrapAsync(try await store.mailbox(accountID: account.id, name: "Sent"))
        var inboxWakeUps = store.changeNotifications(mailboxID: inbox.id).makeAsyncIterator()
        var sentWakeUps = store.changeNotifications(mailboxID: sent.id).makeAsyncIterator()

        let results = try await inOneBatch(store, opener: {
            _ = try await store.enqueueOutbound(outboundDraft("opener"))
        }, [
            { _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("a"))) },
            { _ = try await store.deliverMessage(NewMessage(body: sampleMessage("b")), to: [sent.id]) },
        ])
        for result in results {
            if case .failure(let error) = result { XCTFail("\(error)") }
        }
        let wokeInbox = await nextWakeUp(&inboxWakeUps, within: 10)
        XCTAssertTrue(wokeInbox)
        let wokeSent = await nextWakeUp(&sentWakeUps, within: 10)
        XCTAssertTrue(wokeSent)
        let inboxChanges = try await store.changes(mailboxID: inbox.id, after: inbox.highestModSeq)
        XCTAssertEqual(inboxChanges.map(\.kind), [.added])
        let sentChanges = try await store.changes(mailboxID: sent.id, after: sent.highestModSeq)
        XCTAssertEqual(sentChanges.map(\.kind), [.added])
    }

    /// The batch bound: more waiting writers than `maximumBatch` take more
    /// than one further commit, and all land.
    func testBatchesAreBounded() async throws {
        let (store, _, inbox) = try await sqliteStoreWithInbox()
        let count = GroupCommit.maximumBatch + 6
        let commitsBefore = store.groupCommit.commitCount
        let writes: [@Sendable () async throws -> Void] = (0..<count).map { index in
            { _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("m\(index)"))) }
        }
        let results = try await inOneBatch(store, opener: {
            _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("opener")))
        }, writes)
        for result in results {
            if case .failure(let error) = result { XCTFail("\(error)") }
        }
        XCTAssertEqual(store.groupCommit.commitCount - commitsBefore, 3, "opener, a full batch, the rest")
        let messages = try await store.messages(mailboxID: inbox.id)
        XCTAssertEqual(messages.map(\.uid), (1...(count + 1)).map(MessageUID.init))
    }

    // MARK: Helpers

    /// Runs `opener` (a group-committed write) until its batch waits for the
    /// held writer connection, then starts `writes` concurrently and, once
    /// all of them wait in the queue, lets the connection go: the writes
    /// make the next batch (or batches, past `maximumBatch`). Returns each
    /// write's outcome, in order.
    private func inOneBatch(_ store: SQLiteMailStore, opener: @escaping @Sendable () async throws -> Void,
                            _ writes: [@Sendable () async throws -> Void]) async throws -> [Result<Void, any Error>] {
        let hold = try await WriterHold(store)
        let first = Task { try await opener() }
        try await waitUntil { store.groupCommit.isCommitting && store.groupCommit.waitingCount == 0 }
        let tasks = writes.map { write in
            Task { () -> Result<Void, any Error> in
                do {
                    try await write()
                    return .success(())
                } catch {
                    return .failure(error)
                }
            }
        }
        try await waitUntil { store.groupCommit.waitingCount == writes.count }
        try await hold.release()
        try await first.value
        var results: [Result<Void, any Error>] = []
        for task in tasks { results.append(await task.value) }
        return results
    }
}

/// Holds the store's one writer connection (as a long transaction of
/// another caller would) until `release()`.
private final class WriterHold: Sendable {
    private let gate = DispatchSemaphore(value: 0)
    private let holder: Task<Void, any Error>

    init(_ store: SQLiteMailStore) async throws {
        let holding = Locked(false)
        let gate = self.gate
        holder = Task {
            try await store.pool.writeWithoutTransaction { _ in
                holding.value.withLock { $0 = true }
                gate.wait()
            }
        }
        try await waitUntil { holding.value.withLock { $0 } }
    }

    func release() async throws {
        gate.signal()
        try await holder.value
    }
}

/// Waits until `condition` holds; fails (rather than hang) after a minute.
/// Not a timed assertion: the condition is the test's, the bound a guard.
private func waitUntil(file: StaticString = #filePath, line: UInt = #line,
                       _ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(60)
    while !condition() {
        guard ContinuousClock.now < deadline else {
            XCTFail("condition never held", file: file, line: line)
            throw CancellationError()
        }
        try await Task.sleep(for: .milliseconds(5))
    }
}

/// A value shared with concurrent tasks.
private final class Locked<T: Sendable>: Sendable {
    let value: Mutex<T>
    init(_ value: T) { self.value = Mutex(value) }
}

private extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var values: [T] = []
        for element in self { values.append(try await transform(element)) }
        return values
    }
}
