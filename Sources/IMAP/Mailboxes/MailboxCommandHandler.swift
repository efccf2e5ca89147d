import MailCore
import MailStore

/// The authenticated-state mailbox commands (RFC 9051 §6.3): CREATE (with
/// parents, CREATE-SPECIAL-USE RFC 6154 §3), DELETE, RENAME (INBOX's rule,
/// §6.3.6), SUBSCRIBE, UNSUBSCRIBE, LIST with LIST-EXTENDED (RFC 5258),
/// LIST-STATUS (RFC 5819), SPECIAL-USE and CHILDREN; LSUB (RFC 3501
/// §6.3.9); NAMESPACE (RFC 2342); STATUS (§6.3.11, SIZE, DELETED,
/// HIGHESTMODSEQ, APPENDLIMIT); APPEND and MULTIAPPEND (RFC 3502) with
/// APPENDUID (RFC 4315 §3).
public enum MailboxCommandHandler {
    /// Handles one of `.create`, `.delete`, `.rename`, `.subscribe`,
    /// `.unsubscribe`, `.list`, `.lsub`, `.namespace`, `.status`, `.append`;
    /// any other command is a programming error answered with BAD.
    /// Refusals carry RFC 5530 codes (`[NONEXISTENT]`, `[ALREADYEXISTS]`,
    /// `[TRYCREATE]`, `[TOOBIG]`/`[LIMIT]`, `[CANNOT]`).
    public static func handle(_ command: IMAPCommand, context: CommandContext) async -> CommandResult {
        switch command {
        case .create(let name, let parameters):
            return await MailboxTreeCommands.create(name, parameters: parameters, context: context)
        case .delete(let name):
            return await MailboxTreeCommands.delete(name, context: context)
        case .rename(let from, let to):
            return await MailboxTreeCommands.rename(from: from, to: to, context: context)
        case .subscribe(let name):
            return await MailboxTreeCommands.setSubscribed(name, true, context: context)
        case .unsubscribe(let name):
            return await MailboxTreeCommands.setSubscribed(name, false, context: context)
        case .list(let list):
            return await ListCommandHandler.list(list, context: context)
        case .lsub(let reference, let pattern):
            return await ListCommandHandler.lsub(reference: reference, pattern: pattern, context: context)
        case .namespace:
            // RFC 2342 §5: one personal namespace, no prefix, "/" delimiter.
            return .ok("NAMESPACE completed", untagged: [
                .namespace(personal: [NamespaceDescription(prefix: "", delimiter: MailboxNameCodec.delimiter)],
                           other: [], shared: []),
            ])
        case .status(let name, let attributes):
            return await StatusCommandHandler.handle(name, attributes, context: context)
        case .append(let name, let messages):
            return await AppendCommandHandler.handle(name, messages, context: context)
        case .getQuota(let root):
            return await QuotaCommandHandler.getQuota(root: root, context: context)
        case .getQuotaRoot(let name):
            return await QuotaCommandHandler.getQuotaRoot(name, context: context)
        case .setQuota:
            return QuotaCommandHandler.setQuota()
        case .getMetadata(let name, let entries, let options):
            return await MetadataCommandHandler.get(name, entries: entries, options: options, context: context)
        case .setMetadata(let name, let values):
            return await MetadataCommandHandler.set(name, values, context: context)
        case .capability, .noop, .logout, .unauthenticate, .starttls, .authenticate, .login, .enable, .id, .select,
             .examine, .idle, .compress,
             .check, .close, .unselect, .expunge, .uidExpunge, .search, .sort, .thread, .fetch, .store, .copy, .move,
             .replace:
            return .bad("not a mailbox command")
        }
    }
}
