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
        .bad("not implemented")
    }
}
