/// Annotations on the server and on mailboxes (IMAP METADATA, RFC 5464),
/// kept by the store so every node sees the same. Entry names arrive
/// checked and lowercased by the protocol (RFC 5464 §3.2: entry names are
/// case-insensitive); the store keeps them and their values as given and
/// enforces the limits inside the write's transaction.

/// One entry with its value; a value is octets (RFC 5464 §5 `value` is an
/// nstring or a literal8).
public struct MetadataEntry: Sendable, Hashable {
    public var name: String
    public var value: [UInt8]

    public init(name: String, value: [UInt8]) {
        self.name = name
        self.value = value
    }
}

/// One change of `setMetadata`: a new value, or nil to remove the entry
/// (RFC 5464 §4.3: NIL removes).
public struct MetadataChange: Sendable, Hashable {
    public var name: String
    public var value: [UInt8]?

    public init(name: String, value: [UInt8]?) {
        self.name = name
        self.value = value
    }
}

/// Bounds on what one account may keep (RFC 5464 §4.3 lets a server
/// refuse with `[METADATA MAXSIZE n]` and `[METADATA TOOMANY]`).
public struct MetadataLimits: Sendable, Hashable {
    /// Largest value, in octets.
    public var maximumValueSize: Int
    /// Most entries on the server and all mailboxes of one account together.
    public var maximumEntries: Int
    /// Most octets of names and values of one account together.
    public var maximumTotalSize: Int

    public init(maximumValueSize: Int, maximumEntries: Int, maximumTotalSize: Int) {
        self.maximumValueSize = maximumValueSize
        self.maximumEntries = maximumEntries
        self.maximumTotalSize = maximumTotalSize
    }

    /// 64 KiB a value, 500 entries and 1 MiB an account.
    public static let standard = MetadataLimits(maximumValueSize: 64 * 1024, maximumEntries: 500,
                                                maximumTotalSize: 1024 * 1024)
}

/// Which limit a `setMetadata` would pass (`MailStoreError.metadataLimit`).
public enum MetadataLimitExceeded: Sendable, Hashable {
    /// A value is longer than `maximumValueSize`, which is given.
    case valueTooLarge(maximum: Int)
    /// The account would hold more entries or octets than allowed.
    case tooMany
}
