import Foundation
import Synchronization
import MailCore
import MailStore

/// Forwards to a real store, but `appendMessage` fails from its
/// `failFromAppend`-th call on (1-based): a disk that fills up mid-delivery.
final class FailingMailStore: ForwardingMailStore {
    let base: any MailStore
    private let appends = Mutex(0)
    let failFromAppend: Int

    init(base: any MailStore, failFromAppend: Int) {
        self.base = base
        self.failFromAppend = failFromAppend
    }

    func appendMessage(mailboxID: MailboxID, _ message: NewMessage) async throws -> MessageRecord {
        let count = appends.withLock { value in
            value += 1
            return value
        }
        if count >= failFromAppend { throw MailStoreError.storageFailure("disk full (test)") }
        return try await base.appendMessage(mailboxID: mailboxID, message)
    }
}
