/// The policy of one IMAP listener, filled in by the server from its
/// configuration (RFC 9051; LOGINDISABLED §6.2.3; APPENDLIMIT RFC 7889).
public struct IMAPSessionConfiguration: Sendable {
    /// Named in the greeting and BYE responses.
    public var hostName: String
    /// The listener is cleartext with STARTTLS (port 143); false for
    /// implicit TLS (993) and for listeners without TLS.
    public var offersSTARTTLS: Bool
    /// `[authentication] allow_cleartext`: LOGIN and AUTHENTICATE on a
    /// connection without TLS. Loopback connections may always log in.
    public var allowCleartextAuthentication: Bool
    /// Bounds of the command parser; `maxLiteralSize` is advertised as
    /// APPENDLIMIT and is the largest message APPEND accepts.
    public var parserLimits: IMAPParserLimits
    /// Malformed commands (BAD) in a row before the session ends with `* BYE`.
    public var maxConsecutiveBadCommands: Int
    /// The version the ID response names (RFC 2971 §3.3); the server sets
    /// it from its own version.
    public var serverVersion: String = "0.1.0"
    /// The largest line, literal and command (with its literals) accepted
    /// before login: a larger literal is refused without a continuation
    /// (`BAD [LIMIT]`), so nobody can make the server buffer an
    /// APPENDLIMIT-sized literal without a password.
    public var maxCommandSizeBeforeLogin: Int = 64 * 1024
    /// Commands accepted before login (DESIGN.md: every input has a bound);
    /// the next one gets `* BYE`.
    public var maxCommandsBeforeLogin: Int = 50
    /// COMPRESS=DEFLATE (RFC 4978) is offered after login: the connection
    /// can put a DEFLATE codec into its pipeline.
    public var offersCompression: Bool = false

    /// The parser's bounds until login: `parserLimits` capped at
    /// `maxCommandSizeBeforeLogin`, so an unauthenticated client announcing
    /// a huge literal is refused at once instead of buffered.
    public var limitsBeforeLogin: IMAPParserLimits { parserLimits.capped(at: maxCommandSizeBeforeLogin) }

    public init(hostName: String, offersSTARTTLS: Bool, allowCleartextAuthentication: Bool,
                parserLimits: IMAPParserLimits = IMAPParserLimits(), maxConsecutiveBadCommands: Int = 10) {
        self.hostName = hostName
        self.offersSTARTTLS = offersSTARTTLS
        self.allowCleartextAuthentication = allowCleartextAuthentication
        self.parserLimits = parserLimits
        self.maxConsecutiveBadCommands = maxConsecutiveBadCommands
    }
}
