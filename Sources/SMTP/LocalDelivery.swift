// Local delivery: one message into the INBOX of several accounts, all or
// nothing, in one store transaction sharing one body file
// (`MailStore.deliverMessage`): when `deliver` returns every copy is
// durable, and when it throws no account has the message. With relayed
// recipients too, `MessageDelivery` stores the copies through the
// outbound queue instead (`OutboundQueue.enqueue(…localCopies:)`, one
// transaction with the queued copy).
import Foundation
import Logging
import MailCore
import MailStore

struct LocalDelivery: Sendable {
    let store: any MailStore
    let logger: Logger

    /// Delivers the spooled message to the INBOX of each account (each
    /// once), all sharing the one blob adopted from the spool. RFC 5321
    /// §4.2.5, §6.1: if it throws, no recipient got the message, so the
    /// client may be told it failed.
    func deliver(_ spool: SpoolFile, to accounts: [Account], internalDate: Date) async throws -> [MessageRecord] {
        guard !accounts.isEmpty else { return [] }
        return try await store.deliverMessage(spooled: spool, internalDate: internalDate, to: inboxes(of: accounts))
    }

    /// `deliver` of a small message made here (a DSN), given whole.
    func deliver(_ body: [UInt8], to accounts: [Account], internalDate: Date) async throws -> [MessageRecord] {
        guard !accounts.isEmpty else { return [] }
        return try await store.deliverMessage(NewMessage(body: body, internalDate: internalDate),
                                              to: inboxes(of: accounts))
    }

    /// The INBOX of each account, in order; `mailboxNotFound` if one has none.
    func inboxes(of accounts: [Account]) async throws -> [MailboxID] {
        var inboxes: [MailboxID] = []
        for account in accounts {
            guard let inbox = try await store.mailbox(accountID: account.id, name: "INBOX") else {
                throw MailStoreError.mailboxNotFound("INBOX of \(account.address)")
            }
            inboxes.append(inbox.id)
        }
        return inboxes
    }
}
