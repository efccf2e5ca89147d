/// The IMAP system flags (RFC 9051 §2.3.2) that every protocol shares.
/// Keywords (user-defined flags) are kept beside them as plain strings.
public struct MessageFlags: OptionSet, Sendable, Hashable, Codable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    public static let seen = MessageFlags(rawValue: 1 << 0)
    public static let answered = MessageFlags(rawValue: 1 << 1)
    public static let flagged = MessageFlags(rawValue: 1 << 2)
    public static let deleted = MessageFlags(rawValue: 1 << 3)
    public static let draft = MessageFlags(rawValue: 1 << 4)

    /// Every system flag with its IMAP spelling, in canonical order.
    public static let imapNames: [(MessageFlags, String)] = [
        (.answered, "\\Answered"), (.flagged, "\\Flagged"), (.deleted, "\\Deleted"),
        (.seen, "\\Seen"), (.draft, "\\Draft"),
    ]

    /// The IMAP names of the flags set here, e.g. `["\\Seen", "\\Flagged"]`:
    /// one of 32 lists made once (a FETCH of every message's flags asks for
    /// them 100,000 times).
    public var imapFlagNames: [String] {
        guard rawValue >= 0, rawValue < Self.namesByValue.count else { return Self.names(of: self) }
        return Self.namesByValue[rawValue]
    }

    private static func names(of flags: MessageFlags) -> [String] {
        imapNames.filter { flags.contains($0.0) }.map { $0.1 }
    }

    /// `imapFlagNames` of every combination of the five system flags.
    private static let namesByValue: [[String]] = (0..<32).map { names(of: MessageFlags(rawValue: $0)) }

    /// Parses one IMAP system flag name (case-insensitive); nil for a keyword.
    public init?(imapName: String) {
        let lower = imapName.lowercased()
        guard let match = Self.imapNames.first(where: { $0.1.lowercased() == lower }) else { return nil }
        self = match.0
    }
}
