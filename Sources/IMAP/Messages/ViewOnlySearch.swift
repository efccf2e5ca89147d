import MailCore
import MailStore

/// SEARCH whose keys the selected view answers alone (flags, keywords,
/// MODSEQ, UID and sequence sets, `$`, and NOT/OR/AND of them, RFC 9051
/// §6.4.4): the view's compact entries are walked once, with no candidate,
/// no store call and, unless a key names a keyword, no keyword list per
/// message. `UID SEARCH UNSEEN` of a 100,000-message mailbox is then one
/// pass over 2.3 MiB.
extension SearchEvaluator {
    /// True when every key is answered from the view (`matchesFromView`
    /// never returns nil).
    var isDecidedByView: Bool { Self.isDecidedByView(key) }

    static func isDecidedByView(_ key: SearchKey) -> Bool {
        switch key {
        case .all, .answered, .deleted, .flagged, .seen, .draft, .unanswered, .undeleted, .unflagged, .unseen,
             .undraft, .new, .recent, .old, .keyword, .unkeyword, .modSeq, .uid, .sequenceSet:
            return true
        case .not(let inner): return isDecidedByView(inner)
        case .or(let left, let right): return isDecidedByView(left) && isDecidedByView(right)
        case .and(let keys): return keys.allSatisfy(isDecidedByView)
        default: return false
        }
    }

    /// True when a key looks at keywords.
    var usesKeywords: Bool {
        Self.contains(key) { key in
            switch key {
            case .keyword, .unkeyword: return true
            default: return false
            }
        }
    }

    /// The messages of the view that match, ascending; only for a key
    /// `isDecidedByView`.
    func viewMatches(in selected: SelectedMailbox) -> [SearchMatch] {
        let keywordLists = usesKeywords ? selected.keywordLists.lists : []
        var matches: [SearchMatch] = []
        for (index, entry) in selected.entries.enumerated() {
            let message = SelectedMessage(sequenceNumber: UInt32(index + 1), uid: entry.uid, modSeq: entry.modSeq,
                                          flags: MessageFlags(rawValue: Int(entry.flags)),
                                          keywords: keywordLists.isEmpty ? [] : keywordLists[Int(entry.keywords)],
                                          isRecent: !selected.recent.isEmpty && selected.recent.contains(entry.uid))
            if matchesFromView(message) == true {
                matches.append(SearchMatch(sequenceNumber: message.sequenceNumber, uid: entry.uid,
                                           modSeq: entry.modSeq))
            }
        }
        return matches
    }
}
