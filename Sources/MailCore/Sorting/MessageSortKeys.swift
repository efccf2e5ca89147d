/// Every SORT key of one message (RFC 5256 §3, RFC 5957), computed once
/// — when the message is stored — so a SORT compares stored values
/// instead of parsing headers: the sent date (UTC seconds, the internal
/// date when the Date field is missing or invalid, §2.2) and the
/// i;unicode-casemap keys of the base subject, of the first From, To and
/// Cc mailbox, and of the first From and To display names.
public struct MessageSortKeys: Sendable, Hashable {
    public var sentDate: Int64
    public var subject: [UInt8]
    public var from: [UInt8]
    public var to: [UInt8]
    public var cc: [UInt8]
    public var displayFrom: [UInt8]
    public var displayTo: [UInt8]

    public init(sentDate: Int64, subject: [UInt8], from: [UInt8], to: [UInt8], cc: [UInt8], displayFrom: [UInt8],
                displayTo: [UInt8]) {
        self.sentDate = sentDate
        self.subject = subject
        self.from = from
        self.to = to
        self.cc = cc
        self.displayFrom = displayFrom
        self.displayTo = displayTo
    }

    /// The keys of a message (its header fields read with `Fields.all`).
    public init(_ message: SortableMessage) {
        self.init(sentDate: SortKeyValues.sentDate(message), subject: SortKeyValues.subject(message),
                  from: SortKeyValues.firstMailbox(message.from), to: SortKeyValues.firstMailbox(message.to),
                  cc: SortKeyValues.firstMailbox(message.cc), displayFrom: SortKeyValues.firstDisplayName(message.from),
                  displayTo: SortKeyValues.firstDisplayName(message.to))
    }
}

/// A message to sort by its stored keys (`MessageSorter.sort(keyed:by:)`).
public struct KeyedSortMessage: Sendable, Hashable {
    /// Sequence number or UID, as in `SortableMessage.id`.
    public var id: UInt32
    /// Internal date, UTC seconds (ARRIVAL).
    public var internalDate: Int64
    public var size: Int
    public var keys: MessageSortKeys

    public init(id: UInt32, internalDate: Int64, size: Int, keys: MessageSortKeys) {
        self.id = id
        self.internalDate = internalDate
        self.size = size
        self.keys = keys
    }
}
