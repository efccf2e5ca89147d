// The SMTP commands Tern's inbound server understands: RFC 5321 §4.1.1,
// RFC 3207 STARTTLS, RFC 4954 AUTH, RFC 3030 BDAT.
import MailCore

/// One parsed SMTP command line.
public enum SMTPCommand: Sendable, Equatable {
    /// RFC 5321 §4.1.1.1 `EHLO domain-or-address-literal`.
    case ehlo(String)
    /// RFC 5321 §4.1.1.1 `HELO domain`.
    case helo(String)
    /// RFC 5321 §4.1.1.2 `MAIL FROM:<reverse-path> [parameters]`.
    case mail(from: ReversePath, parameters: MailParameters)
    /// RFC 5321 §4.1.1.3 `RCPT TO:<forward-path> [parameters]`.
    case rcpt(to: ForwardPath, parameters: RecipientParameters)
    /// RFC 5321 §4.1.1.4 `DATA`.
    case data
    /// RFC 3030 §2 `BDAT chunk-size [LAST]`.
    case bdat(size: Int, last: Bool)
    /// RFC 5321 §4.1.1.5 `RSET`.
    case rset
    /// RFC 5321 §4.1.1.9 `NOOP [string]` (the string is ignored).
    case noop
    /// RFC 5321 §4.1.1.10 `QUIT`.
    case quit
    /// RFC 5321 §4.1.1.8 `HELP [string]`.
    case help(String?)
    /// RFC 5321 §4.1.1.6 `VRFY string`.
    case vrfy(String)
    /// RFC 3207 §4 `STARTTLS`.
    case startTLS
    /// RFC 4954 §4 `AUTH mechanism [initial-response]`.
    case auth(mechanism: String, initialResponse: String?)

    /// The command keyword, upper case, for logs and error messages.
    public var name: String {
        switch self {
        case .ehlo: "EHLO"
        case .helo: "HELO"
        case .mail: "MAIL"
        case .rcpt: "RCPT"
        case .data: "DATA"
        case .bdat: "BDAT"
        case .rset: "RSET"
        case .noop: "NOOP"
        case .quit: "QUIT"
        case .help: "HELP"
        case .vrfy: "VRFY"
        case .startTLS: "STARTTLS"
        case .auth: "AUTH"
        }
    }
}

/// A path's mailbox with its optional source route (RFC 5321 §4.1.2 Path).
public struct SMTPPath: Sendable, Hashable, CustomStringConvertible {
    /// The at-domain list of a source route (`<@a,@b:user@c>` gives ["a", "b"]).
    /// RFC 5321 §4.1.1.3 and Appendix C: parsed, then ignored or refused.
    public var route: [String]
    public var mailbox: EmailAddress

    public init(mailbox: EmailAddress, route: [String] = []) {
        self.mailbox = mailbox
        self.route = route
    }

    /// The path as written in a command, with its angle brackets.
    public var description: String {
        let prefix = route.isEmpty ? "" : route.map { "@\($0)" }.joined(separator: ",") + ":"
        return "<\(prefix)\(mailbox)>"
    }
}

/// MAIL FROM's argument: a mailbox, or `<>` for notifications (RFC 5321 §4.5.5).
public enum ReversePath: Sendable, Hashable, CustomStringConvertible {
    case null
    case path(SMTPPath)

    public var description: String {
        switch self {
        case .null: "<>"
        case .path(let path): path.description
        }
    }

    /// The mailbox, nil for the null path.
    public var mailbox: EmailAddress? {
        if case .path(let path) = self { return path.mailbox }
        return nil
    }
}

/// RCPT TO's argument: a path, or the bare `<Postmaster>` every server
/// must accept (RFC 5321 §4.1.1.3, §4.5.1).
public enum ForwardPath: Sendable, Hashable, CustomStringConvertible {
    case postmaster
    case path(SMTPPath)

    public var description: String {
        switch self {
        case .postmaster: "<Postmaster>"
        case .path(let path): path.description
        }
    }
}

/// Why a line is not a valid command; each becomes an error reply.
public enum SMTPCommandError: Error, Sendable, Equatable {
    case emptyLine
    /// A control character, or bytes that are not UTF-8.
    case invalidCharacters
    /// A keyword Tern does not implement (`500 5.5.1`).
    case unknownCommand(String)
    /// Missing, extra or malformed arguments (`501 5.5.4`).
    case syntax(command: String, reason: String)
    /// A reverse-path that is not a valid address (`501 5.1.7`).
    case badSenderAddress(String)
    /// A forward-path that is not a valid address (`501 5.1.3`).
    case badRecipientAddress(String)
    /// An ESMTP parameter Tern does not know (`555 5.5.4`, RFC 5321 §4.1.1.11).
    case unknownParameter(String)
    /// A known parameter with a bad value or given twice (`501 5.5.4`).
    case invalidParameter(String)

    /// The reply for this error.
    public var reply: SMTPReply {
        switch self {
        case .emptyLine:
            SMTPReply(.syntaxError, 5, 5, 2, "Empty command")
        case .invalidCharacters:
            SMTPReply(.syntaxError, 5, 5, 2, "Invalid characters in command")
        case .unknownCommand:
            SMTPReply(.syntaxError, 5, 5, 1, "Command unrecognized")
        case .syntax(let command, let reason):
            SMTPReply(.parameterSyntaxError, 5, 5, 4, "\(command): \(reason)")
        case .badSenderAddress(let reason):
            SMTPReply(.parameterSyntaxError, 5, 1, 7, "Bad sender address syntax: \(reason)")
        case .badRecipientAddress(let reason):
            SMTPReply(.parameterSyntaxError, 5, 1, 3, "Bad recipient address syntax: \(reason)")
        case .unknownParameter(let name):
            SMTPReply(.parametersNotRecognized, 5, 5, 4, "Unsupported parameter \(name)")
        case .invalidParameter(let reason):
            SMTPReply(.parameterSyntaxError, 5, 5, 4, "Invalid parameter: \(reason)")
        }
    }
}
