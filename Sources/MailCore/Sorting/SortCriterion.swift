/// One SORT criterion (RFC 5256 §3, RFC 5957 §3).
public enum SortKey: Sendable, Equatable, Hashable, CaseIterable {
    /// The internal date and time (ARRIVAL).
    case arrival
    /// The addr-mailbox of the first Cc address (CC).
    case cc
    /// The sent date (DATE, §2.2): the Date field in UTC, or the internal
    /// date when it is missing or invalid.
    case date
    /// The addr-mailbox of the first From address (FROM).
    case from
    /// The size in octets (SIZE).
    case size
    /// The base subject (SUBJECT, §2.1).
    case subject
    /// The addr-mailbox of the first To address (TO).
    case to
    /// The display name of the first From address, else its addr-spec
    /// (DISPLAYFROM, RFC 5957).
    case displayFrom
    /// The display name of the first To address, else its addr-spec
    /// (DISPLAYTO, RFC 5957).
    case displayTo

    /// The criterion named by a SORT command atom (case-insensitive), e.g.
    /// "ARRIVAL" or "DISPLAYFROM"; nil for other names (REVERSE is a
    /// modifier, see `SortCriterion`).
    public init?(name: String) {
        switch ByteText.asciiLowercased(name) {
        case "arrival": self = .arrival
        case "cc": self = .cc
        case "date": self = .date
        case "from": self = .from
        case "size": self = .size
        case "subject": self = .subject
        case "to": self = .to
        case "displayfrom": self = .displayFrom
        case "displayto": self = .displayTo
        default: return nil
        }
    }
}

/// A sort key, ascending or (REVERSE) descending. REVERSE reverses only its
/// own key: messages equal in every key stay in ascending sequence order
/// (RFC 5256 §3: "REVERSE only reverses a single criterion, and does not
/// affect the implicit 'sequence number' sort criterion").
public struct SortCriterion: Sendable, Equatable, Hashable {
    public var key: SortKey
    public var reversed: Bool

    public init(_ key: SortKey, reversed: Bool = false) {
        self.key = key
        self.reversed = reversed
    }
}
