// Stub API agreed between modules; the Accounts owner replaces the bodies
// (and may split this file), keeping these names and signatures.
import Foundation
import Logging
import MailCore
import MailStore

/// SASL mechanisms offered by every protocol (RFC 4616 PLAIN, draft LOGIN).
public enum SASLMechanism: String, Sendable, CaseIterable {
    case plain = "PLAIN"
    case login = "LOGIN"
}

/// What a SASL exchange asks the protocol session to do next.
public enum SASLStep: Sendable, Equatable {
    /// Send this challenge (already base64-encoded; may be empty) and wait for a line.
    case challenge(String)
    /// The exchange produced credentials; verify them with `Authenticator`.
    case credentials(authorizationID: String?, username: String, password: String)
    /// The client cancelled with `*` (RFC 4954 §4, RFC 5034 §4, RFC 9051 §6.2.2).
    case cancelled
    /// Bad base64 or a malformed message.
    case malformed(String)
}

/// The server side of one SASL exchange, shared by POP3, IMAP and SMTP.
public struct SASLServerExchange: Sendable {
    public let mechanism: SASLMechanism
    public init(mechanism: SASLMechanism) { self.mechanism = mechanism }
    /// Starts the exchange, with the client's initial response if it sent one
    /// (`=` stands for an empty initial response).
    public mutating func start(initialResponse: String?) -> SASLStep { .malformed("not implemented") }
    /// Feeds one client line (base64, or `*` to cancel).
    public mutating func receive(_ line: String) -> SASLStep { .malformed("not implemented") }
}

/// The outcome of checking a user name and password.
public enum AuthenticationResult: Sendable, Equatable {
    case success(Account)
    case invalidCredentials
    /// Too many failures from this address or for this account; try again later.
    case temporarilyLocked
}

/// Verifies credentials against the store, with throttling and logging
/// (address and account, never the password).
public final class Authenticator: Sendable {
    public init(store: any MailStore, logger: Logger) {}
    /// `username` is the full address; matching is case-insensitive.
    public func authenticate(username: String, password: String, connection: ConnectionInfo,
                             protocolName: String) async -> AuthenticationResult { .invalidCredentials }
}
