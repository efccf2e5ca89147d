import Accounts
import Foundation
import MailStore

/// The effective configuration of a Tern server: the TOML file's values over
/// the local defaults. See `tern.example.toml` for every key.
public struct TernConfiguration: Sendable, Equatable {
    /// The name this server gives itself (greetings, Received:, certificate).
    public var hostName: String
    /// Domains this server is the final destination for (added to the store at start).
    public var localDomains: [String]
    /// Where the database, message bodies and the generated certificate live.
    public var dataDirectory: String
    public var listeners: [ListenerConfiguration]
    public var tls: TLSFiles
    public var limits: Limits
    public var authentication: AuthenticationSettings
    public var pop3: POP3Settings
    public var smtp: SMTPSettings
    public var logging: LoggingSettings
    /// The `[http]` table: client settings discovery, health and metrics.
    public var http: HTTPSettings
    /// The `[outbound]` table: delivery of mail for other domains.
    public var outbound: OutboundSettings
    /// The `[server]` table: the user `tern serve` runs as.
    public var server: ServerSettings
    /// The `[store]` table: which kind of store holds the data (`StoreFactory`).
    public var store: StoreSettings

    public init(hostName: String, localDomains: [String], dataDirectory: String, listeners: [ListenerConfiguration],
                tls: TLSFiles, limits: Limits, authentication: AuthenticationSettings, pop3: POP3Settings,
                smtp: SMTPSettings = SMTPSettings(), logging: LoggingSettings, http: HTTPSettings = HTTPSettings(),
                outbound: OutboundSettings = OutboundSettings(), server: ServerSettings = ServerSettings(),
                store: StoreSettings = StoreSettings()) {
        self.hostName = hostName
        self.localDomains = localDomains
        self.dataDirectory = dataDirectory
        self.listeners = listeners
        self.tls = tls
        self.limits = limits
        self.authentication = authentication
        self.pop3 = pop3
        self.smtp = smtp
        self.logging = logging
        self.http = http
        self.outbound = outbound
        self.server = server
        self.store = store
    }
}

/// The protocol a listener speaks.
public enum ListenerProtocol: String, Sendable, Equatable, CaseIterable {
    case imap
    case pop3
    /// SMTP from other servers (MX, port 25).
    case smtp
    /// SMTP from the server's own users (RFC 6409 / RFC 8314).
    case submission
}

/// How a listener uses TLS.
public enum TLSMode: String, Sendable, Equatable, CaseIterable {
    /// TLS from the first byte (IMAPS 993, POP3S 995, submissions 465).
    case implicit
    /// Plain text, upgraded by STARTTLS / STLS.
    case starttls
    /// Plain text only.
    case none
}

public struct ListenerConfiguration: Sendable, Equatable {
    public var protocolName: ListenerProtocol
    public var address: String
    public var port: Int
    public var tls: TLSMode
    /// Open connections on this listener; nil: only the protocol's and the server's budgets apply.
    public var maxConnections: Int?
    public init(protocolName: ListenerProtocol, address: String, port: Int, tls: TLSMode,
                maxConnections: Int? = nil) {
        self.protocolName = protocolName
        self.address = address
        self.port = port
        self.tls = tls
        self.maxConnections = maxConnections
    }
}

/// Certificate and key in PEM. When both are nil, a self-signed certificate
/// for the host name is generated on first start and kept in the data directory.
/// Either way the files are read again on SIGHUP.
public struct TLSFiles: Sendable, Equatable {
    public var certificatePath: String?
    public var keyPath: String?
    public init(certificatePath: String? = nil, keyPath: String? = nil) {
        self.certificatePath = certificatePath
        self.keyPath = keyPath
    }
}

public struct Limits: Sendable, Equatable {
    /// Open connections over all listeners together.
    public var maxConnections: Int
    /// Open connections from one remote address over all listeners together.
    public var maxConnectionsPerAddress: Int
    /// Seconds without a byte from the client before the server closes (RFC 1939 §3: at least 10 minutes for POP3).
    public var idleTimeoutSeconds: Int
    /// Seconds without a byte before login (IMAP, POP3, submission); the
    /// shorter of this and `idleTimeoutSeconds` applies until the client logs in.
    public var loginIdleTimeoutSeconds: Int
    /// Seconds from connecting to a completed login (IMAP, POP3, submission), however active the client is.
    public var loginTimeoutSeconds: Int
    /// Largest message accepted anywhere, in octets.
    public var maxMessageSize: Int
    /// Largest message accepted from an SMTP client that has not
    /// authenticated (MX mail), in octets; never more than `maxMessageSize`.
    public var maxUnauthenticatedMessageSize: Int
    /// Octets of DATA/BDAT held in memory at once for the unauthenticated
    /// SMTP sessions of one remote address; past it a message is dropped with `452 4.3.1`.
    public var maxUnauthenticatedInFlightPerAddress: Int
    /// Seconds that running commands get to finish after SIGTERM/SIGINT.
    public var shutdownGraceSeconds: Int
    /// The `[limits.imap]`, `[limits.pop3]`, `[limits.smtp]`, `[limits.submission]`
    /// tables as written; see `budget(for:)` for the values in effect.
    public var protocols: [ListenerProtocol: ConnectionBudgetSettings]

