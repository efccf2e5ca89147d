import Logging
import MailCore
import MailStore

/// What the connection must do after sending a session's output.
enum SessionAction: Sendable, Equatable {
    case none
    /// Start TLS now that the reply went out, discarding every byte the
    /// client sent before the handshake (CVE-2011-0411 class).
    case startTLS
    /// Close the connection after sending.
    case close
    /// Compress both directions with DEFLATE from the byte after the
    /// reply on (IMAP COMPRESS, RFC 4978).
    case startCompression
}

/// Bytes to send and what to do next.
struct SessionOutput: Sendable {
    var bytes: [UInt8]
    var action: SessionAction
    /// Pieces that follow `bytes` (POP3 RETR streamed from the blob): the
    /// connection sends each as it comes, until nil.
    var stream: (@Sendable () async throws -> [UInt8]?)?
    init(bytes: [UInt8], action: SessionAction = .none, stream: (@Sendable () async throws -> [UInt8]?)? = nil) {
        self.bytes = bytes
        self.action = action
        self.stream = stream
    }
}

/// A line-based protocol session (POP3) as the connection loop sees it:
/// the connection frames lines. The session never touches the network;
/// the connection owns framing, TLS, timeouts and limits.
///
/// A session is used by one connection task at a time, so it need not be Sendable.
protocol LineSession: AnyObject {
    func greeting() async -> SessionOutput
    /// One line from the client without its line ending.
    func handle(line: [UInt8]) async -> SessionOutput
    /// The framer dropped a line longer than the protocol's bound.
    func handleOverlongLine() async -> SessionOutput
    /// The TLS handshake after a `.startTLS` action completed.
    func tlsStarted(_ connection: ConnectionInfo) async
    /// The connection ended for any reason (QUIT, error, timeout, shutdown).
    func connectionClosed() async
    /// The account the client logged in as; nil before login. Read after every output.
    var authenticatedAccountName: String? { get }
}

extension LineSession {
    var authenticatedAccountName: String? { nil }
}

/// A protocol session that frames the client's bytes itself (SMTP, whose
/// DATA must be framed exactly against smuggling; IMAP, whose literals are byte-counted).
/// It must bound its own buffers. After answering with `.startTLS` it must
/// hold no unread input; the connection drops whatever arrives before the
/// handshake.
protocol ByteSession: AnyObject {
    func greeting() async -> SessionOutput
    /// Bytes as read from the connection, in order; any framing.
    func receive(_ bytes: [UInt8]) async -> SessionOutput
    /// The TLS handshake after a `.startTLS` action completed.
    func tlsStarted(_ connection: ConnectionInfo) async
    /// The handshake of an implicit-TLS connection completed: `connection`
    /// now has the TLS description. Comes before any byte of the client,
    /// which may not send before the greeting (RFC 5321 §4.3.1 and the like).
    func implicitTLSCompleted(_ connection: ConnectionInfo) async
    /// The connection ended for any reason (QUIT, error, timeout, shutdown).
    func connectionClosed() async
    /// The mailbox whose changes should wake the session (IMAP's selected
    /// mailbox, for IDLE), nil when none. Read again after every input.
    var watchedMailbox: MailboxID? { get }
    /// The watched mailbox changed; what to send now (IDLE updates), if anything.
    func mailboxChanged() async -> SessionOutput
    /// Sent before closing at server shutdown; nil for the protocol's fixed reply.
    func shutdownNotice() -> [UInt8]?
    /// The account the client logged in as; nil before login. Read after every output.
    var authenticatedAccountName: String? { get }
}

extension ByteSession {
    var authenticatedAccountName: String? { nil }
    func implicitTLSCompleted(_ connection: ConnectionInfo) async {}
    var watchedMailbox: MailboxID? { nil }
    func mailboxChanged() async -> SessionOutput { SessionOutput(bytes: []) }
    func shutdownNotice() -> [UInt8]? { nil }
}

/// Writes bytes to the client at once and waits until they were written:
/// for sessions that stream long responses while they work (IMAP FETCH).
typealias ConnectionWriter = @Sendable ([UInt8]) async throws -> Void

