import Accounts
import IMAP
import Logging
import MailCore
import MailStore

/// Adapts `IMAPSession` (which frames commands and literals itself) to
/// `ByteSession`. Long responses go straight to the connection through the
/// session's writer; the rest comes back as `SessionOutput`.
final class IMAPByteSession: ByteSession {
    private let session: IMAPSession

    init(session: IMAPSession) { self.session = session }

    func greeting() async -> SessionOutput { Self.convert(session.greeting()) }
    func receive(_ bytes: [UInt8]) async -> SessionOutput {
        let started = ContinuousClock.now
        let output = await session.receive(bytes)
        ServerMetrics.commandDuration(protocolName: "imap", command: Self.metricsLabel(bytes),
                                      seconds: (ContinuousClock.now - started).seconds)
        return Self.convert(output)
    }

    /// The IMAP commands (RFC 9051 §6 and the extensions Tern offers) a
    /// latency histogram is kept for; anything else — literal data, SASL
    /// lines, DONE, unknown words — is "OTHER", so the label set stays bounded.
    private static let metricsVerbs: Set<String> = [
        "CAPABILITY", "NOOP", "LOGOUT", "STARTTLS", "AUTHENTICATE", "LOGIN", "ENABLE", "ID", "SELECT", "EXAMINE",
        "CREATE", "DELETE", "RENAME", "SUBSCRIBE", "UNSUBSCRIBE", "LIST", "LSUB", "NAMESPACE", "STATUS", "APPEND",
        "IDLE", "CHECK", "CLOSE", "UNSELECT", "EXPUNGE", "SEARCH", "FETCH", "STORE", "COPY", "MOVE",
        "UID EXPUNGE", "UID SEARCH", "UID FETCH", "UID STORE", "UID COPY", "UID MOVE",
    ]

    /// The command at the start of `bytes` (`tag SP command [SP …]`); a
    /// read that starts inside a literal is timed as "OTHER".
    static func metricsLabel(_ bytes: [UInt8]) -> String {
        let line = bytes.prefix(64).prefix { $0 != 0x0D && $0 != 0x0A }
        let words = String(decoding: line, as: UTF8.self).uppercased().split(separator: " ", maxSplits: 3)
        guard words.count >= 2 else { return "OTHER" }
        if words[1] == "UID", words.count >= 3 {
            let command = "UID \(words[2])"
            return metricsVerbs.contains(command) ? command : "OTHER"
        }
        let command = String(words[1])
        return metricsVerbs.contains(command) ? command : "OTHER"
    }
    func tlsStarted(_ connection: ConnectionInfo) async { session.tlsStarted(connection) }
    func connectionClosed() async { await session.connectionClosed() }
    var watchedMailbox: MailboxID? { session.watchedMailbox }
    func mailboxChanged() async -> SessionOutput { Self.convert(await session.mailboxChanged()) }
    func shutdownNotice() -> [UInt8]? { session.shutdownNotice() }
    var authenticatedAccountName: String? { session.authenticatedAccountName }

    private static func convert(_ output: IMAPSessionOutput) -> SessionOutput {
        let action: SessionAction
        switch output.action {
        case .none: action = .none
        case .startTLS: action = .startTLS
        case .close: action = .close
        case .startCompression: action = .startCompression
        }
        return SessionOutput(bytes: output.bytes, action: action)
    }
}

extension LineProtocol {
    /// IMAP clients re-issue IDLE every 29 minutes, so a server must not
    /// log out an idle client sooner than 30 minutes (RFC 9051 §5.4, RFC 2177).
    static let imapMinimumIdleTimeoutSeconds = 30 * 60

    /// IMAP (RFC 9051) on one listener: 143 with STARTTLS or 993 with implicit TLS.
    static func imap(store: any MailStore, authenticator: Authenticator,
                     configuration: IMAPSessionConfiguration, viewCache: MailboxViewCache? = nil) -> LineProtocol {
        imap(store: store, authenticator: authenticator, viewCache: viewCache, currentConfiguration: { configuration })
    }

    /// IMAP whose sessions each take `currentConfiguration()` when they
    /// start (a configuration reload applies to new sessions). Every
    /// listener of a server passes the same `viewCache`.
    static func imap(store: any MailStore, authenticator: Authenticator, viewCache: MailboxViewCache? = nil,
                     currentConfiguration: @escaping @Sendable () -> IMAPSessionConfiguration) -> LineProtocol {
        var imap = LineProtocol(
            name: "imap",
            // RFC 9051 §7.1.5: BYE before closing, also when refusing a connection.
            tooManyConnectionsReply: Array("* BYE too many connections\r\n".utf8),
            // RFC 9051 §5.4: the autologout timer; BYE says why.
            idleTimeoutReply: Array("* BYE autologout; idle for too long\r\n".utf8),
            // Used only if the session gives no notice of its own.
            shutdownReply: Array("* BYE server shutting down\r\n".utf8),
            minimumIdleTimeoutSeconds: imapMinimumIdleTimeoutSeconds,
            expectsLogin: true,
            sessions: .streamingBytes(
                make: { connection, logger, write in
                    IMAPByteSession(session: IMAPSession(
                        store: store, authenticator: authenticator, configuration: currentConfiguration(),
                        connection: connection, logger: logger, viewCache: viewCache, write: write))
                },
                changeNotifications: { mailboxID in store.changeNotifications(mailboxID: mailboxID) }))
        imap.loginTimeoutReply = Array("* BYE login timeout; log in sooner\r\n".utf8)
        // Dovecot's words for the same eviction.
        imap.evictedReply = Array("* BYE [UNAVAILABLE] connection queue full\r\n".utf8)
        imap.kickedReply = Array("* BYE disconnected by the administrator\r\n".utf8)
        return imap
    }
}
