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
    /// A literal over `maxLiteralSize` or `maxCommandSize` (APPENDLIMIT,
    /// RFC 7889): the command is dropped, its literal never kept. With
    /// `closing` it was a non-synchronising literal too large to read and
    /// drop (RFC 7888 §4): the parser has stopped and the session must
    /// close the connection.
    case literalTooLarge(tag: String?, closing: Bool)
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
    /// Largest refused non-synchronising literal whose bytes are read and
    /// dropped so the session can go on; a larger one ends the connection
    /// (RFC 7888 §4). Zero: every refused `{n+}` ends it (before login).
    public var maxDiscardedLiteralSize: Int

    public init(maxLineLength: Int = 64 * 1024, maxLiteralSize: Int = 64 * 1024 * 1024,
                maxCommandSize: Int = 128 * 1024 * 1024, maxDepth: Int = 32, maxDiscardedLiteralSize: Int? = nil) {
        self.maxLineLength = maxLineLength
        self.maxLiteralSize = maxLiteralSize
        self.maxCommandSize = maxCommandSize
        self.maxDepth = maxDepth
        self.maxDiscardedLiteralSize = maxDiscardedLiteralSize ?? maxCommandSize
    }

    /// These limits lowered to at most `bound` octets per line, literal and
    /// command, with no oversized literal read (before authentication).
    public func capped(at bound: Int) -> IMAPParserLimits {
        IMAPParserLimits(maxLineLength: min(maxLineLength, bound), maxLiteralSize: min(maxLiteralSize, bound),
                         maxCommandSize: min(maxCommandSize, bound), maxDepth: maxDepth, maxDiscardedLiteralSize: 0)
    }
}
