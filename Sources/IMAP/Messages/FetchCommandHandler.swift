import MailCore
import MailStore

/// FETCH and UID FETCH (RFC 9051 §6.4.5, §6.4.8; BINARY RFC 3516;
/// CHANGEDSINCE and VANISHED modifiers RFC 7162 §3.1.4, §3.2.6).
public enum FetchCommandHandler {
    /// Streams one `* n FETCH (...)` response per message through
    /// `context.write` as it goes (a large mailbox is never built in memory),
    /// reading a body only when an attribute needs it and taking ENVELOPE and
    /// BODYSTRUCTURE from the structure parsed at delivery. Sets `\Seen`
    /// where RFC 9051 §6.4.5 says (BODY[...] without PEEK, RFC822,
    /// RFC822.TEXT, BINARY without PEEK) unless the mailbox is read-only,
    /// and tells `selected` about that change. UID FETCH always includes UID.
    /// The returned result carries only the tagged completion.
    public static func fetch(_ set: SequenceSet, attributes: [FetchAttribute], modifiers: [FetchModifier],
                             uid: Bool, selected: SelectedMailbox, context: CommandContext) async -> CommandResult {
        .no("not implemented")
    }
}