    public init(maxConnections: Int, maxConnectionsPerAddress: Int, idleTimeoutSeconds: Int, maxMessageSize: Int,
                shutdownGraceSeconds: Int, loginIdleTimeoutSeconds: Int = 60, loginTimeoutSeconds: Int = 180,
                maxUnauthenticatedMessageSize: Int = 25 * 1024 * 1024,
                maxUnauthenticatedInFlightPerAddress: Int = 50 * 1024 * 1024,
                protocols: [ListenerProtocol: ConnectionBudgetSettings] = [:]) {
        self.maxConnections = maxConnections
        self.maxConnectionsPerAddress = maxConnectionsPerAddress
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.loginIdleTimeoutSeconds = loginIdleTimeoutSeconds
        self.loginTimeoutSeconds = loginTimeoutSeconds
        self.maxMessageSize = maxMessageSize
        self.maxUnauthenticatedMessageSize = maxUnauthenticatedMessageSize
        self.maxUnauthenticatedInFlightPerAddress = maxUnauthenticatedInFlightPerAddress
        self.shutdownGraceSeconds = shutdownGraceSeconds
        self.protocols = protocols
    }
}

public struct AuthenticationSettings: Sendable, Equatable {
    /// Allow passwords over unencrypted connections from non-loopback clients.
    public var allowCleartext: Bool
    /// Delays and locks after failed logins (the `lock_*` and `*_failure_*` keys).
    public var throttle: LoginThrottleConfiguration
    public init(allowCleartext: Bool, throttle: LoginThrottleConfiguration = .standard) {
        self.allowCleartext = allowCleartext
        self.throttle = throttle
    }
}

public struct POP3Settings: Sendable, Equatable {
    /// What QUIT does with DELE'd messages: "delete", "keep", "mark-read" or "move:MAILBOX".
    public var onDelete: String
    public init(onDelete: String) { self.onDelete = onDelete }
}

/// The `[smtp]` table: policy of the smtp (MX) and submission listeners.
/// The message size limit is `limits.max_message_size`.
public struct SMTPSettings: Sendable, Equatable {
    /// CIDR networks (e.g. "192.0.2.0/24", "2001:db8::/32") whose clients may
    /// relay to non-local domains without AUTH. Empty by default: not even
    /// loopback is trusted, so that no local process makes Tern an open relay.
    public var trustedNetworks: [String]
    /// Recipients per message (RFC 5321 §4.5.3.1.8: at least 100).
    public var maxRecipients: Int
    /// Error replies tolerated in one session before `421 4.7.0` and close.
    public var maxErrors: Int
    /// True: bare LF / bare CR in DATA become CRLF; false: such a message is
    /// refused (`550 5.6.0`), the safe choice against SMTP smuggling.
    public var allowBareLineEndings: Bool
    /// The account (or alias) that gets mail for postmaster@ and abuse@ of
    /// every local domain (and of host_name) when no account or alias has
    /// that name (RFC 5321 §4.5.1, RFC 2142); nil: the oldest account, i.e.
    /// the one `tern serve` created at its first start.
    public var postmasterAccount: String?

    public init(trustedNetworks: [String] = [], maxRecipients: Int = 100, maxErrors: Int = 10,
                allowBareLineEndings: Bool = false, postmasterAccount: String? = nil) {
        self.trustedNetworks = trustedNetworks
        self.maxRecipients = maxRecipients
        self.maxErrors = maxErrors
        self.allowBareLineEndings = allowBareLineEndings
        self.postmasterAccount = postmasterAccount
    }
}

public struct LoggingSettings: Sendable, Equatable {
    public enum Format: String, Sendable, Equatable { case text, json }
    /// trace, debug, info, notice, warning, error, critical
    public var level: String
    public var format: Format
    /// The log file lines are appended to (reopened on SIGHUP and SIGUSR1,
    /// for logrotate); nil: standard error (the journal under systemd).
    public var file: String?
    public init(level: String, format: Format, file: String? = nil) {
        self.level = level
        self.format = format
        self.file = file
    }
}

extension TernConfiguration {
    /// The local defaults: loopback only, high ports, `./tern-data`.
    public static var localDefaults: TernConfiguration {
        TernConfiguration(
            hostName: "localhost",
            localDomains: ["localhost"],
            dataDirectory: "./tern-data",
            listeners: [
                ListenerConfiguration(protocolName: .imap, address: "127.0.0.1", port: 1143, tls: .starttls),
                ListenerConfiguration(protocolName: .imap, address: "127.0.0.1", port: 1993, tls: .implicit),
                ListenerConfiguration(protocolName: .pop3, address: "127.0.0.1", port: 1110, tls: .starttls),
                ListenerConfiguration(protocolName: .pop3, address: "127.0.0.1", port: 1995, tls: .implicit),
                ListenerConfiguration(protocolName: .smtp, address: "127.0.0.1", port: 2525, tls: .starttls),
                ListenerConfiguration(protocolName: .submission, address: "127.0.0.1", port: 2587, tls: .starttls),
                ListenerConfiguration(protocolName: .submission, address: "127.0.0.1", port: 2465, tls: .implicit),
            ],
            tls: TLSFiles(),
            limits: Limits(maxConnections: 1000, maxConnectionsPerAddress: Limits.defaultConnectionsPerAddress,
                           idleTimeoutSeconds: 600, maxMessageSize: 50 * 1024 * 1024, shutdownGraceSeconds: 10),
            authentication: AuthenticationSettings(allowCleartext: false),
            pop3: POP3Settings(onDelete: "delete"),
            smtp: SMTPSettings(),
            logging: LoggingSettings(level: "info", format: .text)
        )
    }
}
