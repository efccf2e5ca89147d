/// The header and MIME data of a message, parsed once when it is stored.
/// (Stub API: the MailCore owner fills in the envelope and MIME tree.)
public struct ParsedMessage: Codable, Sendable, Equatable {
    /// The Message-ID without angle brackets, if the message has one.
    public var messageID: String?

    public init(messageID: String?) {
        self.messageID = messageID
    }

    /// Parses a whole RFC 5322 message. Never fails: malformed input gives
    /// whatever could be understood.
    public static func parse(_ bytes: [UInt8]) -> ParsedMessage {
        ParsedMessage(messageID: nil)
    }
}