/// How a listener speaks one protocol: its session factory and the few
/// replies the connection sends on its own.
struct LineProtocol: Sendable {
    /// How the connection hands input to the sessions of this protocol.
    enum Sessions: Sendable {
        /// The connection frames lines of at most `maxLineLength` octets.
        case lines(maxLineLength: Int, make: @Sendable (_ connection: ConnectionInfo, _ logger: Logger) -> any LineSession)
        /// The session gets the raw bytes.
        case bytes(make: @Sendable (_ connection: ConnectionInfo, _ logger: Logger) -> any ByteSession)
        /// The session gets the raw bytes, may write to the connection while
        /// it works, and is woken by `changeNotifications` of its
        /// `watchedMailbox` (IMAP).
        case streamingBytes(
            make: @Sendable (_ connection: ConnectionInfo, _ logger: Logger, _ write: @escaping ConnectionWriter)
                -> any ByteSession,
            changeNotifications: @Sendable (MailboxID) -> AsyncStream<Void>)
    }

    /// "pop3", "smtp", …: for logs.
    var name: String
    /// Sent before closing a connection over a connection limit.
    var tooManyConnectionsReply: [UInt8]
    /// Sent before closing an idle connection, if anything.
    var idleTimeoutReply: [UInt8]?
    /// Sent before closing a connection at server shutdown, if anything.
    var shutdownReply: [UInt8]?
    /// Sent before closing a connection that did not log in within the login
    /// timeout; nil: `idleTimeoutReply`.
    var loginTimeoutReply: [UInt8]?
    /// Sent before closing a connection evicted from a full pre-login pool;
    /// nil: `tooManyConnectionsReply`.
    var evictedReply: [UInt8]?
    /// Sent before closing a connection at the administrator's request
    /// (`tern kick`); nil: `shutdownReply`.
    var kickedReply: [UInt8]?
    /// The shortest idle timeout this protocol allows once logged in,
    /// whatever the configuration says (IMAP: 30 minutes, RFC 9051 §5.4).
    var minimumIdleTimeoutSeconds: Int
    /// True when clients log in (IMAP, POP3, submission): the shorter
    /// pre-login idle timeout and the login timeout apply until they do.
    var expectsLogin: Bool
    var sessions: Sessions

    /// A line-based protocol.
    init(name: String, maxLineLength: Int, tooManyConnectionsReply: [UInt8], idleTimeoutReply: [UInt8]?,
         shutdownReply: [UInt8]? = nil, expectsLogin: Bool = false,
         makeSession: @escaping @Sendable (_ connection: ConnectionInfo, _ logger: Logger) -> any LineSession) {
        self.init(name: name, tooManyConnectionsReply: tooManyConnectionsReply, idleTimeoutReply: idleTimeoutReply,
                  shutdownReply: shutdownReply, expectsLogin: expectsLogin,
                  sessions: .lines(maxLineLength: maxLineLength, make: makeSession))
    }

    init(name: String, tooManyConnectionsReply: [UInt8], idleTimeoutReply: [UInt8]?, shutdownReply: [UInt8]? = nil,
         minimumIdleTimeoutSeconds: Int = 0, expectsLogin: Bool = false, sessions: Sessions) {
        self.name = name
        self.tooManyConnectionsReply = tooManyConnectionsReply
        self.idleTimeoutReply = idleTimeoutReply
        self.shutdownReply = shutdownReply
        self.minimumIdleTimeoutSeconds = minimumIdleTimeoutSeconds
        self.expectsLogin = expectsLogin
        self.sessions = sessions
    }

    /// What to send before the server closes a connection on its own.
    func reply(for reason: CloseReason) -> [UInt8]? {
        switch reason {
        case .idleTimeout: idleTimeoutReply
        case .loginTimeout: loginTimeoutReply ?? idleTimeoutReply
        case .shutdown: shutdownReply
        case .evicted: evictedReply ?? tooManyConnectionsReply
        case .kicked: kickedReply ?? shutdownReply
        }
    }
}

/// Why the server closes a connection on its own.
enum CloseReason: Sendable, Equatable {
    /// Nothing from the client for the idle timeout.
    case idleTimeout
    /// Not logged in within the login timeout.
    case loginTimeout
    case shutdown
    /// Evicted to make room in a full pre-login pool.
    case evicted
    /// `tern kick`.
    case kicked
}
