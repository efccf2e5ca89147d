// The POP3 commands Tern understands: RFC 1939 (APOP is not offered),
// RFC 2449 CAPA, RFC 2595 STLS and RFC 5034 AUTH.

/// One parsed POP3 command line.
public enum POP3Command: Sendable, Equatable {
    /// RFC 1939 §7 `USER name`.
    case user(String)
    /// RFC 1939 §7 `PASS string`; the password is the rest of the line and may hold spaces.
    case pass(String)
    /// RFC 1939 §5 `STAT`.
    case stat
    /// RFC 1939 §5 `LIST [msg]`.
    case list(Int?)
    /// RFC 1939 §5 `RETR msg`.
    case retr(Int)
    /// RFC 1939 §5 `DELE msg`.
    case dele(Int)
    /// RFC 1939 §5 `NOOP`.
    case noop
    /// RFC 1939 §5 `RSET`.
    case rset
    /// RFC 1939 §4 and §6 `QUIT`.
    case quit
    /// RFC 1939 §7 `TOP msg n`: the headers and the first `n` lines of the body.
    case top(message: Int, lines: Int)
    /// RFC 1939 §7 `UIDL [msg]`.
    case uidl(Int?)
    /// RFC 2449 §5 `CAPA`.
    case capa
    /// RFC 2595 §4 `STLS`.
    case stls
    /// RFC 5034 §4 `AUTH [mechanism [initial-response]]`; no mechanism asks for
    /// the list of mechanisms (the RFC 1734 form some clients still send).
    case auth(mechanism: String?, initialResponse: String?)

    /// The command keyword, upper case, for logs and error messages.
    public var name: String {
        switch self {
        case .user: "USER"
        case .pass: "PASS"
        case .stat: "STAT"
        case .list: "LIST"
        case .retr: "RETR"
        case .dele: "DELE"
        case .noop: "NOOP"
        case .rset: "RSET"
        case .quit: "QUIT"
        case .top: "TOP"
        case .uidl: "UIDL"
        case .capa: "CAPA"
        case .stls: "STLS"
        case .auth: "AUTH"
        }
    }
}

/// Why a line is not a valid command; each becomes a `-ERR` reply.
public enum POP3CommandError: Error, Sendable, Equatable {
    case emptyLine
    /// Over 255 octets including CRLF (RFC 2449 §4).
    case lineTooLong
    /// A NUL or other control character, or bytes that are not UTF-8.
    case invalidCharacters
    /// A keyword Tern does not implement (includes APOP).
    case unknownCommand
    /// A known keyword with missing, extra or malformed arguments.
    case badArguments(command: String, reason: String)

    /// The text of the `-ERR` reply.
    public var message: String {
        switch self {
        case .emptyLine: "empty command"
        case .lineTooLong: "command line too long"
        case .invalidCharacters: "invalid characters in command"
        case .unknownCommand: "unknown command"
        case .badArguments(let command, let reason): "\(command): \(reason)"
        }
    }
}
