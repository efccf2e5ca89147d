import Accounts
import Foundation
import Logging
import MailCore
import MailStore
import NIOCore
import XCTest
@testable import Server

/// The whole server in process with its IMAP listeners (SQLite store in a
/// temp directory, free loopback ports): greeting, LOGIN, SELECT, IDLE woken
/// by a message appended to the store, STARTTLS injection, connection limits
/// and shutdown.
final class IMAPServerTests: XCTestCase {
    private var directory: String!
    private let password = "Secret-123"

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tern-imap-\(UUID().uuidString)").path
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private struct Running {
        var store: SQLiteMailStore
        var signal: AsyncStream<ServerSignal>.Continuation
        var task: Task<Void, any Error>
        /// IMAP with STARTTLS, then IMAP over implicit TLS.
        var imapPort: Int
        var imapsPort: Int
        var inbox: MailboxID

        func stop() async throws {
            signal.yield(.terminate(SIGTERM))
            try await withTimeout { try await task.value }
        }
    }

    private func start(maxPerAddress: Int = 50) async throws -> Running {
        var configuration = TernConfiguration.localDefaults
        configuration.dataDirectory = directory
        // No HTTP: the default ports may be taken, which would stop the start.
        configuration.http.listeners = []
        configuration.limits.maxConnectionsPerAddress = maxPerAddress
        configuration.listeners = [
            .init(protocolName: .imap, address: "127.0.0.1", port: 0, tls: .starttls),
            .init(protocolName: .imap, address: "127.0.0.1", port: 0, tls: .implicit),
        ]
        let store = try SQLiteMailStore(directory: directory, logger: Logger(label: "test"), removeOrphanFiles: true)
        let server = TernServer(configuration: configuration, logger: Logger(label: "test"))
        let (signals, signal) = AsyncStream.makeStream(of: ServerSignal.self)
        let task = Task { try await server.run(store: store, signals: signals) }
        let ports = try await withTimeout { await server.listeningPorts() }
        XCTAssertEqual(ports.count, 2, "both IMAP listeners are started")
        guard ports.count == 2 else {
            signal.yield(.terminate(SIGTERM))
            _ = try? await task.value
            throw CancellationError()
        }
        // StoreSetup creates postmaster@localhost on first start, before listening.
        let found = try await store.account(address: "postmaster@localhost")
        let account = try XCTUnwrap(found)
        try await store.setPasswordHash(accountID: account.id, passwordHash: try PasswordHasher.hash(password: password))
        let mailbox = try await store.mailbox(accountID: account.id, name: "INBOX")
        let inbox = try XCTUnwrap(mailbox)
        return Running(store: store, signal: signal, task: task, imapPort: ports[0], imapsPort: ports[1],
                       inbox: inbox.id)
    }

    private static func message(_ subject: String) -> [UInt8] {
        Array("From: a@remote.example\r\nTo: postmaster@localhost\r\nSubject: \(subject)\r\n\r\nHello.\r\n".utf8)
    }

