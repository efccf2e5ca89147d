// Stores around a real store for the runner's tests: one counts the queue
// calls the runner makes, one lacks the claim and batch methods (so it gets
// the `MailStore+QueueDefaults` that fail).
import Foundation
import MailCore
import MailStore
import MailStoreTestSupport
import Synchronization

/// Counts the runner's queue writes.
final class QueueStoreSpy: ForwardingMailStore {
    struct Calls: Equatable {
        var claims = 0
        var singleUpdates = 0
        /// The size of each `updateRecipients` batch, in call order.
        var batches: [Int] = []
    }

    let base: any MailStore
    /// When set, reading a queued body fails with it (e.g. cancellation at shutdown).
    let bodyError: (any Error & Sendable)?
    private let state = Mutex(Calls())
    var calls: Calls { state.withLock { $0 } }

    init(base: any MailStore, bodyError: (any Error & Sendable)? = nil) {
        self.base = base
        self.bodyError = bodyError
    }

    func queuedMessageBody(id: String) async throws -> [UInt8] {
        if let bodyError { throw bodyError }
        return try await base.queuedMessageBody(id: id)
    }

    func claimRecipients(queueID: String, addresses: [String], now: Date) async throws -> [String] {
        state.withLock { $0.claims += 1 }
        return try await base.claimRecipients(queueID: queueID, addresses: addresses, now: now)
    }

    func updateRecipients(queueID: String, _ updates: [RecipientUpdate]) async throws {
        state.withLock { $0.batches.append(updates.count) }
        try await base.updateRecipients(queueID: queueID, updates)
    }

    func updateRecipient(queueID: String, address: String, state newState: QueuedRecipientState, lastError: String?,
                         nextAttemptAt: Date?) async throws {
        state.withLock { $0.singleUpdates += 1 }
        try await base.updateRecipient(queueID: queueID, address: address, state: newState, lastError: lastError,
                                       nextAttemptAt: nextAttemptAt)
    }
}

/// Holds each `dueRecipients` answer until every party read its own, so
/// two runners over one queue see the same due recipients and both go for
/// them (the race that claims settle); and holds the removal of finished
/// messages until every party's pass ended, so none finds its messages gone.
final class DueRendezvousStore: ForwardingMailStore {
    let base: any MailStore
    let barrier: Rendezvous
    let passesEnded: Rendezvous

    init(base: any MailStore, barrier: Rendezvous, passesEnded: Rendezvous) {
        self.base = base
        self.barrier = barrier
        self.passesEnded = passesEnded
    }

    func removeFinishedQueuedMessages() async throws -> [String] {
        await passesEnded.arrive()
        return try await base.removeFinishedQueuedMessages()
    }

    func claimRecipients(queueID: String, addresses: [String], now: Date) async throws -> [String] {
        try await base.claimRecipients(queueID: queueID, addresses: addresses, now: now)
    }

    func updateRecipients(queueID: String, _ updates: [RecipientUpdate]) async throws {
        try await base.updateRecipients(queueID: queueID, updates)
    }

    func dueRecipients(now: Date, limit: Int) async throws -> [(QueuedMessage, [QueuedRecipient])] {
        let due = try await base.dueRecipients(now: now, limit: limit)
        await barrier.arrive()
        return due
    }
}

/// A one-time barrier for `parties` tasks; later arrivals pass at once.
actor Rendezvous {
    private let parties: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []
    private var open = false

    init(parties: Int) {
        self.parties = parties
    }

    func arrive() async {
        if open { return }
        if waiting.count + 1 >= parties {
            open = true
            for continuation in waiting { continuation.resume() }
            waiting = []
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }
}

/// A store that cannot claim nor batch-update recipients (as one written
/// before claims): both fail with `storageFailure`.
final class PreClaimQueueStore: ForwardingMailStore {
    let base: any MailStore
    init(base: any MailStore) {
        self.base = base
    }

    func claimRecipients(queueID: String, addresses: [String], now: Date) async throws -> [String] {
        throw MailStoreError.storageFailure("this store has no claims")
    }

    func updateRecipients(queueID: String, _ updates: [RecipientUpdate]) async throws {
        throw MailStoreError.storageFailure("this store has no batch updates")
    }
}
