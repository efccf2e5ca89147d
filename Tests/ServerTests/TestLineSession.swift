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
/// `STLS` upgrades, `WHO` tells whether TLS is on, `QUIT` closes, anything
/// else is echoed as `+OK echo <line>`.
final class EchoSession: LineSession {
    private var connection: ConnectionInfo
    private let recorder: SessionRecorder

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
    static func echo(recorder: SessionRecorder) -> LineProtocol {
        LineProtocol(
            name: "echo", maxLineLength: 64,
            tooManyConnectionsReply: Array("-ERR [SYS/TEMP] too many connections\r\n".utf8),
            idleTimeoutReply: Array("-ERR idle timeout\r\n".utf8),
            makeSession: { connection, _ in EchoSession(connection: connection, recorder: recorder) })
    }
}
