import Logging
import MailCore
@testable import Server

/// Records what the connection loop did to the sessions, across connections.
final class SessionRecorder: Sendable {
    private let state = LockedBox((opened: 0, closed: 0, tls: [String?]()))
    var opened: Int { state.withLock { $0.opened } }
    var closed: Int { state.withLock { $0.closed } }
    var tlsDescriptions: [String?] { state.withLock { $0.tls } }
    func open() { state.withLock { $0.opened += 1 } }
    func close() { state.withLock { $0.closed += 1 } }
    func tls(_ description: String?) { state.withLock { $0.tls.append(description) } }
}

/// A tiny protocol for testing the server runtime without a real session:
/// `STLS` upgrades, `WHO` tells whether TLS is on, `LOGIN name` logs in
/// (no password), `QUIT` closes, anything else is echoed as `+OK echo <line>`.
final class EchoSession: LineSession {
    private var connection: ConnectionInfo
    private let recorder: SessionRecorder
    private(set) var authenticatedAccountName: String?

    init(connection: ConnectionInfo, recorder: SessionRecorder) {
        self.connection = connection
        self.recorder = recorder
        recorder.open()
    }

    func greeting() async -> SessionOutput { reply("+OK echo ready") }

    func handle(line: [UInt8]) async -> SessionOutput {
        let text = String(decoding: line, as: UTF8.self)
        switch text {
        case "STLS": return SessionOutput(bytes: Array("+OK begin TLS\r\n".utf8), action: .startTLS)
        case "WHO": return reply("+OK tls=\(connection.isTLS) id=\(connection.id)")
        case "QUIT": return SessionOutput(bytes: Array("+OK bye\r\n".utf8), action: .close)
        case _ where text.hasPrefix("LOGIN "):
            authenticatedAccountName = String(text.dropFirst("LOGIN ".count))
            return reply("+OK logged in")
        default: return reply("+OK echo \(text)")
        }
    }

    func handleOverlongLine() async -> SessionOutput { reply("-ERR line too long") }

    func tlsStarted(_ connection: ConnectionInfo) async {
        self.connection = connection
        recorder.tls(connection.tlsDescription)
    }

    func connectionClosed() async { recorder.close() }

    private func reply(_ text: String) -> SessionOutput { SessionOutput(bytes: Array((text + "\r\n").utf8)) }
}

extension LineProtocol {
    /// `expectsLogin`: the login timeouts apply until `LOGIN`.
    static func echo(recorder: SessionRecorder, expectsLogin: Bool = false) -> LineProtocol {
        var echo = LineProtocol(
            name: "echo", maxLineLength: 64,
            tooManyConnectionsReply: Array("-ERR [SYS/TEMP] too many connections\r\n".utf8),
            idleTimeoutReply: Array("-ERR idle timeout\r\n".utf8),
            expectsLogin: expectsLogin,
            makeSession: { connection, _ in EchoSession(connection: connection, recorder: recorder) })
        echo.loginTimeoutReply = Array("-ERR login timeout\r\n".utf8)
        echo.evictedReply = Array("-ERR [SYS/TEMP] connection queue full\r\n".utf8)
        echo.kickedReply = Array("-ERR kicked\r\n".utf8)
        return echo
    }
}

/// A `ListenerSet` serving the echo protocol on loopback: a STARTTLS
/// listener and an implicit-TLS one (both as `pop3` for the budgets).
struct RunningEchoListeners {
    var listeners: ListenerSet
    var serving: Task<Void, any Error>
    var plainPort: Int
    var tlsPort: Int

    static func start(directory: String, recorder: SessionRecorder, limits: Limits,
                      expectsLogin: Bool = false) async throws -> RunningEchoListeners {
        var configuration = TernConfiguration.localDefaults
        configuration.dataDirectory = directory
        let tls = try TLSContextProvider.forConfiguration(configuration, logger: Logger(label: "test"))
        let echo = LineProtocol.echo(recorder: recorder, expectsLogin: expectsLogin)
        let listeners = ListenerSet(
            listeners: [
                .init(configuration: .init(protocolName: .pop3, address: "127.0.0.1", port: 0, tls: .starttls),
                      lineProtocol: echo),
                .init(configuration: .init(protocolName: .pop3, address: "127.0.0.1", port: 0, tls: .implicit),
                      lineProtocol: echo),
            ],
            tls: tls, limits: limits, logger: Logger(label: "test"))
        let bound = try await listeners.bind()
        let serving = Task { try await listeners.serve() }
        return RunningEchoListeners(listeners: listeners, serving: serving, plainPort: bound[0].port,
                                    tlsPort: bound[1].port)
    }

    func stop() async throws {
        listeners.beginShutdown(grace: .seconds(5))
        try await withTimeout { try await serving.value }
    }
}
