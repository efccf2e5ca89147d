import Accounts
import Foundation
import Logging
import MailCore
import MailStore
import NIOCore
import XCTest
@testable import Server

/// The connection loop's support for streaming, mailbox-watching byte
/// sessions (what IMAP uses), with a tiny test session and in-memory change
/// notifications: changes of the watched mailbox wake the connection, the
/// watch follows the session and ends with the connection, streamed writes
/// come before the reply (through TLS too), shutdown sends the session's notice.
final class StreamingConnectionTests: XCTestCase {
    private var directory: String!
    private let hub = TestChangeHub()

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tern-stream-\(UUID().uuidString)").path
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private struct Running {
        var listeners: ListenerSet
        var serving: Task<Void, any Error>
        var port: Int

        func stop() async throws {
            listeners.beginShutdown(grace: .seconds(5))
            try await withTimeout { try await serving.value }
        }
    }

    private func start() async throws -> Running {
        var configuration = TernConfiguration.localDefaults
        configuration.dataDirectory = directory
        let tls = try TLSContextProvider.forConfiguration(configuration, logger: Logger(label: "test"))
        let limits = Limits(maxConnections: 100, maxConnectionsPerAddress: 10, idleTimeoutSeconds: 600,
                            maxMessageSize: 1 << 20, shutdownGraceSeconds: 5)
        let hub = self.hub
        let lineProtocol = LineProtocol(
            name: "watch", tooManyConnectionsReply: Array("* BYE too many\r\n".utf8), idleTimeoutReply: nil,
            shutdownReply: Array("* BYE fixed reply\r\n".utf8),
            sessions: .streamingBytes(make: { _, _, write in WatchingTestSession(write: write) },
                                      changeNotifications: { hub.subscribe($0) }))
        let listeners = ListenerSet(
            listeners: [.init(configuration: .init(protocolName: .imap, address: "127.0.0.1", port: 0, tls: .starttls),
                              lineProtocol: lineProtocol)],
            tls: tls, limits: limits, logger: Logger(label: "test"))
        let bound = try await listeners.bind()
        let serving = Task { try await listeners.serve() }
        return Running(listeners: listeners, serving: serving, port: bound[0].port)
    }


    func testChangesOfTheWatchedMailboxWakeTheConnection() async throws {
        let server = try await start()
        let hub = self.hub
        try await withTimeout {
            let client = try await TestClient.connect(port: server.port)
            _ = try await client.readLine()
            try await client.send("WATCH 7\r\n")
            let watching = try await client.readLine()
            XCTAssertEqual(watching, "OK watching 7")
            try await hub.waitForSubscribers(7, 1)
            hub.notify(7)
            let changed = try await client.readLine()
            XCTAssertEqual(changed, "* CHANGED 7 (1)")
            // The watch follows the session: mailbox 7 is let go, 8 is watched.
            try await client.send("WATCH 8\r\n")
            let switched = try await client.readLine()
            XCTAssertEqual(switched, "OK watching 8")
            try await hub.waitForSubscribers(8, 1)
            try await hub.waitForSubscribers(7, 0)
            hub.notify(7)
            try await client.send("PING\r\n")
            let pong = try await client.readLine()
            XCTAssertEqual(pong, "PONG", "no wake-up for a mailbox no longer watched")
            hub.notify(8)
            let changedAgain = try await client.readLine()
            XCTAssertEqual(changedAgain, "* CHANGED 8 (2)")
            try await client.send("UNWATCH\r\n")
            let unwatched = try await client.readLine()
            XCTAssertEqual(unwatched, "OK watching none")
            try await hub.waitForSubscribers(8, 0)
            try await client.send("WATCH 9\r\nQUIT\r\n")
            let rest = await client.readUntilClosed()
            XCTAssertEqual(rest, ["OK watching 9", "* BYE"])
            // The watch ends with the connection.
            try await hub.waitForSubscribers(9, 0)
        }
        try await server.stop()
    }

    func testStreamedWritesComeBeforeTheReplyAlsoAfterSTARTTLS() async throws {
        let server = try await start()
        try await withTimeout {
            let client = try await TestClient.connect(port: server.port)
            _ = try await client.readLine()
            try await client.send("STREAM 3\r\n")
            var lines: [String] = []
            for _ in 0..<4 { lines.append(try await client.readLine() ?? "") }
            XCTAssertEqual(lines, ["* chunk 1", "* chunk 2", "* chunk 3", "OK streamed"])
            try await client.send("STARTTLS\r\nSTREAM 9\r\n")
            let goAhead = try await client.readLine()
            XCTAssertEqual(goAhead, "OK begin TLS")
            try await client.startTLS()
            try await client.send("STREAM 2\r\n")
            lines = []
            for _ in 0..<3 { lines.append(try await client.readLine() ?? "") }
            XCTAssertEqual(lines, ["* chunk 1", "* chunk 2", "OK streamed"], "the pipelined STREAM 9 was discarded")
            await client.close()
        }
        try await server.stop()
    }

