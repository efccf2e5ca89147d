// Local delivery: one message into the INBOX of several accounts, all or
// nothing, in one store transaction sharing one body file
// (`MailStore.deliverMessage`): when `deliver` returns every copy is
// durable, and when it throws no account has the message.
import Foundation
import Logging
import MailCore
import MailStore

struct LocalDelivery: Sendable {
    let store: any MailStore
    let logger: Logger

    /// Delivers `body` to the INBOX of each account (each once). RFC 5321
    /// §4.2.5, §6.1: if it throws, no recipient got the message, so the
    /// client may be told it failed.
    func deliver(_ body: [UInt8], to accounts: [Account], internalDate: Date) async throws -> [MessageRecord] {
        guard !accounts.isEmpty else { return [] }
        var inboxes: [MailboxID] = []
        for account in accounts {
            guard let inbox = try await store.mailbox(accountID: account.id, name: "INBOX") else {
                throw MailStoreError.mailboxNotFound("INBOX of \(account.address)")
            }
            inboxes.append(inbox.id)
        }
        return try await store.deliverMessage(NewMessage(body: body, internalDate: internalDate), to: inboxes)
    }

    /// Takes back a committed delivery when what had to go with it (the
    /// outbound queue's part of the same message) failed: the local copies
    /// and the queue are two stores' calls, so this is the one remaining
    /// compensation.
    func rollBack(_ stored: [MessageRecord]) async {
        for record in stored {
            do {
                _ = try await store.expunge(mailboxID: record.mailboxID, uids: [record.uid])
            } catch {
                logger.error("cannot remove a delivered copy after the queue failed",
                             metadata: ["mailbox": "\(record.mailboxID)", "uid": "\(record.uid)",
                                        "error": "\(error)"])
            }
        }
    }
}
