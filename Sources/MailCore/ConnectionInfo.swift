/// What a protocol session knows of the connection it runs on.
/// Filled in by the Server module; read by sessions for policy and logging.
public struct ConnectionInfo: Sendable {
    /// A short id unique within this server process, for log lines.
    public var id: String
    /// The remote peer's IP address as text ("127.0.0.1", "::1"), or "unknown".
    public var remoteAddress: String
    /// The local port the client connected to.
    public var localPort: Int
    /// True once the connection is encrypted (implicit TLS or after STARTTLS/STLS).
    public var isTLS: Bool
    /// TLS version and cipher suite when known, for Received: headers and logs.
    public var tlsDescription: String?
    /// Asks the server whether this connection may log in as `account`
    /// (an account address): false when that account already has as many
    /// logged-in connections of this protocol from this address as the
    /// server allows (Dovecot's `mail_max_userip_connections`). When it
    /// answers true the connection counts as logged in as `account` at
    /// once, so two logins racing cannot both take the last place. nil:
    /// no such limit (tests, admin tools).
    public var admitLogin: (@Sendable (_ account: String) -> Bool)?

    public init(id: String, remoteAddress: String, localPort: Int, isTLS: Bool, tlsDescription: String? = nil) {
        self.id = id
        self.remoteAddress = remoteAddress
        self.localPort = localPort
        self.isTLS = isTLS
        self.tlsDescription = tlsDescription
    }

    /// True when the peer is on the loopback network (127.0.0.0/8 or ::1).
    public var isLoopback: Bool {
        remoteAddress.hasPrefix("127.") || remoteAddress == "::1" || remoteAddress.hasPrefix("::ffff:127.")
    }
}
