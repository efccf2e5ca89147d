/// The connection budget of one protocol in effect: how many connections its
/// listeners hold in total and from one address, and how many of those may
/// not have logged in yet. New connections of a protocol whose pre-login
/// pool is full evict its longest-idle connection that has not logged in
/// (Dovecot's "Connection queue full"); the per-address bounds refuse.
public struct ConnectionBudget: Sendable, Equatable {
    public var maxConnections: Int
    public var maxConnectionsPerAddress: Int
    /// Connections that have not authenticated; at most `maxConnections`.
    public var maxUnauthenticated: Int
    /// Connections from one address that have not authenticated; at most `maxConnectionsPerAddress`.
    public var maxUnauthenticatedPerAddress: Int
    /// Logged-in connections of one account from one address (Dovecot's
    /// `mail_max_userip_connections`); a login past it is refused
    /// (IMAP `NO [LIMIT]`).
    public var maxConnectionsPerUserAndAddress: Int

    public init(maxConnections: Int, maxConnectionsPerAddress: Int, maxUnauthenticated: Int,
                maxUnauthenticatedPerAddress: Int,
                maxConnectionsPerUserAndAddress: Int = Limits.defaultConnectionsPerUserAndAddress) {
        self.maxConnections = maxConnections
        self.maxConnectionsPerAddress = maxConnectionsPerAddress
        self.maxUnauthenticated = min(maxUnauthenticated, maxConnections)
        self.maxUnauthenticatedPerAddress = min(maxUnauthenticatedPerAddress, maxConnectionsPerAddress)
        self.maxConnectionsPerUserAndAddress = maxConnectionsPerUserAndAddress
    }
}

/// A `[limits.imap]` (`pop3`, `smtp`, `submission`) table as written: nil
/// keeps the default that `Limits.budget(for:)` derives.
public struct ConnectionBudgetSettings: Sendable, Equatable {
    public var maxConnections: Int?
    public var maxConnectionsPerAddress: Int?
    public var maxUnauthenticated: Int?
    public var maxUnauthenticatedPerAddress: Int?
    public var maxConnectionsPerUserAndAddress: Int?

    public init(maxConnections: Int? = nil, maxConnectionsPerAddress: Int? = nil, maxUnauthenticated: Int? = nil,
                maxUnauthenticatedPerAddress: Int? = nil, maxConnectionsPerUserAndAddress: Int? = nil) {
        self.maxConnections = maxConnections
        self.maxConnectionsPerAddress = maxConnectionsPerAddress
        self.maxUnauthenticated = maxUnauthenticated
        self.maxUnauthenticatedPerAddress = maxUnauthenticatedPerAddress
        self.maxConnectionsPerUserAndAddress = maxConnectionsPerUserAndAddress
    }
}

extension Limits {
    /// The fraction of a protocol's connections (in total and per address)
    /// that may be waiting for a login by default: a fifth, so four fifths
    /// stay reserved for users who logged in.
    public static let defaultUnauthenticatedShare = 5

    /// Logged-in connections of one account from one address, by default:
    /// Dovecot's `mail_max_userip_connections` default.
    public static let defaultConnectionsPerUserAndAddress = 10

    /// Connections from one address by default: enough for an office
    /// behind NAT or a webmail server (IMAP, POP3, submission), whose users
    /// are then bounded by `defaultConnectionsPerUserAndAddress` each.
    public static let defaultConnectionsPerAddress = 500

    /// SMTP (MX) connections from one address by default: Postfix's
    /// `smtpd_client_connection_count_limit`; MX clients never log in.
    public static let defaultSMTPConnectionsPerAddress = 50

    /// The budget of `protocolName` in effect. Left out of its table:
    /// `max_connections` and `max_connections_per_address` are the `[limits]`
    /// values (for smtp, MX, the per-address one at most
    /// `defaultSMTPConnectionsPerAddress`); `max_unauthenticated` and
    /// `max_unauthenticated_per_address` are a fifth of those (at least 1),
    /// except for smtp, whose clients never log in: all of them;
    /// `max_connections_per_user_and_address` is
    /// `defaultConnectionsPerUserAndAddress`.
    public func budget(for protocolName: ListenerProtocol) -> ConnectionBudget {
        let settings = protocols[protocolName] ?? ConnectionBudgetSettings()
        let total = settings.maxConnections ?? maxConnections
        let perAddress = settings.maxConnectionsPerAddress
            ?? (protocolName == .smtp ? min(maxConnectionsPerAddress, Self.defaultSMTPConnectionsPerAddress)
                                      : maxConnectionsPerAddress)
        let share = protocolName == .smtp ? 1 : Self.defaultUnauthenticatedShare
        return ConnectionBudget(
            maxConnections: total, maxConnectionsPerAddress: perAddress,
            maxUnauthenticated: settings.maxUnauthenticated ?? max(1, total / share),
            maxUnauthenticatedPerAddress: settings.maxUnauthenticatedPerAddress ?? max(1, perAddress / share),
            maxConnectionsPerUserAndAddress: settings.maxConnectionsPerUserAndAddress
                ?? Self.defaultConnectionsPerUserAndAddress)
    }
}
