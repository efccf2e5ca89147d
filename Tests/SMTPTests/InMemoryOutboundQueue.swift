import Foundation
import MailStore
import Synchronization
@testable import SMTP

/// An outbound queue that keeps messages in memory (tests only; the
/// product's is `StoreOutboundQueue`). The local copies that go with a
/// queued message are stored in `store`, after the queue's own failure
/// (`failNextEnqueue`) is decided, so like the store's one transaction a
/// failed enqueue stores no local copy.
final class InMemoryOutboundQueue: OutboundQueue {
    let store: (any MailStore)?

    init(store: (any MailStore)? = nil) {
        self.store = store
    }

    struct Entry: Sendable {
        var id: String
        var sender: String?
        var recipients: [OutboundRecipient]
        var dsn: DSNParameters
        var authenticatedUser: String?
        var body: [UInt8]
    }

    private let state = Mutex<(entries: [Entry], failNext: Bool)>(([], false))

    var entries: [Entry] { state.withLock { $0.entries } }

    /// Makes the next enqueue throw.
    func failNextEnqueue() { state.withLock { $0.failNext = true } }

    func enqueue(sender: String?, recipients: [OutboundRecipient], dsn: DSNParameters,
                 authenticatedUser: String?, spooled: SpoolFile) async throws -> String {
        try spooled.finish()
        let body = try spooled.read(offset: 0, count: spooled.size)
        return try await enqueue(sender: sender, recipients: recipients, dsn: dsn,
                                 authenticatedUser: authenticatedUser, body: body)
    }

    func enqueue(sender: String?, recipients: [OutboundRecipient], dsn: DSNParameters,
                 authenticatedUser: String?, spooled: SpoolFile, localCopies: LocalCopies) async throws
        -> (records: [MessageRecord], queueID: String) {
        guard let store else { throw CocoaError(.featureUnsupported) }
        try spooled.finish()
        let body = try spooled.read(offset: 0, count: spooled.size)
        try state.withLock { state in
            if state.failNext {
                state.failNext = false
                throw CocoaError(.fileWriteUnknown)
            }
        }
        let records = try await store.deliverMessage(spooled: localCopies.spool, internalDate: localCopies.internalDate,
                                                     to: localCopies.mailboxIDs)
        let id = try await enqueue(sender: sender, recipients: recipients, dsn: dsn,
                                   authenticatedUser: authenticatedUser, body: body)
        return (records, id)
    }

    func enqueue(sender: String?, recipients: [OutboundRecipient], dsn: DSNParameters,
                 authenticatedUser: String?, body: [UInt8]) async throws -> String {
        try state.withLock { state in
            if state.failNext {
                state.failNext = false
                throw CocoaError(.fileWriteUnknown)
            }
            let id = "Q\(state.entries.count + 1)"
            state.entries.append(Entry(id: id, sender: sender, recipients: recipients, dsn: dsn,
                                       authenticatedUser: authenticatedUser, body: body))
            return id
        }
    }
}
