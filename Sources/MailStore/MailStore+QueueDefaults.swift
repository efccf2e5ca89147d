import Foundation

/// Defaults for stores without an outbound queue (test doubles that wrap a
/// store): every queue operation fails, so nothing is silently dropped.
extension MailStore {
    public func enqueueOutbound(_ draft: OutboundMessageDraft) async throws -> QueuedMessage {
        throw Self.noQueue
    }

    public func queuedMessages() async throws -> [QueuedMessage] { throw Self.noQueue }

    public func queuedMessage(id: String) async throws -> QueuedMessage? { throw Self.noQueue }

    public func queuedMessageBody(id: String) async throws -> [UInt8] { throw Self.noQueue }

    public func dueRecipients(now: Date, limit: Int) async throws -> [(QueuedMessage, [QueuedRecipient])] {
        throw Self.noQueue
    }

    public func claimRecipients(queueID: String, addresses: [String], now: Date) async throws -> [String] {
        throw Self.noQueue
    }

    public func updateRecipients(queueID: String, _ updates: [RecipientUpdate]) async throws {
        throw Self.noQueue
    }

    public func updateRecipient(queueID: String, address: String, state: QueuedRecipientState, lastError: String?,
                                nextAttemptAt: Date?) async throws {
        throw Self.noQueue
    }

    public func retryNow(queueID: String) async throws { throw Self.noQueue }

    public func requeueInterruptedDeliveries() async throws -> Int { throw Self.noQueue }

    public func deleteQueuedMessage(id: String) async throws { throw Self.noQueue }

    public func removeFinishedQueuedMessages() async throws -> [String] { throw Self.noQueue }

    private static var noQueue: MailStoreError {
        .storageFailure("this store has no outbound queue")
    }
}