    func testShutdownSendsTheSessionsNotice() async throws {
        let server = try await start()
        let hub = self.hub
        let client = try await withTimeout { () -> TestClient in
            let client = try await TestClient.connect(port: server.port)
            _ = try await client.readLine()
            try await client.send("WATCH 1\r\n")
            _ = try await client.readLine()
            return client
        }
        try await server.stop()
        let lines = try await withTimeout { await client.readUntilClosed() }
        XCTAssertEqual(lines, ["* BYE watch shutdown"])
        try await withTimeout { try await hub.waitForSubscribers(1, 0) }
    }
}

/// In-memory change notifications that count their live subscriptions.
final class TestChangeHub: Sendable {
    private let subscriptions = LockedBox<(next: Int, streams: [MailboxID: [Int: AsyncStream<Void>.Continuation]])>(
        (0, [:]))

    func subscribe(_ mailbox: MailboxID) -> AsyncStream<Void> {
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let id = subscriptions.withLock { state -> Int in
            state.next += 1
            state.streams[mailbox, default: [:]][state.next] = continuation
            return state.next
        }
        continuation.onTermination = { [subscriptions] _ in
            subscriptions.withLock { state in _ = state.streams[mailbox]?.removeValue(forKey: id) }
        }
        return stream
    }

    func notify(_ mailbox: MailboxID) {
        for continuation in subscriptions.withLock({ Array(($0.streams[mailbox] ?? [:]).values) }) {
            continuation.yield()
        }
    }

    func subscribers(_ mailbox: MailboxID) -> Int {
        subscriptions.withLock { $0.streams[mailbox]?.count ?? 0 }
    }

    /// Waits (bounded by the caller's timeout) until `mailbox` has `count` subscribers.
    func waitForSubscribers(_ mailbox: MailboxID, _ count: Int) async throws {
        while subscribers(mailbox) != count { try await Task.sleep(for: .milliseconds(10)) }
    }
}

/// A line protocol with a byte session: `WATCH n` / `UNWATCH` set the watched
/// mailbox, `STREAM n` writes n lines through the connection's writer before
/// its reply, `STARTTLS` upgrades, `QUIT` closes, anything else is `PONG`.
final class WatchingTestSession: ByteSession {
    private let write: ConnectionWriter
    private var buffer: [UInt8] = []
    private var changes = 0
    private(set) var watchedMailbox: MailboxID?

    init(write: @escaping ConnectionWriter) { self.write = write }

    func greeting() async -> SessionOutput { SessionOutput(bytes: Array("* OK watch ready\r\n".utf8)) }

    func receive(_ bytes: [UInt8]) async -> SessionOutput {
        buffer += bytes
        var reply = ""
        while let lf = buffer.firstIndex(of: 0x0A) {
            let line = String(decoding: buffer[..<lf], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            buffer.removeSubrange(...lf)
            let words = line.split(separator: " ").map(String.init)
            switch words.first {
            case "WATCH":
                watchedMailbox = words.count > 1 ? MailboxID(words[1]) : nil
                reply += "OK watching \(watchedMailbox.map { String($0) } ?? "none")\r\n"
            case "UNWATCH":
                watchedMailbox = nil
                reply += "OK watching none\r\n"
            case "STREAM":
                for number in 1...max(1, Int(words.last ?? "") ?? 1) {
                    try? await write(Array("* chunk \(number)\r\n".utf8))
                }
                reply += "OK streamed\r\n"
            case "STARTTLS":
                buffer = []
                return SessionOutput(bytes: Array((reply + "OK begin TLS\r\n").utf8), action: .startTLS)
            case "QUIT":
                return SessionOutput(bytes: Array((reply + "* BYE\r\n").utf8), action: .close)
            default:
                reply += "PONG\r\n"
            }
        }
        return SessionOutput(bytes: Array(reply.utf8))
    }

    func mailboxChanged() async -> SessionOutput {
        changes += 1
        return SessionOutput(bytes: Array("* CHANGED \(watchedMailbox.map { String($0) } ?? "none") (\(changes))\r\n".utf8))
    }

    func shutdownNotice() -> [UInt8]? { Array("* BYE watch shutdown\r\n".utf8) }
    func tlsStarted(_ connection: ConnectionInfo) async {}
    func connectionClosed() async {}
}
