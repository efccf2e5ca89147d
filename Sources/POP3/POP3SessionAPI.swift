// Stub API agreed between modules; the POP3 owner replaces the bodies (and
// splits this file by meaning), keeping these names and signatures.
import Foundation
import Logging
import MailCore
import MailStore
import Accounts

/// What QUIT does with the messages marked by DELE (server policy `pop3.on_delete`).
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
    public init(hostName: String, deletePolicy: POP3DeletePolicy, allowCleartextAuthentication: Bool,
                offersSTLS: Bool, maxErrors: Int = 10) {
        self.hostName = hostName
        self.deletePolicy = deletePolicy
        self.allowCleartextAuthentication = allowCleartextAuthentication
        self.offersSTLS = offersSTLS
        self.maxErrors = maxErrors
    }
}

/// What the connection must do after sending a session's output.
public enum POP3Action: Sendable, Equatable {
    case none
    /// Start the TLS handshake (after STLS's +OK was sent), discarding any
    /// bytes the client sent before it (RFC 2595 §4).
    case startTLS
    /// Close the connection after sending.
    case close
}

public struct POP3Output: Sendable {
    /// The bytes to send, CRLF-terminated lines, dot-stuffed multi-line responses.
    public var bytes: [UInt8]
    public var action: POP3Action
    public init(bytes: [UInt8], action: POP3Action = .none) {
        self.bytes = bytes
        self.action = action
    }
}

/// Keeps one POP3 session per maildrop at a time (RFC 1939 §8 exclusive-access lock,
/// RFC 2449 IN-USE response code). Shared by every POP3 connection of a server.
public final class MaildropLocks: Sendable {
    public init() {}
}

/// One POP3 connection's state machine (RFC 1939 AUTHORIZATION, TRANSACTION,
/// UPDATE). Used by one connection task at a time; never touches the network.
public final class POP3Session {
    public init(store: any MailStore, authenticator: Authenticator, locks: MaildropLocks,
                configuration: POP3Configuration, connection: ConnectionInfo, logger: Logger) {}

    /// The `+OK` greeting sent when the connection opens.
    public func greeting() -> POP3Output { POP3Output(bytes: Array("+OK Tern POP3 ready\r\n".utf8)) }

    /// Handles one line from the client, without its CRLF.
    public func handle(line: [UInt8]) async -> POP3Output { POP3Output(bytes: Array("-ERR\r\n".utf8)) }

    /// Called when the framer saw a line longer than it accepts (the bytes were dropped).
    public func handleOverlongLine() -> POP3Output { POP3Output(bytes: Array("-ERR line too long\r\n".utf8)) }

    /// Called once the TLS handshake after STLS has completed.
    public func tlsStarted(_ connection: ConnectionInfo) {}

    /// Called when the connection ends for any reason; releases the maildrop
    /// lock. Without QUIT nothing is deleted (RFC 1939 §6).
    public func connectionClosed() async {}
}
