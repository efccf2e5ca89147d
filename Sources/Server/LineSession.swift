import Logging
import MailCore

/// What the connection must do after sending a session's output.
enum SessionAction: Sendable, Equatable {
    case none
    /// Start TLS now that the reply went out, discarding every byte the
    /// client sent before the handshake (CVE-2011-0411 class).
    case startTLS
    /// Close the connection after sending.
    case close
}

/// Bytes to send and what to do next.
struct SessionOutput: Sendable {
    var bytes: [UInt8]
    var action: SessionAction
    init(bytes: [UInt8], action: SessionAction = .none) {
        self.bytes = bytes
        self.action = action
    }
}

/// A line-based protocol session (POP3 now; IMAP and SMTP later) as the
/// connection loop sees it. The session never touches the network; the
/// connection owns framing, TLS, timeouts and limits.
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
}

/// How a listener speaks one protocol: its session factory and the few
/// replies the connection sends on its own.
struct LineProtocol: Sendable {
    /// "pop3", "imap", …: for logs.
    var name: String
    /// Hard bound for the line framer.
    var maxLineLength: Int
    /// Sent before closing a connection over a connection limit.
    var tooManyConnectionsReply: [UInt8]
    /// Sent before closing an idle connection, if anything.
    var idleTimeoutReply: [UInt8]?
    /// Creates the session of a new connection.
    var makeSession: @Sendable (_ connection: ConnectionInfo, _ logger: Logger) -> any LineSession
}
