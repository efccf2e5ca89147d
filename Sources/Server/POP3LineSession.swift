import Accounts
import Logging
import MailCore
import MailStore
import POP3

/// Adapts `POP3Session` to the protocol-neutral `LineSession`.
final class POP3LineSession: LineSession {
    private let session: POP3Session

    init(session: POP3Session) { self.session = session }

    func greeting() async -> SessionOutput { Self.convert(session.greeting()) }
    func handle(line: [UInt8]) async -> SessionOutput {
        let started = ContinuousClock.now
        let output = await session.handle(line: line)
        ServerMetrics.commandDuration(protocolName: "pop3", command: Self.metricsLabel(line),
                                      seconds: (ContinuousClock.now - started).seconds)
        return Self.convert(output)
    }

    /// The POP3 commands (RFC 1939, 2449, 2595, 5034) a latency histogram
    /// is kept for; anything else (and SASL lines) is "OTHER".
    private static let metricsVerbs: Set<String> = [
        "USER", "PASS", "APOP", "AUTH", "STLS", "CAPA", "STAT", "LIST", "RETR", "TOP", "DELE", "UIDL", "NOOP",
        "RSET", "QUIT", "UTF8",
    ]

    private static func metricsLabel(_ line: [UInt8]) -> String {
        let verb = String(decoding: line.prefix { $0 != 0x20 }.prefix(5), as: UTF8.self).uppercased()
        return metricsVerbs.contains(verb) ? verb : "OTHER"
    }
    func handleOverlongLine() async -> SessionOutput { Self.convert(session.handleOverlongLine()) }
    func tlsStarted(_ connection: ConnectionInfo) async { session.tlsStarted(connection) }
    func connectionClosed() async { await session.connectionClosed() }
    var authenticatedAccountName: String? { session.authenticatedAccountName }

    private static func convert(_ output: POP3Output) -> SessionOutput {
        let action: SessionAction
        switch output.action {
        case .none: action = .none
        case .startTLS: action = .startTLS
        case .close: action = .close
        }
        guard let stream = output.stream else { return SessionOutput(bytes: output.bytes, action: action) }
        return SessionOutput(bytes: output.bytes, action: action, stream: { try await stream.next() })
    }
}

extension LineProtocol {
    /// POP3 (RFC 1939) on one listener. `locks` and `authenticator` are shared
    /// by every POP3 listener of the server.
    static func pop3(store: any MailStore, authenticator: Authenticator, locks: MaildropLocks,
                     configuration: POP3Configuration) -> LineProtocol {
        pop3(store: store, authenticator: authenticator, locks: locks, currentConfiguration: { configuration })
    }

    /// POP3 whose sessions each take `currentConfiguration()` when they
    /// start (a configuration reload applies to new sessions).
    static func pop3(store: any MailStore, authenticator: Authenticator, locks: MaildropLocks,
                     currentConfiguration: @escaping @Sendable () -> POP3Configuration) -> LineProtocol {
        var pop3 = LineProtocol(
            name: "pop3",
            // Commands are at most 255 octets (RFC 2449 §4) and the session
            // answers longer ones itself; the framer only stops abuse.
            maxLineLength: 8 * 1024,
            // RFC 3206 SYS/TEMP: a temporary condition on the server.
            tooManyConnectionsReply: Array("-ERR [SYS/TEMP] too many connections\r\n".utf8),
            idleTimeoutReply: Array("-ERR idle timeout\r\n".utf8),
            expectsLogin: true,
            makeSession: { connection, logger in
                POP3LineSession(session: POP3Session(
                    store: store, authenticator: authenticator, locks: locks,
                    configuration: currentConfiguration(), connection: connection, logger: logger))
            })
        pop3.loginTimeoutReply = Array("-ERR login timeout\r\n".utf8)
        pop3.evictedReply = Array("-ERR [SYS/TEMP] connection queue full\r\n".utf8)
        pop3.kickedReply = Array("-ERR disconnected by the administrator\r\n".utf8)
        return pop3
    }
}
