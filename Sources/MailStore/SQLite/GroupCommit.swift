import Foundation
import GRDB
import Synchronization

/// Group commit: concurrent writers share one SQLite transaction, and so
/// one WAL fsync (DESIGN "Rules that keep mail safe": concurrent deliveries
/// may share a commit, never skip one).
///
/// While a batch is committing, writers that arrive wait in a queue; the
/// next batch takes up to `maximumBatch` of them, in arrival order, and runs
/// each closure in its own savepoint inside one transaction:
///
/// - a closure that throws rolls back its own savepoint only and gets its
///   own error; the others of the batch go on and commit;
/// - every caller is resumed only after the batch's COMMIT returned, so no
///   write method returns before its data is durable (`synchronous=FULL`);
/// - a failed COMMIT (or an error after which SQLite may have rolled the
///   whole transaction back: a full disk, I/O, busy, out of memory, an
///   interrupt) fails every caller of the batch: none of their rows exist.
///
/// For each caller this is the contract's "one transaction": its closure
/// runs alone (one writer, closures one after the other), sees the
/// effects of the closures before it, and its changes become visible all
/// at once, at the commit, in the order the closures ran; so per mailbox
/// UIDs and MODSEQs are still assigned in commit order. Whatever a caller
/// does after its write (change notifications, removing body files) it
/// does after the commit, as before.
final class GroupCommit: Sendable {
    /// The most closures one transaction runs: bounds the latency a batch
    /// adds to its first writer and the work a failed commit undoes.
    static let maximumBatch = 64

    /// One queued writer: `run` executes its closure (keeping the result
    /// for the caller), `finish` resumes it with nil or its error.
    private struct Job: Sendable {
        let run: @Sendable (Database) throws -> Void
        let finish: @Sendable ((any Error)?) -> Void
    }

    private struct State {
        var queue: [Job] = []
        var draining = false
        var commits = 0
        var writes = 0
    }

    /// Hands a closure's value from the writer thread to its caller.
    private final class Slot<T: Sendable>: Sendable {
        let value = Mutex<T?>(nil)
    }

    private let pool: DatabasePool
    private let state = Mutex(State())
    /// The thread batches run on. GRDB's synchronous write runs there
    /// (its writer queue executes a `sync` block on the caller's thread),
    /// so a writer's way to the commit and back is one thread hop each:
    /// GRDB's async write, from a task, takes several.
    private let queue = DispatchQueue(label: "tern.mailstore.group-commit")

    init(pool: DatabasePool) {
        self.pool = pool
    }

    /// Transactions committed by this coalescer (for tests).
    var commitCount: Int { state.withLock { $0.commits } }
    /// Closures committed by those transactions, failed ones included (for tests).
    var writeCount: Int { state.withLock { $0.writes } }
    /// Writers waiting for the next batch (for tests).
    var waitingCount: Int { state.withLock { $0.queue.count } }
    /// True while a batch is being run or committed (for tests).
    var isCommitting: Bool { state.withLock { $0.draining } }

    /// Runs `updates` in the next batch; returns its value once the batch
    /// has committed. Errors are those of `updates`, of the commit, or
    /// `CancellationError` when the task was cancelled before it queued
    /// (once queued, a write is neither abandoned nor interrupted).
    func write<T: Sendable>(_ updates: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try Task.checkCancellation()
        let slot = Slot<T>()
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let job = Job(
                run: { db in
                    let value = try updates(db)
                    slot.value.withLock { $0 = value }
                },
                finish: { error in
                    if let error {
                        continuation.resume(throwing: error)
                    } else {
                        continuation.resume()
                    }
                })
            let startDrain = state.withLock { state in
                state.queue.append(job)
                defer { state.draining = true }
                return !state.draining
            }
            if startDrain {
                queue.async { self.drain() }
            }
        }
        guard let value = slot.value.withLock({ $0.take() }) else {
            throw MailStoreError.storageFailure("group commit lost a result")
        }
        return value
    }

    /// Runs batches until the queue is empty, on `queue`. Only one drain
    /// runs at a time (`draining`), so batches commit one after the other.
    private func drain() {
        while true {
            let batch: [Job] = state.withLock { state in
                let batch = Array(state.queue.prefix(Self.maximumBatch))
                state.queue.removeFirst(batch.count)
                if batch.isEmpty { state.draining = false }
                return batch
            }
            if batch.isEmpty { return }
            commit(batch)
        }
    }

    /// One transaction for the batch, a savepoint per closure; resumes
    /// every caller after the commit (or its failure).
    private func commit(_ batch: [Job]) {
        let outcomes: [(any Error)?]
        do {
            outcomes = try pool.write { db in
                var outcomes: [(any Error)?] = []
                outcomes.reserveCapacity(batch.count)
                for job in batch {
                    do {
                        try db.inSavepoint {
                            try job.run(db)
                            return .commit
                        }
                        outcomes.append(nil)
                    } catch {
                        // The whole transaction may be gone: fail the batch.
                        if Self.abortsTransaction(error, db) { throw error }
                        outcomes.append(error)
                    }
                }
                return outcomes
            }
        } catch {
            for job in batch { job.finish(error) }
            return
        }
        state.withLock { state in
            state.commits += 1
            state.writes += batch.count
        }
        for (job, outcome) in zip(batch, outcomes) {
            job.finish(outcome)
        }
    }

    /// True when, after `error`, the batch's transaction cannot go on:
    /// SQLite rolled it back already, or the error is one after which
    /// SQLite may have (https://sqlite.org/lang_transaction.html, "Response
    /// To Errors Within A Transaction": SQLITE_FULL, SQLITE_IOERR,
    /// SQLITE_BUSY, SQLITE_NOMEM), or the database itself is unwell. A
    /// closure's own refusal (a `MailStoreError`, a `QueueError`, a
    /// constraint) rolls back its savepoint only.
    static func abortsTransaction(_ error: any Error, _ db: Database) -> Bool {
        if !db.isInsideTransaction { return true }
        guard let error = error as? DatabaseError else { return false }
        switch error.resultCode {
        case .SQLITE_FULL, .SQLITE_IOERR, .SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_NOMEM, .SQLITE_INTERRUPT,
             .SQLITE_ABORT, .SQLITE_CORRUPT, .SQLITE_NOTADB, .SQLITE_PROTOCOL, .SQLITE_CANTOPEN:
            return true
        default:
            return false
        }
    }
}
