// Local delivery: one copy per account into its INBOX, all or nothing.
// The store's appendMessage returns only once a copy is durable (body
// fsynced, metadata committed), so when `deliver` returns every copy is.
import Foundation
import Logging
import MailCore
import MailStore

struct LocalDelivery: Sendable {
    /// One copy for one account.
    struct Copy: Sendable {
        var account: Account
        var body: [UInt8]
    }

    let store: any MailStore
    let logger: Logger

    /// Appends every copy; if one fails, the ones already stored are
    /// expunged again and the error is rethrown, so no recipient gets a
    /// message the client will be told failed (RFC 5321 §4.2.5, §6.1).
    func deliver(_ copies: [Copy], internalDate: Date) async throws -> [(MailboxID, MessageUID)] {
        var stored: [(MailboxID, MessageUID)] = []
        do {
            for copy in copies {
                guard let inbox = try await store.mailbox(accountID: copy.account.id, name: "INBOX") else {
                    throw MailStoreError.mailboxNotFound("INBOX of \(copy.account.address)")
                }
                let record = try await store.appendMessage(mailboxID: inbox.id,
                                                           NewMessage(body: copy.body, internalDate: internalDate))
                stored.append((inbox.id, record.uid))
            }
            return stored
        } catch {
            await rollBack(stored)
            throw error
        }
    }

    /// Removes copies stored before a failure.
    func rollBack(_ stored: [(MailboxID, MessageUID)]) async {
        for (mailboxID, uid) in stored {
            do {
                _ = try await store.expunge(mailboxID: mailboxID, uids: [uid])
            } catch {
                logger.error("cannot remove a partly delivered copy",
                             metadata: ["mailbox": "\(mailboxID)", "uid": "\(uid)", "error": "\(error)"])
            }
        }
    }
}
