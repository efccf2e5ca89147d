import MailCore

/// The status of a tagged or untagged condition response (RFC 9051 §7.1).
public enum ResponseStatus: String, Hashable, Sendable {
    case ok = "OK", no = "NO", bad = "BAD", preauth = "PREAUTH", bye = "BYE"
}

/// `resp-text = ["[" resp-text-code "]" SP] text`.
public struct ResponseText: Hashable, Sendable {
    public var code: ResponseCode?
    public var text: String

    public init(code: ResponseCode? = nil, _ text: String) {
        self.code = code
        self.text = text
    }
}

/// LIST/LSUB response data (RFC 9051 §7.3.1; extended data RFC 5258 §3.5, §3.6).
public struct ListResponse: Hashable, Sendable {
    public enum ExtendedItem: Hashable, Sendable {
        /// CHILDINFO ("SUBSCRIBED") (RFC 5258 §3.5).
        case childInfo([String])
        /// OLDNAME (RFC 9051 §6.3.9.7).
        case oldName(MailboxName)
    }

    public var attributes: [String]
    /// The hierarchy delimiter, nil for NIL.
    public var delimiter: Character?
    public var mailbox: MailboxName
    public var extended: [ExtendedItem]

    public init(attributes: [String], delimiter: Character? = "/", mailbox: MailboxName, extended: [ExtendedItem] = []) {
        self.attributes = attributes
        self.delimiter = delimiter
        self.mailbox = mailbox
        self.extended = extended
    }
}

/// One namespace of a NAMESPACE response (RFC 2342 §5).
public struct NamespaceDescription: Hashable, Sendable {
    public var prefix: String
    public var delimiter: Character?

    public init(prefix: String, delimiter: Character?) {
        self.prefix = prefix
        self.delimiter = delimiter
    }
}

/// ESEARCH response data (RFC 4731 §3.1, RFC 9051 §7.3.4).
public struct ESearchResponse: Hashable, Sendable {
    /// The tag of the SEARCH command this answers.
    public var tag: String?
    public var uid: Bool
    public var min: UInt32?
    public var max: UInt32?
    public var count: Int?
    public var all: SequenceSet?
    public var modSeq: UInt64?

    public init(tag: String?, uid: Bool, min: UInt32? = nil, max: UInt32? = nil, count: Int? = nil,
                all: SequenceSet? = nil, modSeq: UInt64? = nil) {
        self.tag = tag
        self.uid = uid
        self.min = min
        self.max = max
        self.count = count
        self.all = all
        self.modSeq = modSeq
    }
}

/// One FETCH response data item (RFC 9051 §7.5.2).
public enum FetchItem: Equatable, Sendable {
    case flags([String])
    case internalDate(MailDate)
    case rfc822Size(Int)
    case envelope(Envelope)
    /// BODY (`extensible: false`) or BODYSTRUCTURE (`extensible: true`).
    case bodyStructure(MIMEPart, extensible: Bool)
    case uid(UInt32)
    case modSeq(UInt64)
    /// `EMAILID (id)`, `THREADID (id)` or `THREADID NIL` (RFC 8474 §5).
    case emailID(String)
    case threadID(String?)
    /// `SAVEDATE "date-time"`, NIL when not known (RFC 8514 §4.1).
    case saveDate(MailDate?)
    /// `PREVIEW "text"` (RFC 8970 §3): "" for a message without text, NIL
    /// when its body could not be read.
    case preview(String?)
    /// BODY[section]<origin> with its data (nil for NIL).
    case bodySection(SectionSpecifier, origin: UInt32?, data: [UInt8]?)
    /// BINARY[part]<origin>: literal8 when the data has NUL.
    case binary(part: [Int], origin: UInt32?, data: [UInt8]?)
    case binarySize(part: [Int], size: Int)
    case rfc822([UInt8]?)
    case rfc822Header([UInt8]?)
    case rfc822Text([UInt8]?)
    /// An item whose data is too big to hold: its name and the literal's
    /// `{n}` CRLF are encoded, the octets are copied from the stored
    /// message by FETCH (`IMAPResponseEncoder.fetchPieces`). Encoded with
    /// `encode` it gives only that prefix.
    case streamed(StreamedItem, StreamedLiteral)
}

/// Untagged response data (RFC 9051 §7).
public enum UntaggedResponse: Hashable, Sendable {
    /// `* OK/NO/BAD/PREAUTH/BYE [code] text`.
    case condition(ResponseStatus, ResponseText)
    case capability([String])
    case enabled([String])
    case flags([String])
    case list(ListResponse)
    case lsub(ListResponse)
    case status(MailboxName, [(StatusAttribute, StatusValue)])
    case namespace(personal: [NamespaceDescription], other: [NamespaceDescription], shared: [NamespaceDescription])
    case exists(UInt32)
    case recent(UInt32)
    case expunge(UInt32)
    /// VANISHED [(EARLIER)] (RFC 7162 §3.2.10).
    case vanished(earlier: Bool, SequenceSet)
    /// SEARCH (rev1), with MODSEQ (RFC 7162 §3.1.5).
    case search([UInt32], modSeq: UInt64?)
    case esearch(ESearchResponse)
    /// `* QUOTA root (resource usage limit …)` (RFC 9208 §5.1).
    case quota(root: String, [QuotaResourceUsage])
    /// `* QUOTAROOT mailbox root…` (RFC 9208 §5.2).
    case quotaRoot(MailboxName, roots: [String])
    /// `* METADATA mailbox (entry value …)` (RFC 5464 §4.4); the empty
    /// mailbox name for server entries.
    case metadata(MailboxName, [MetadataEntryValue])
    /// `* SORT n…` (RFC 5256 §4 `sort-data`), with `(MODSEQ m)` when the
    /// search used MODSEQ (RFC 7162 §3.1.5); nil for none.
    case sort([UInt32], modSeq: UInt64?)
    /// `* THREAD (…)(…)` (RFC 5256 §4 `thread-data`).
    case thread([ThreadNode])
    case fetch(UInt32, [FetchItem])
    /// ID (RFC 2971), nil for NIL.
    case id([IDParameter]?)

    public static func == (lhs: UntaggedResponse, rhs: UntaggedResponse) -> Bool {
        IMAPResponseEncoder.encode(.untagged(lhs)) == IMAPResponseEncoder.encode(.untagged(rhs))
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(IMAPResponseEncoder.encode(.untagged(self)))
    }
}

/// A whole server response.
public enum IMAPResponse: Hashable, Sendable {
    case tagged(tag: String, ResponseStatus, ResponseText)
    case untagged(UntaggedResponse)
    /// `+ text` (RFC 9051 §7.5); also carries base64 SASL challenges.
    case continuation(String)
}
