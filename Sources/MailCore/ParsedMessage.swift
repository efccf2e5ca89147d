/// The header and MIME data of a message, parsed once when it is stored
/// (the store keeps it as JSON so IMAP never reparses bodies).
public struct ParsedMessage: Codable, Sendable, Equatable {
    /// The Message-ID without angle brackets, if the message has one.
    public var messageID: String?
    /// ENVELOPE data (RFC 9051 §7.5.2).
    public var envelope: Envelope
    /// The root of the MIME tree, with byte offsets into the raw message
    /// (BODYSTRUCTURE, BODY[section]).
    public var root: MIMEPart

    public init(messageID: String?, envelope: Envelope = Envelope(), root: MIMEPart = MIMEPart()) {
        self.messageID = messageID
        self.envelope = envelope
        self.root = root
    }

    /// Parses a whole RFC 5322 message. Never fails: malformed input gives
    /// whatever could be understood.
    public static func parse(_ bytes: [UInt8]) -> ParsedMessage {
        let parsed = MIMEParser.parseMessage(bytes)
        return ParsedMessage(messageID: parsed.envelope.messageID.flatMap(messageIDValue),
                             envelope: parsed.envelope, root: parsed.root)
    }

    /// The msg-id of a Message-ID value without its angle brackets
    /// (RFC 5322 §3.6.4); a value without brackets is taken whole when it
    /// has no spaces. nil when empty.
    public static func messageIDValue(_ value: String) -> String? {
        let scalars = value.unicodeScalars
        if let open = scalars.firstIndex(of: "<") {
            let rest = scalars[scalars.index(after: open)...]
            let close = rest.firstIndex(of: ">") ?? rest.endIndex
            let inner = ByteText.trimmed(String(rest[..<close]))
            return inner.isEmpty ? nil : inner
        }
        let trimmed = ByteText.trimmed(value)
        guard !trimmed.isEmpty, !trimmed.unicodeScalars.contains(where: ByteText.isSpace) else { return nil }
        return trimmed
    }
}
