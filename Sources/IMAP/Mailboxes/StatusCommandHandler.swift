import MailCore
import MailStore

/// STATUS (RFC 9051 §6.3.11): counts of a mailbox without selecting it.
/// Also used for LIST-STATUS (RFC 5819).
enum StatusCommandHandler {
    static func handle(_ name: MailboxName, _ attributes: [StatusAttribute], context: CommandContext) async
        -> CommandResult {
        let storeName: String
        do {
            storeName = try MailboxNameCodec.decode(name, encoding: context.nameEncoding)
        } catch {
            return MailboxCommandErrors.invalidName(error)
        }
        do {
            guard let mailbox = try await context.store.mailbox(accountID: context.account.id, name: storeName) else {
                return .no("no such mailbox", code: .nonExistent)
            }
            let response = try await statusResponse(mailbox, attributes, context: context)
            return .ok("STATUS completed", untagged: [response])
        } catch {
            return MailboxCommandErrors.result(for: error, context: context)
        }
    }

    /// `* STATUS name (item value ...)` in the order the client asked, each
    /// item once, from the store's counters (`MailStore.mailboxStatus`):
    /// no message is read. `status` is given when the caller has read it
    /// already (LIST-STATUS reads every mailbox's in one call).
    static func statusResponse(_ mailbox: Mailbox, _ attributes: [StatusAttribute], status: MailboxStatus? = nil,
                               context: CommandContext) async throws -> UntaggedResponse {
        var unique: [StatusAttribute] = []
        for attribute in attributes where !unique.contains(attribute) { unique.append(attribute) }
        let counts: MailboxStatus
        if let status {
            counts = status
        } else {
            counts = try await context.store.mailboxStatus(id: mailbox.id)
        }
        // RFC 3501 §6.3.10: the messages still `\Recent` (no session has
        // taken them); only asked for, and only rev1 has the flag.
        var recent = 0
        if unique.contains(.recent) && !context.enabled.contains(.imap4rev2) {
            recent = try await context.store.recentMessages(mailboxID: mailbox.id, claim: false).count
        }
        // Summed only when asked for (it reads the mailbox's rows).
        let deletedStorage = unique.contains(.deletedStorage) ? try await context.store.deletedStorage(mailboxID: mailbox.id) : 0
        let values = unique.map { attribute -> (StatusAttribute, StatusValue) in
            if attribute == .mailboxID { return (attribute, .objectID(ObjectID.mailbox(mailbox))) }
            let number: UInt64 = switch attribute {
            case .messages: UInt64(max(counts.messages, 0))
            case .uidNext: UInt64(counts.uidNext)
            case .uidValidity: UInt64(counts.uidValidity)
            case .unseen: UInt64(max(counts.unseen, 0))
            case .deleted: UInt64(max(counts.deleted, 0))
            case .size: UInt64(max(counts.size, 0))
            case .recent: UInt64(recent)
            case .highestModSeq: UInt64(max(counts.highestModSeq, 0))
            case .appendLimit: UInt64(max(context.maxMessageSize, 0))
            case .mailboxID: 0
            // In 1024-octet units, as QUOTA's STORAGE (RFC 9208 §4.2, §5.1).
            case .deletedStorage: UInt64(max(deletedStorage, 0) / 1024)
            }
            return (attribute, .number(number))
        }
        return .status(MailboxNameCodec.encode(mailbox.name, encoding: context.nameEncoding), values)
    }
}
