import Accounts
import Logging
import MailCore
import MailStore
import SMTP

/// Adapts `SMTPSession` (which frames commands and DATA itself) to `ByteSession`.
final class SMTPByteSession: ByteSession {
    private let session: SMTPSession

    init(session: SMTPSession) { self.session = session }

    func greeting() async -> SessionOutput { Self.convert(session.greeting()) }
    func receive(_ bytes: [UInt8]) async -> SessionOutput { Self.convert(await session.receive(bytes)) }
    func tlsStarted(_ connection: ConnectionInfo) async { session.tlsStarted(connection) }
    /// For the TLS version in Received: fields. The session drops what it
    /// buffered: only an early talker can have sent anything yet.
    func implicitTLSCompleted(_ connection: ConnectionInfo) async { session.tlsStarted(connection) }
    func connectionClosed() async { session.connectionClosed() }
    var authenticatedAccountName: String? { session.authenticatedAccountName }

    private static func convert(_ output: SMTPOutput) -> SessionOutput {
        let action: SessionAction
        switch output.action {
        case .none: action = .none
        case .startTLS: action = .startTLS
        case .close: action = .close
        }
        return SessionOutput(bytes: output.bytes, action: action)
    }
}

extension LineProtocol {
    /// SMTP (RFC 5321) on one listener: MX or submission, per `configuration.mode`.
    static func smtp(store: any MailStore, authenticator: Authenticator, outboundQueue: (any OutboundQueue)?,
                     configuration: SMTPConfiguration) -> LineProtocol {
        smtp(store: store, authenticator: authenticator, outboundQueue: outboundQueue,
             currentConfiguration: { configuration })
    }

    /// SMTP whose sessions each take `currentConfiguration()` when they
    /// start (a configuration reload applies to new sessions).
    static func smtp(store: any MailStore, authenticator: Authenticator, outboundQueue: (any OutboundQueue)?,
                     currentConfiguration: @escaping @Sendable () -> SMTPConfiguration) -> LineProtocol {
        let configuration = currentConfiguration()
        let host = configuration.hostName
        var smtp = LineProtocol(
            name: configuration.mode == .mx ? "smtp" : "submission",
            // RFC 5321 §3.8, RFC 3463 4.7.0: a temporary refusal before the greeting.
            tooManyConnectionsReply: Array("421 4.7.0 too many connections\r\n".utf8),
            // RFC 5321 §4.5.3.2: the server may close an idle connection, with 421.
            idleTimeoutReply: Array("421 4.4.2 \(host) idle timeout, closing connection\r\n".utf8),
            // RFC 5321 §3.8: 421 when the service is shutting down.
            shutdownReply: Array("421 4.3.2 \(host) shutting down, closing connection\r\n".utf8),
            // Submission clients log in (RFC 6409 §4.3, AUTH before MAIL); MX clients never need to.
            expectsLogin: configuration.mode == .submission,
            sessions: .bytes(make: { connection, logger in
                SMTPByteSession(session: SMTPSession(
                    store: store, authenticator: authenticator, configuration: currentConfiguration(),
                    outboundQueue: outboundQueue, connection: connection, logger: logger))
            }))
        smtp.loginTimeoutReply = Array("421 4.4.2 \(host) login timeout, closing connection\r\n".utf8)
        smtp.evictedReply = Array("421 4.7.0 \(host) connection queue full, closing connection\r\n".utf8)
        smtp.kickedReply = Array("421 4.3.2 \(host) disconnected by the administrator, closing connection\r\n".utf8)
        return smtp
    }
}
