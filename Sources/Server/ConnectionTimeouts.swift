import NIOCore

/// The timeouts of one connection, from `[limits]` and its protocol.
///
/// Before login (IMAP, POP3, submission) the shorter of
/// `idle_timeout_seconds` and `login_idle_timeout_seconds` applies, and the
/// whole login must be done within `login_timeout_seconds` however busy the
/// client keeps the connection (Dovecot closes a connection that makes no
/// authentication progress within 3 minutes). Once logged in it is
/// `idle_timeout_seconds`, raised to the protocol's minimum: IMAP's 30
/// minutes (RFC 9051 §5.4) are for logged-in sessions.
struct ConnectionTimeouts: Sendable, Equatable {
    /// Idle timeout once logged in (always, for a protocol without login: MX).
    var idle: TimeAmount
    /// Idle timeout before login.
    var idleBeforeLogin: TimeAmount
    /// From connecting to a completed login; nil: no deadline.
    var login: TimeAmount?

    init(idle: TimeAmount, idleBeforeLogin: TimeAmount, login: TimeAmount?) {
        self.idle = idle
        self.idleBeforeLogin = idleBeforeLogin
        self.login = login
    }

    init(limits: Limits, lineProtocol: LineProtocol) {
        let configured = Int64(max(1, limits.idleTimeoutSeconds))
        idle = .seconds(max(configured, Int64(lineProtocol.minimumIdleTimeoutSeconds)))
        if lineProtocol.expectsLogin {
            idleBeforeLogin = .seconds(min(configured, Int64(max(1, limits.loginIdleTimeoutSeconds))))
            login = .seconds(Int64(max(1, limits.loginTimeoutSeconds)))
        } else {
            idleBeforeLogin = idle
            login = nil
        }
    }

    /// The read-idle timer's period: the shorter idle timeout (the
    /// connection checks the one in effect each time it fires).
    var checkInterval: TimeAmount { min(idle, idleBeforeLogin) }

    func idle(loggedIn: Bool) -> TimeAmount { loggedIn ? idle : idleBeforeLogin }
}
