import MailCore
import MailStore

/// SEARCH and UID SEARCH (RFC 9051 §6.4.4) with every search key, CHARSET
/// UTF-8 and US-ASCII (`[BADCHARSET]` for others), ESEARCH return options
/// (RFC 4731: MIN MAX ALL COUNT; SAVE, RFC 5182) and MODSEQ (RFC 7162 §3.1.5).
public enum SearchCommandHandler {
    /// A rev1 client without RETURN gets `* SEARCH`; with RETURN, or after
    /// ENABLE IMAP4rev2, `* ESEARCH (TAG "tag") [UID] ...`. `SAVE` stores
    /// the matching UIDs in `selected.savedSearchResult`.
    public static func search(_ command: SearchCommand, uid: Bool, tag: String,
                              selected: SelectedMailbox, context: CommandContext) async -> CommandResult {
        .no("not implemented")
    }
}
