/// What the incremental parser hands the session.
public enum IMAPParserEvent: Hashable, Sendable {
    /// A complete, well-formed command.
    case command(TaggedCommand)
    /// A synchronising literal `{n}` was announced: the session sends a
    /// continuation request (`+ Ready`) before the client sends its bytes
    /// (RFC 9051 §7.5).
    case needsContinuation
    /// A malformed command: the session answers `tag BAD message` (or
    /// `* BAD` without a tag) and goes on.
    case error(tag: String?, message: String)
    /// "DONE" ended an IDLE (RFC 2177 §3), in `.idle` mode.
    case idleDone
    /// One line of a SASL exchange without its CRLF (RFC 9051 §6.2.2), in
    /// `.authentication` mode.
    case authenticationLine([UInt8])
}

/// Bounds that keep a hostile client from making the parser allocate
/// without limit (RFC 9051 §4.3 "servers MAY limit"; RFC 7889 APPENDLIMIT).
public struct IMAPParserLimits: Hashable, Sendable {
    /// Longest line outside literals, CRLF excluded.
    public var maxLineLength: Int
    /// Largest single literal; advertise it as APPENDLIMIT.
    public var maxLiteralSize: Int
    /// Largest whole command (all lines and literals, e.g. MULTIAPPEND).
    public var maxCommandSize: Int
    /// Deepest nesting of parentheses.
    public var maxDepth: Int

    public init(maxLineLength: Int = 64 * 1024, maxLiteralSize: Int = 64 * 1024 * 1024,
                maxCommandSize: Int = 128 * 1024 * 1024, maxDepth: Int = 32) {
        self.maxLineLength = maxLineLength
        self.maxLiteralSize = maxLiteralSize
        self.maxCommandSize = maxCommandSize
        self.maxDepth = maxDepth
    }
}
