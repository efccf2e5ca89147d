// POP3 server policy, filled in by the Server module from the configuration.

/// What QUIT does with the messages marked by DELE (server policy `pop3.on_delete`).
/// RFC 1939 §6 only requires that deleted messages leave the maildrop; the
/// other policies keep them in the store as mail providers offer it.
public enum POP3DeletePolicy: Sendable, Equatable {
    /// Expunge them from INBOX (RFC 1939 default).
    case delete
    /// Leave them untouched.
    case keep
    /// Leave them, with \Seen set.
    case markRead
    /// Move them to the named mailbox.
    case moveTo(String)

    /// Parses "delete", "keep", "mark-read" or "move:MAILBOX".
    public init?(configValue: String) {
        switch configValue {
        case "delete": self = .delete
        case "keep": self = .keep
        case "mark-read": self = .markRead
        default:
            guard configValue.hasPrefix("move:"), configValue.count > 5 else { return nil }
            self = .moveTo(String(configValue.dropFirst(5)))
        }
    }
}

public struct POP3Configuration: Sendable {
    public var hostName: String
    public var deletePolicy: POP3DeletePolicy
    /// Allow USER/PASS and AUTH on a cleartext non-loopback connection.
    public var allowCleartextAuthentication: Bool
    /// True when STLS can be offered (a STARTTLS listener with a certificate).
    public var offersSTLS: Bool
    /// Protocol errors tolerated before the session is ended.
    public var maxErrors: Int
    /// Commands accepted in the AUTHORIZATION state before the session is ended
    /// (bounds what an unauthenticated client can make the server do).
    public var maxCommandsBeforeLogin: Int

    public init(hostName: String, deletePolicy: POP3DeletePolicy, allowCleartextAuthentication: Bool,
                offersSTLS: Bool, maxErrors: Int = 10, maxCommandsBeforeLogin: Int = 20) {
        self.hostName = hostName
        self.deletePolicy = deletePolicy
        self.allowCleartextAuthentication = allowCleartextAuthentication
        self.offersSTLS = offersSTLS
        self.maxErrors = maxErrors
        self.maxCommandsBeforeLogin = maxCommandsBeforeLogin
    }
}