    func testGreetingLoginSelectFetchAndLogout() async throws {
        let server = try await start()
        let password = self.password
        _ = try await server.store.appendMessage(mailboxID: server.inbox, NewMessage(body: Self.message("first")))
        try await withTimeout {
            let client = try await TestClient.connect(port: server.imapPort)
            let greeting = try await client.readLine() ?? ""
            XCTAssertTrue(greeting.hasPrefix("* OK"), greeting)
            let capability = try await client.imap("c1", "CAPABILITY")
            XCTAssertTrue(capability.contains { $0.hasPrefix("* CAPABILITY") && $0.contains("STARTTLS") }, "\(capability)")
            let login = try await client.imap("a1", "LOGIN postmaster@localhost \(password)")
            XCTAssertTrue(login.last?.hasPrefix("a1 OK") == true, "loopback may log in without TLS: \(login)")
            let select = try await client.imap("a2", "SELECT INBOX")
            XCTAssertTrue(select.contains("* 1 EXISTS"), "\(select)")
            XCTAssertTrue(select.last?.hasPrefix("a2 OK") == true, "\(select)")
            let fetch = try await client.imap("a3", "FETCH 1 (BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
            XCTAssertTrue(fetch.contains("Subject: first"), "\(fetch)")
            XCTAssertTrue(fetch.last?.hasPrefix("a3 OK") == true, "\(fetch)")
            let logout = try await client.imap("a4", "LOGOUT")
            XCTAssertTrue(logout.first?.hasPrefix("* BYE") == true, "\(logout)")
            XCTAssertTrue(logout.last?.hasPrefix("a4 OK") == true, "\(logout)")
            let after = await client.readUntilClosed()
            XCTAssertEqual(after, [], "closed after LOGOUT")
        }
        try await server.stop()
    }

    /// A FETCH over many messages (streamed by the session through the
    /// connection's writer) comes whole and in order, before its completion.
    func testLargeFetchArrivesWholeAndInOrder() async throws {
        let server = try await start()
        let password = self.password
        let count = 300
        for number in 1...count {
            _ = try await server.store.appendMessage(mailboxID: server.inbox,
                                                     NewMessage(body: Self.message("message \(number)")))
        }
        try await withTimeout(60) {
            let client = try await TestClient.connect(port: server.imapsPort, implicitTLS: true)
            _ = try await client.readLine()
            _ = try await client.imap("a1", "LOGIN postmaster@localhost \(password)")
            _ = try await client.imap("a2", "EXAMINE INBOX")
            let lines = try await client.imap("a3", "FETCH 1:* (UID FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
            let fetches = lines.filter { $0.hasPrefix("* ") && $0.contains(" FETCH (") }
            XCTAssertEqual(fetches.count, count, "\(lines.suffix(3))")
            XCTAssertEqual(fetches.map { $0.split(separator: " ")[1] }, (1...count).map { Substring(String($0)) })
            let subjects = lines.filter { $0.hasPrefix("Subject: ") }
            XCTAssertEqual(subjects, (1...count).map { "Subject: message \($0)" })
            XCTAssertTrue(lines.last?.hasPrefix("a3 OK") == true, "\(lines.last ?? "")")
            await client.close()
        }
        try await server.stop()
    }

    /// RFC 2177: a message stored while the client idles is announced at once,
    /// without any command from the client.
    func testIDLEWakesOnAppendedMessage() async throws {
        let server = try await start()
        let password = self.password
        try await withTimeout {
            let client = try await TestClient.connect(port: server.imapsPort, implicitTLS: true)
            _ = try await client.readLine()
            _ = try await client.imap("a1", "LOGIN postmaster@localhost \(password)")
            let select = try await client.imap("a2", "SELECT INBOX")
            XCTAssertTrue(select.contains("* 0 EXISTS"), "\(select)")
            try await client.send("a3 IDLE\r\n")
            let idling = try await client.readLine() ?? ""
            XCTAssertTrue(idling.hasPrefix("+"), idling)
            _ = try await server.store.appendMessage(mailboxID: server.inbox, NewMessage(body: Self.message("pushed")))
            var pushed: [String] = []
            while let line = try await client.readLine() {
                pushed.append(line)
                if line == "* 1 EXISTS" { break }
            }
            XCTAssertEqual(pushed.last, "* 1 EXISTS", "\(pushed)")
            try await client.send("DONE\r\n")
            var done: [String] = []
            while let line = try await client.readLine() {
                done.append(line)
                if line.hasPrefix("a3 ") { break }
            }
            XCTAssertTrue(done.last?.hasPrefix("a3 OK") == true, "\(done)")
            _ = try await client.imap("a4", "LOGOUT")
            await client.close()
        }
        try await server.stop()
    }

    /// RFC 9051 §6.2.1 and RFC 2595 §3.1: commands pipelined after STARTTLS
    /// were sent in cleartext and are discarded.
    func testCommandsPipelinedAfterSTARTTLSAreDiscarded() async throws {
        let server = try await start()
        let password = self.password
        try await withTimeout {
            let client = try await TestClient.connect(port: server.imapPort)
            _ = try await client.readLine()
            try await client.send("s1 STARTTLS\r\ns2 LOGIN postmaster@localhost \(password)\r\n")
            let goAhead = try await client.readLine() ?? ""
            XCTAssertTrue(goAhead.hasPrefix("s1 OK"), goAhead)
            try await client.startTLS()
            let capability = try await client.imap("s3", "CAPABILITY")
            XCTAssertFalse(capability.contains { $0.hasPrefix("s2 ") }, "the injected LOGIN got no answer: \(capability)")
            XCTAssertFalse(capability.contains { $0.contains("STARTTLS") }, "no second STARTTLS: \(capability)")
            // Had the injected LOGIN counted, SELECT would work.
            let select = try await client.imap("s4", "SELECT INBOX")
            XCTAssertFalse(select.last?.hasPrefix("s4 OK") == true, "not logged in: \(select)")
            let login = try await client.imap("s5", "LOGIN postmaster@localhost \(password)")
            XCTAssertTrue(login.last?.hasPrefix("s5 OK") == true, "\(login)")
            await client.close()
        }
        try await server.stop()
    }

    func testOverTheConnectionLimitIMAPSaysBYE() async throws {
        let server = try await start(maxPerAddress: 1)
        try await withTimeout {
            let first = try await TestClient.connect(port: server.imapPort)
            let greeting = try await first.readLine() ?? ""
            XCTAssertTrue(greeting.hasPrefix("* OK"), greeting)
            let second = try await TestClient.connect(port: server.imapPort)
            let refused = await second.readUntilClosed()
            XCTAssertEqual(refused, ["* BYE too many connections"])
            await first.close()
        }
        try await server.stop()
    }

    /// RFC 9051 §7.1.5: an idle client is told BYE when the server stops.
    func testShutdownSendsBYEToAnIdlingClient() async throws {
        let server = try await start()
        let password = self.password
        let client = try await withTimeout { () -> TestClient in
            let client = try await TestClient.connect(port: server.imapPort)
            _ = try await client.readLine()
            _ = try await client.imap("a1", "LOGIN postmaster@localhost \(password)")
            _ = try await client.imap("a2", "SELECT INBOX")
            try await client.send("a3 IDLE\r\n")
            _ = try await client.readLine()
            return client
        }
        try await server.stop()
        let lines = try await withTimeout { await client.readUntilClosed() }
        XCTAssertTrue(lines.contains { $0.hasPrefix("* BYE") }, "\(lines)")
    }

    /// The policy of an IMAP listener: STARTTLS only on a cleartext listener,
    /// APPENDLIMIT from `limits.max_message_size`, an idle timeout of at
    /// least 30 minutes (RFC 9051 §5.4).
    func testIMAPListenerConfiguration() async throws {
        var configuration = TernConfiguration.localDefaults
        configuration.dataDirectory = directory
        configuration.limits.maxMessageSize = 3_000_000
        let server = TernServer(configuration: configuration, logger: Logger(label: "test"))
        let starttls = ListenerConfiguration(protocolName: .imap, address: "127.0.0.1", port: 0, tls: .starttls)
        let implicit = ListenerConfiguration(protocolName: .imap, address: "127.0.0.1", port: 0, tls: .implicit)
        let imap = server.imapConfiguration(for: starttls)
        XCTAssertTrue(imap.offersSTARTTLS)
        XCTAssertFalse(server.imapConfiguration(for: implicit).offersSTARTTLS)
        XCTAssertEqual(imap.parserLimits.maxLiteralSize, 3_000_000, "APPENDLIMIT")
        XCTAssertGreaterThan(imap.parserLimits.maxCommandSize, 3_000_000)
        XCTAssertEqual(imap.allowCleartextAuthentication, configuration.authentication.allowCleartext)
        let store = try SQLiteMailStore(directory: directory, logger: Logger(label: "test"))
        let lineProtocol = LineProtocol.imap(
            store: store, authenticator: Authenticator(store: store, logger: Logger(label: "test")), configuration: imap)
        XCTAssertEqual(lineProtocol.name, "imap")
        XCTAssertEqual(lineProtocol.tooManyConnectionsReply, Array("* BYE too many connections\r\n".utf8))
        let limits = Limits(maxConnections: 10, maxConnectionsPerAddress: 10, idleTimeoutSeconds: 600,
                            maxMessageSize: 1 << 20, shutdownGraceSeconds: 1)
        let listeners = ListenerSet(listeners: [], tls: nil, limits: limits, logger: Logger(label: "test"))
        let timeouts = listeners.timeouts(for: .init(configuration: starttls, lineProtocol: lineProtocol))
        XCTAssertEqual(timeouts.idle, .seconds(1800))
        // Before login: the login idle timeout (60 s) and the login deadline (180 s), not 30 minutes.
        XCTAssertEqual(timeouts.idleBeforeLogin, .seconds(60))
        XCTAssertEqual(timeouts.login, .seconds(180))
        XCTAssertEqual(lineProtocol.reply(for: .loginTimeout), Array("* BYE login timeout; log in sooner\r\n".utf8))
        XCTAssertEqual(lineProtocol.reply(for: .evicted),
                       Array("* BYE [UNAVAILABLE] connection queue full\r\n".utf8))
        try await store.close()
    }

    /// A protocol's minimum idle timeout (IMAP's 30 minutes, RFC 9051 §5.4)
    /// raises a shorter configured one once logged in; other protocols keep
    /// the configured one. Before login the shorter login idle timeout
    /// applies to protocols with a login; a protocol without (MX) has no
    /// login deadline.
    func testProtocolMinimumIdleTimeoutRaisesTheConfiguredOne() throws {
        let listener = ListenerConfiguration(protocolName: .imap, address: "127.0.0.1", port: 0, tls: .starttls)
        var raised = LineProtocol.echo(recorder: SessionRecorder())
        raised.minimumIdleTimeoutSeconds = 1800
        raised.expectsLogin = true
        for (configured, expected, beforeLogin) in [(600, 1800, 45), (3600, 3600, 45), (5, 1800, 5)] {
            let limits = Limits(maxConnections: 10, maxConnectionsPerAddress: 10, idleTimeoutSeconds: configured,
                                maxMessageSize: 1 << 20, shutdownGraceSeconds: 1, loginIdleTimeoutSeconds: 45,
                                loginTimeoutSeconds: 90)
            let listeners = ListenerSet(listeners: [], tls: nil, limits: limits, logger: Logger(label: "test"))
            let withLogin = listeners.timeouts(for: .init(configuration: listener, lineProtocol: raised))
            XCTAssertEqual(withLogin.idle, .seconds(Int64(expected)))
            XCTAssertEqual(withLogin.idleBeforeLogin, .seconds(Int64(beforeLogin)))
            XCTAssertEqual(withLogin.login, .seconds(90))
            XCTAssertEqual(withLogin.checkInterval, .seconds(Int64(beforeLogin)))
            let plain = listeners.timeouts(for: .init(configuration: listener,
                                                      lineProtocol: .echo(recorder: SessionRecorder())))
            XCTAssertEqual(plain.idle, .seconds(Int64(configured)))
            XCTAssertEqual(plain.idleBeforeLogin, .seconds(Int64(configured)))
            XCTAssertNil(plain.login)
        }
    }
}

extension TestClient {
    /// Sends `tag command` and returns every line up to and including the
    /// tagged completion (literals come as lines too).
    func imap(_ tag: String, _ command: String) async throws -> [String] {
        try await send("\(tag) \(command)\r\n")
        var lines: [String] = []
        while let line = try await readLine() {
            lines.append(line)
            if line.hasPrefix("\(tag) ") { return lines }
        }
        return lines
    }
}
