import Foundation
import GRDB
import Logging
import Synchronization

/// Wakes subscribers of a mailbox when it changes.
///
/// Changes made through this store are announced right after their commit
/// (`notify`). Changes made by other processes on the same database are
/// found by a poller that runs only while someone is subscribed: every
/// 250 ms it reads `PRAGMA data_version` on the writer connection (which
/// changes only when another connection commits) and, when it moved, the
/// `highest_modseq` of each watched mailbox. A wake-up carries no data: the
/// change log is the truth (DESIGN "How every device sees the same state").
final class ChangeNotifier: Sendable {
    static let pollInterval: Duration = .milliseconds(250)
    /// The modseq recorded for a watched mailbox that no longer exists.
    private static let deleted: ModSeq = -1

    private struct Subscriber {
        var mailboxID: MailboxID
        var continuation: AsyncStream<Void>.Continuation
    }

    private struct State {
        var subscribers: [Int: Subscriber] = [:]
        var nextID = 0
        /// The last highest_modseq seen per watched mailbox.
        var lastModSeq: [MailboxID: ModSeq] = [:]
        var lastDataVersion: Int?
        var poller: Task<Void, Never>?
        var closed = false
    }

    private let pool: DatabasePool
    private let logger: Logger
    private let state = Mutex(State())

    init(pool: DatabasePool, logger: Logger) {
        self.pool = pool
        self.logger = logger
    }

    /// The number of live subscriptions (for tests).
    var subscriberCount: Int { state.withLock { $0.subscribers.count } }
    /// True while the cross-process poller runs (for tests).
    var isPolling: Bool { state.withLock { $0.poller != nil } }

    /// Subscribes without touching the database: this is called from async
    /// code, and a synchronous GRDB read would block a thread of Swift's
    /// small cooperative pool while it waits for a reader — with enough
    /// sessions subscribing at once, every pool thread waits and nothing can
    /// give a reader back (a deadlock seen under IMAP load). The poller
    /// reads the baseline instead and then wakes the new subscriber once:
    /// a spurious wake-up costs one change-log query, a missed one a stale
    /// IDLE.
    func subscribe(mailboxID: MailboxID) -> AsyncStream<Void> {
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let id: Int? = state.withLock { state in
            guard !state.closed else { return nil }
            let id = state.nextID
            state.nextID += 1
            state.subscribers[id] = Subscriber(mailboxID: mailboxID, continuation: continuation)
            if state.poller == nil {
                state.poller = Task { [weak self] in await self?.poll() }
            }
            return id
        }
        guard let id else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            self?.unsubscribe(id)
        }
        return stream
    }

    private func unsubscribe(_ id: Int) {
        let poller: Task<Void, Never>? = state.withLock { state in
            guard let removed = state.subscribers.removeValue(forKey: id) else { return nil }
            if !state.subscribers.values.contains(where: { $0.mailboxID == removed.mailboxID }) {
                state.lastModSeq[removed.mailboxID] = nil
            }
            guard state.subscribers.isEmpty else { return nil }
            let poller = state.poller
            state.poller = nil
            state.lastDataVersion = nil
            return poller
        }
        poller?.cancel()
    }

    /// Announces a committed change of these mailboxes made by this process.
    func notify(_ changes: [MailboxID: ModSeq]) {
        guard !changes.isEmpty else { return }
        state.withLock { state in
            for (mailboxID, modSeq) in changes where state.lastModSeq[mailboxID] != nil {
                state.lastModSeq[mailboxID] = max(state.lastModSeq[mailboxID] ?? 0, modSeq)
            }
            for subscriber in state.subscribers.values where changes[subscriber.mailboxID] != nil {
                subscriber.continuation.yield()
            }
        }
    }

    /// Ends every stream and stops polling.
    func close() {
        let (subscribers, poller) = state.withLock { state in
            state.closed = true
            let subscribers = Array(state.subscribers.values)
            state.subscribers = [:]
            let poller = state.poller
            state.poller = nil
            return (subscribers, poller)
        }
        poller?.cancel()
        for subscriber in subscribers {
            subscriber.continuation.finish()
        }
    }

    private func poll() async {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: Self.pollInterval)
            } catch {
                return
            }
            do {
                try await pollOnce()
            } catch is CancellationError {
                return
            } catch {
                logger.debug("change poll failed", metadata: ["error": "\(error)"])
            }
        }
    }

    private func pollOnce() async throws {
        let watched: [MailboxID] = state.withLock { Array(Set($0.subscribers.values.map(\.mailboxID))) }
        guard !watched.isEmpty else { return }
        let dataVersion = try await pool.writeWithoutTransaction { db in
            try Int.fetchOne(db, sql: "PRAGMA data_version") ?? 0
        }
        let unchanged = state.withLock { state in
            // New watched mailboxes without a baseline force one read.
            state.lastDataVersion == dataVersion
                && watched.allSatisfy { state.lastModSeq[$0] != nil }
        }
        if unchanged { return }
        let current: [MailboxID: ModSeq] = try await pool.read { db in
            var result: [MailboxID: ModSeq] = [:]
            // One JSON argument: no bound on the number of watched mailboxes.
            let ids = "[" + watched.map(String.init).joined(separator: ",") + "]"
            let rows = try Row.fetchAll(
                db, sql: "SELECT id, highest_modseq FROM mailbox WHERE id IN (SELECT value FROM json_each(?))",
                arguments: [ids])
            for row in rows {
                result[row["id"]] = row["highest_modseq"]
            }
            return result
        }
        state.withLock { state in
            // Recorded only after a successful read, so a failed one is retried.
            state.lastDataVersion = dataVersion
            var changed = Set<MailboxID>()
            let stillWatched = Set(state.subscribers.values.map(\.mailboxID))
            for mailboxID in watched where stillWatched.contains(mailboxID) {
                let now = current[mailboxID]
                let before = state.lastModSeq[mailboxID]
                if let now {
                    // No baseline yet: a new subscriber; wake it once, since a
                    // change may have come between its subscribing and now.
                    if before == nil || now > before! { changed.insert(mailboxID) }
                    state.lastModSeq[mailboxID] = max(before ?? now, now)
                } else if before != Self.deleted {
                    // The mailbox was deleted by someone else (perhaps before
                    // a new subscriber's baseline was read).
                    changed.insert(mailboxID)
                    state.lastModSeq[mailboxID] = Self.deleted
                }
            }
            for subscriber in state.subscribers.values where changed.contains(subscriber.mailboxID) {
                subscriber.continuation.yield()
            }
        }
    }
}
