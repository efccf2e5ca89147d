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
    /// item once.
    static func statusResponse(_ mailbox: Mailbox, _ attributes: [StatusAttribute],
                               context: CommandContext) async throws -> UntaggedResponse {
        var unique: [StatusAttribute] = []
        for attribute in attributes where !unique.contains(attribute) { unique.append(attribute) }
        let needsMessages = unique.contains { [.messages, .unseen, .deleted, .size].contains($0) }
        let messages = needsMessages ? try await context.store.messages(mailboxID: mailbox.id) : []
        let values = unique.map { attribute -> (StatusAttribute, UInt64) in
            switch attribute {
            case .messages: return (attribute, UInt64(messages.count))
            case .uidNext: return (attribute, UInt64(mailbox.uidNext))
            case .uidValidity: return (attribute, UInt64(mailbox.uidValidity))
            case .unseen: return (attribute, UInt64(messages.count { !$0.flags.contains(.seen) }))
            case .deleted: return (attribute, UInt64(messages.count { $0.flags.contains(.deleted) }))
            case .size: return (attribute, UInt64(messages.reduce(0) { $0 + $1.size }))
            // \Recent is not kept (RFC 9051 drops it); rev1 clients see 0.
            case .recent: return (attribute, 0)
            case .highestModSeq: return (attribute, UInt64(max(mailbox.highestModSeq, 0)))
            case .appendLimit: return (attribute, UInt64(max(context.maxMessageSize, 0)))
            }
        }
        return .status(MailboxNameCodec.encode(mailbox.name, encoding: context.nameEncoding), values)
    }
}
