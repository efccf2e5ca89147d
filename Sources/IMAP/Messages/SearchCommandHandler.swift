import Foundation
import MailCore
import MailStore

/// SEARCH and UID SEARCH (RFC 9051 §6.4.4) with every search key, CHARSET
/// UTF-8 and US-ASCII (`[BADCHARSET]` for others), ESEARCH return options
/// (RFC 4731: MIN MAX ALL COUNT; SAVE, RFC 5182) and MODSEQ (RFC 7162 §3.1.5).
public enum SearchCommandHandler {
    /// The charsets SEARCH accepts (RFC 9051 §6.4.4 requires US-ASCII and UTF-8).
    static let charsets = ["UTF-8", "US-ASCII"]

    /// A rev1 client without RETURN gets `* SEARCH`; with RETURN, or after
    /// ENABLE IMAP4rev2, `* ESEARCH (TAG "tag") [UID] ...`. `SAVE` stores
    /// the matching UIDs in `selected.savedSearchResult`.
    public static func search(_ command: SearchCommand, uid: Bool, tag: String,
                              selected: SelectedMailbox, context: CommandContext) async -> CommandResult {
        let saves = command.returnOptions?.contains(.save) ?? false
        let result = await run(command, uid: uid, tag: tag, selected: selected, context: context)
        // RFC 5182 §2.1: a failed SEARCH with SAVE leaves `$` empty.
        if saves && result.status != .ok { selected.savedSearchResult = [] }
        return result
    }

    static func run(_ command: SearchCommand, uid: Bool, tag: String,
                    selected: SelectedMailbox, context: CommandContext) async -> CommandResult {
        if let refused = refusedCharset(command.charset) { return refused }
        let matches: [SearchMatch]
        do {
            matches = try await Self.matches(command.key, selected: selected, context: context)
        } catch {
            return SelectedMailboxCommands.storeFailure(error, command: "SEARCH", context: context)
        }
        let results = SearchResults(matches: matches, uid: uid, reportModSeq: command.key.usesModSeq)
        if let options = command.returnOptions, options.contains(.save) {
            selected.savedSearchResult = results.savedUIDs(returnOptions: options)
        }
        let untagged = results.responses(returnOptions: command.returnOptions, tag: tag,
                                         rev2: context.enabled.contains(.imap4rev2))
        return .ok("SEARCH completed", untagged: untagged)
    }

    /// The messages of the view that match `key`, ascending (also what
    /// SORT and THREAD start from, RFC 5256 §3, §4): from the view alone
    /// when its keys allow, else reading what each message's answer needs.
    static func matches(_ key: SearchKey, selected: SelectedMailbox, context: CommandContext) async throws
        -> [SearchMatch] {
        let evaluator = SearchEvaluator(key: key, messageCount: selected.count,
                                        largestUID: selected.entries.last?.uid ?? 0,
                                        savedResult: selected.savedSearchResult)
        if evaluator.isDecidedByView { return evaluator.viewMatches(in: selected) }
        var matches: [SearchMatch] = []
        try await evaluator.forEachMatch(in: selected.allMessages, mailboxID: selected.mailbox.id,
                                         store: context.store) { message, _ in
            matches.append(SearchMatch(sequenceNumber: message.sequenceNumber, uid: message.uid,
                                       modSeq: message.modSeq))
        }
        return matches
    }

    /// `NO [BADCHARSET]` for a charset SEARCH, SORT and THREAD do not take; nil for one they do.
    static func refusedCharset(_ charset: String?) -> CommandResult? {
        guard let charset, !charsets.contains(charset.uppercased()) else { return nil }
        return .no("unsupported charset \(charset)", code: .badCharset(charsets))
    }
}
