import Foundation
import MailStore
@testable import SMTP

/// An outbound queue kept in a `MailStore`, as the server's
/// `StoreOutboundQueue` (in the Server module, which the SMTP tests do not
/// import) keeps it: a message with local recipients goes into the store in
/// one `deliverAndEnqueue`, so a store fault there stores nothing at all.
struct StoreBackedOutboundQueue: OutboundQueue {
    let store: any MailStore

    private func draft(sender: String?, recipients: [OutboundRecipient], dsn: DSNParameters,
                       authenticatedUser: String?, body: [UInt8]) -> OutboundMessageDraft {
        OutboundMessageDraft(sender: sender ?? "",
                             recipients: recipients.map { OutboundMessageDraft.Recipient(address: $0.address) },
                             authenticatedUser: authenticatedUser, smtpUTF8: dsn.smtpUTF8, body: body)
    }

    func enqueue(sender: String?, recipients: [OutboundRecipient], dsn: DSNParameters,
                 authenticatedUser: String?, body: [UInt8]) async throws -> String {
        try await store.enqueueOutbound(draft(sender: sender, recipients: recipients, dsn: dsn,
                                              authenticatedUser: authenticatedUser, body: body)).id
    }

    func enqueue(sender: String?, recipients: [OutboundRecipient], dsn: DSNParameters,
                 authenticatedUser: String?, spooled: SpoolFile) async throws -> String {
        try await store.enqueueOutbound(draft(sender: sender, recipients: recipients, dsn: dsn,
                                              authenticatedUser: authenticatedUser, body: []),
                                        spooled: spooled).id
    }

    func enqueue(sender: String?, recipients: [OutboundRecipient], dsn: DSNParameters,
                 authenticatedUser: String?, spooled: SpoolFile, localCopies: LocalCopies) async throws
        -> (records: [MessageRecord], queueID: String) {
        let result = try await store.deliverAndEnqueue(
            spooled: localCopies.spool, internalDate: localCopies.internalDate, to: localCopies.mailboxIDs,
            outbound: draft(sender: sender, recipients: recipients, dsn: dsn, authenticatedUser: authenticatedUser,
                            body: []),
            spooled: spooled)
        return (result.records, result.queued.id)
    }
}
