import MailCore

/// The mailbox's keywords as the client knows them (RFC 9051 §7.3.5 FLAGS,
/// §7.1 PERMANENTFLAGS): announced at SELECT, and again, before the first
/// response that shows one, whenever a keyword the mailbox did not have
/// appears (this session's STORE, or another session's change seen at a
/// synchronisation), so that a client checking state never meets a flag it
/// was not told of.
extension SelectedMailbox {
    /// FLAGS and PERMANENTFLAGS for the system flags and `keywords`: `\*`
    /// (any new keyword may be stored) unless read-only, where EXAMINE
    /// allows no change at all.
    static func flagResponses(keywords: [String], isReadOnly: Bool) -> [UntaggedResponse] {
        let permanent = isReadOnly ? [] : IMAPFlags.systemFlagNames + keywords + ["\\*"]
        return [
            .flags(IMAPFlags.systemFlagNames + keywords),
            .condition(.ok, ResponseText(code: .permanentFlags(permanent),
                                         isReadOnly ? "No permanent flags" : "Flags permitted")),
        ]
    }

    /// Notes `keywords` as told to the client (SELECT's FLAGS).
    func noteAnnounced(_ keywords: [String]) {
        for keyword in keywords where announcedKeywordNames.insert(keyword.lowercased()).inserted {
            announcedKeywords.append(keyword)
        }
    }

    /// FLAGS and PERMANENTFLAGS with every keyword known so far when one of
    /// `keywords` was not announced yet; nothing otherwise.
    func announceKeywords(_ keywords: some Sequence<String>) -> [UntaggedResponse] {
        let before = announcedKeywords.count
        for keyword in keywords where announcedKeywordNames.insert(keyword.lowercased()).inserted {
            announcedKeywords.append(keyword)
        }
        guard announcedKeywords.count > before else { return [] }
        return Self.flagResponses(keywords: announcedKeywords, isReadOnly: isReadOnly)
    }
}
