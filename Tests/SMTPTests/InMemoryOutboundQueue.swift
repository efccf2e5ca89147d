import Foundation
import MailStore
import Synchronization
@testable import SMTP

/// An outbound queue that keeps messages in memory (tests only; the
/// store-backed queue comes with the outbound issue).
final class InMemoryOutboundQueue: OutboundQueue {
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
