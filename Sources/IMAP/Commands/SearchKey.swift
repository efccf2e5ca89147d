import MailCore

/// SEARCH keys (RFC 9051 §6.4.4, §9 `search-key`; MODSEQ RFC 7162 §3.1.5).
public indirect enum SearchKey: Hashable, Sendable {
    case all
    case answered, deleted, flagged, seen, draft
    case unanswered, undeleted, unflagged, unseen, undraft
    /// RFC 3501 keys kept for rev1 clients.
    case new, old, recent
    case keyword(String)
    case unkeyword(String)
    case bcc([UInt8]), body([UInt8]), cc([UInt8]), from([UInt8])
    case subject([UInt8]), text([UInt8]), to([UInt8])
    case header(field: String, value: [UInt8])
    /// Internal date comparisons (date only, midnight UTC).
    case before(MailDate), on(MailDate), since(MailDate)
    /// Date header comparisons.
    case sentBefore(MailDate), sentOn(MailDate), sentSince(MailDate)
    case larger(UInt64), smaller(UInt64)
    /// WITHIN (RFC 5032 §3): the internal date more than / at most this
    /// many seconds before the SEARCH runs.
    case older(UInt32), younger(UInt32)
    case uid(SequenceSet)
    case sequenceSet(SequenceSet)
    case not(SearchKey)
    case or(SearchKey, SearchKey)
    /// A parenthesised list: all keys must match.
    case and([SearchKey])
    /// MODSEQ [entry-name entry-type] mod-sequence-valzer.
    case modSeq(entry: (name: [UInt8], type: String)?, value: UInt64)
    /// OBJECTID (RFC 8474 §6): EMAILID and THREADID search keys.
    case emailID(String)
    case threadID(String)
    /// SAVEDATE (RFC 8514 §4.2): the save date's day, and whether the mailbox keeps save dates.
    case savedBefore(MailDate), savedOn(MailDate), savedSince(MailDate)
    case saveDateSupported

    public static func == (lhs: SearchKey, rhs: SearchKey) -> Bool { lhs.canonical == rhs.canonical }
    public func hash(into hasher: inout Hasher) { hasher.combine(canonical) }

    /// The key as IMAP text, used for equality (the tuple in `.modSeq` is
    /// not Hashable) and by the command encoder.
    var canonical: String {
        var writer = IMAPWriter()
        writer.writeSearchKey(self)
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}

/// ESEARCH RETURN options (RFC 4731 §3.1, SAVE RFC 5182).
public enum SearchReturnOption: String, Hashable, Sendable, CaseIterable {
    case min = "MIN", max = "MAX", all = "ALL", count = "COUNT", save = "SAVE"
}

/// A SEARCH or UID SEARCH command.
public struct SearchCommand: Hashable, Sendable {
    /// nil when no RETURN was given (plain SEARCH response); an empty
    /// array for `RETURN ()` (means ALL, RFC 4731 §3.1).
    public var returnOptions: [SearchReturnOption]?
    public var charset: String?
    public var key: SearchKey

    public init(returnOptions: [SearchReturnOption]? = nil, charset: String? = nil, key: SearchKey) {
        self.returnOptions = returnOptions
        self.charset = charset
        self.key = key
    }
}
