import MailStore
import MailCore

/// A generic extension value (`tagged-ext-val`, RFC 4466 §2.1), used for
/// SELECT/EXAMINE parameters (CONDSTORE, QRESYNC) and other extensions.
public indirect enum ExtensionValue: Hashable, Sendable {
    /// An atom, a number or a sequence set, as text.
    case token(String)
    case string([UInt8])
    case list([ExtensionValue])
}

/// A named parameter with an optional value (`tagged-ext`, RFC 4466).
public struct CommandParameter: Hashable, Sendable {
    public var name: String
    public var value: ExtensionValue?

    public init(name: String, value: ExtensionValue? = nil) {
        self.name = name
        self.value = value
    }
}

/// LIST selection options (RFC 5258 §3.1).
public enum ListSelectOption: Hashable, Sendable {
    case subscribed, remote, recursiveMatch, specialUse
    case other(String)
}

/// LIST return options (RFC 5258 §3.2, STATUS RFC 5819, SPECIAL-USE RFC 6154).
public enum ListReturnOption: Hashable, Sendable {
    case subscribed, children, specialUse
    case status([StatusAttribute])
    case other(String)
}

/// A LIST command (RFC 9051 §6.3.9 with RFC 5258 extensions).
public struct ListCommand: Hashable, Sendable {
    public var selectOptions: [ListSelectOption]
    public var reference: MailboxName
    /// One or more patterns with `*` and `%` wildcards, raw bytes.
    public var patterns: [[UInt8]]
    public var returnOptions: [ListReturnOption]

    public init(selectOptions: [ListSelectOption] = [], reference: MailboxName, patterns: [[UInt8]],
                returnOptions: [ListReturnOption] = []) {
        self.selectOptions = selectOptions
        self.reference = reference
        self.patterns = patterns
        self.returnOptions = returnOptions
    }
}

/// STATUS data items (RFC 9051 §6.3.11; RECENT RFC 3501; HIGHESTMODSEQ RFC 7162).
public enum StatusAttribute: String, Hashable, Sendable, CaseIterable {
    case messages = "MESSAGES", uidNext = "UIDNEXT", uidValidity = "UIDVALIDITY", unseen = "UNSEEN"
    case deleted = "DELETED", size = "SIZE", recent = "RECENT", highestModSeq = "HIGHESTMODSEQ"
    case appendLimit = "APPENDLIMIT"
    /// OBJECTID (RFC 8474 §4).
    case mailboxID = "MAILBOXID"
    /// QUOTA (RFC 9208 §4.2): the octets an EXPUNGE would free.
    case deletedStorage = "DELETED-STORAGE"
}

/// The value of one STATUS item: a number, or MAILBOXID's `(objectid)`.
public enum StatusValue: Hashable, Sendable {
    case number(UInt64)
    case objectID(String)
}

/// One message of an APPEND (RFC 9051 §6.3.12; MULTIAPPEND RFC 3502).
public struct AppendMessage: Hashable, Sendable {
    public var flags: [String]
    public var date: MailDate?
    public var data: [UInt8]
    /// Sent as literal8 `~{n}` (BINARY, RFC 3516 §4.4).
    public var isBinary: Bool
    /// The literal's bytes when the parser wrote them to a spool file as
    /// they arrived (`IMAPCommandParser.spoolFactory`); `data` is then empty.
    public var spool: SpoolFile?

    public init(flags: [String] = [], date: MailDate? = nil, data: [UInt8], isBinary: Bool = false,
                spool: SpoolFile? = nil) {
        self.flags = flags
        self.date = date
        self.data = data
        self.isBinary = isBinary
        self.spool = spool
    }

    /// Octets of the message, in memory or spooled.
    public var size: Int { spool?.size ?? data.count }

    // A spool compares by identity (the same file).
    public static func == (lhs: AppendMessage, rhs: AppendMessage) -> Bool {
        lhs.flags == rhs.flags && lhs.date == rhs.date && lhs.data == rhs.data && lhs.isBinary == rhs.isBinary
            && lhs.spool.map(ObjectIdentifier.init) == rhs.spool.map(ObjectIdentifier.init)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(flags)
        hasher.combine(date)
        hasher.combine(data)
        hasher.combine(isBinary)
        hasher.combine(spool.map(ObjectIdentifier.init))
    }
}

/// STORE actions (RFC 9051 §6.4.6).
public struct StoreAction: Hashable, Sendable {
    public enum Operation: Hashable, Sendable { case replace, add, remove }
    public var operation: Operation
    public var silent: Bool
    public var flags: [String]

    public init(operation: Operation, silent: Bool = false, flags: [String]) {
        self.operation = operation
        self.silent = silent
        self.flags = flags
    }
}

/// One ID parameter pair (RFC 2971 §3.3).
public struct IDParameter: Hashable, Sendable {
    public var key: [UInt8]
    public var value: [UInt8]?

    public init(key: [UInt8], value: [UInt8]?) {
        self.key = key
        self.value = value
    }

    public init(_ key: String, _ value: String?) {
        self.init(key: Array(key.utf8), value: value.map { Array($0.utf8) })
    }
}
