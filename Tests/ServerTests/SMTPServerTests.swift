import Accounts
import Foundation
import Logging
import MailCore
import MailStore
import SMTP
import XCTest
@testable import Server

/// The whole server in process with SMTP listeners (SQLite store in a temp
/// directory, free loopback ports): the byte-level session path, STARTTLS,
/// connection limits, local delivery into the store and queued relay.
final class SMTPServerTests: XCTestCase {
    private var directory: String!
    private let password = "Secret-123"

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tern-smtp-\(UUID().uuidString)").path
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private struct Running {
        var store: SQLiteMailStore
        var signal: AsyncStream<ServerSignal>.Continuation
        var task: Task<Void, any Error>
        /// MX (STARTTLS), then submissions (implicit TLS).
        var mxPort: Int
        var submissionsPort: Int

        func stop() async throws {
            signal.yield(.terminate(SIGTERM))
            try await withTimeout { try await task.value }
        }
    }

    private func start(maxPerAddress: Int = 50) async throws -> Running {
        var configuration = TernConfiguration.localDefaults
        configuration.dataDirectory = directory
        configuration.localDomains = ["localhost", "example.org"]
        // No HTTP: the default ports may be taken, which would stop the start.
        configuration.http.listeners = []
        configuration.limits.maxConnectionsPerAddress = maxPerAddress
        configuration.listeners = [
            .init(protocolName: .smtp, address: "127.0.0.1", port: 0, tls: .starttls),
            .init(protocolName: .submission, address: "127.0.0.1", port: 0, tls: .implicit),
        ]
        let store = try SQLiteMailStore(directory: directory, logger: Logger(label: "test"), removeOrphanFiles: true)
        let server = TernServer(configuration: configuration, logger: Logger(label: "test"))
        let (signals, signal) = AsyncStream.makeStream(of: ServerSignal.self)
        let task = Task { try await server.run(store: store, signals: signals) }
        let ports = try await withTimeout { await server.listeningPorts() }
        XCTAssertEqual(ports.count, 2, "both SMTP listeners are started")
        guard ports.count == 2 else { throw CancellationError() }
        let account = try await withTimeout { () -> Account? in
            // StoreSetup creates postmaster@localhost on first start, before listening.
            try await store.account(address: "postmaster@localhost")
        }
        let hash = try PasswordHasher.hash(password: password)
        try await store.setPasswordHash(accountID: try XCTUnwrap(account).id, passwordHash: hash)
        return Running(store: store, signal: signal, task: task, mxPort: ports[0], submissionsPort: ports[1])
    }

    func testMXDeliveryLandsInINBOXWithTraceFields() async throws {
        let server = try await start()
        let message = "From: a@remote.example\r\nSubject: hi\r\n\r\n..dot line\r\nbody\r\n"
        try await withTimeout {
            let client = try await TestClient.connect(port: server.mxPort)
            let greeting = try await client.readReply()
            XCTAssertEqual(greeting, ["220 localhost ESMTP Tern"])
            try await client.send("EHLO client.example\r\n")
            let ehlo = try await client.readReply()
            XCTAssertTrue(ehlo.contains("250-STARTTLS"), "\(ehlo)")
            XCTAssertFalse(ehlo.contains { $0.contains("AUTH") }, "no AUTH on MX before TLS: \(ehlo)")
            // Pipelined (RFC 2920): everything up to DATA in one write.
            try await client.send("MAIL FROM:<a@remote.example>\r\nRCPT TO:<postmaster@localhost>\r\nDATA\r\n")
            let codes = try await [client.readReply(), client.readReply(), client.readReply()].map { $0.last ?? "" }
            XCTAssertEqual(codes.map { $0.prefix(3) }, ["250", "250", "354"], "\(codes)")
            try await client.send(message + ".\r\nQUIT\r\n")
            let done = try await client.readReply().last ?? ""
            XCTAssertTrue(done.hasPrefix("250 2.0.0 OK id="), done)
            let bye = try await client.readReply()
            XCTAssertEqual(bye.last?.prefix(4), "221 ")
            await client.close()
        }
        let account = try await server.store.account(address: "postmaster@localhost")
        let inbox = try await server.store.mailbox(accountID: try XCTUnwrap(account).id, name: "INBOX")
        let records = try await server.store.messages(mailboxID: try XCTUnwrap(inbox).id)
        XCTAssertEqual(records.count, 1)
        let body = try await server.store.messageBody(mailboxID: try XCTUnwrap(inbox).id, uid: try XCTUnwrap(records.first).uid)
        let text = String(decoding: body, as: UTF8.self)
        XCTAssertTrue(text.hasPrefix("Return-Path: <a@remote.example>\r\nReceived: from "), text)
        // Dot-stuffing undone: the stored message ends with exactly what was meant.
        XCTAssertTrue(text.hasSuffix("\r\n" + message.replacingOccurrences(of: "\r\n..dot", with: "\r\n.dot")), text)
        try await server.stop()
    }

    /// RFC 3207 §4.2: commands sent in the same packet as STARTTLS are discarded.
    func testCommandsInjectedAfterSTARTTLSAreDiscarded() async throws {
        let server = try await start()
        try await withTimeout {
            let client = try await TestClient.connect(port: server.mxPort)
            _ = try await client.readReply()
            try await client.send("EHLO client.example\r\n")
            _ = try await client.readReply()
            try await client.send("STARTTLS\r\nEHLO injected.example\r\n")
            let goAhead = try await client.readReply()
            XCTAssertEqual(goAhead, ["220 2.0.0 Ready to start TLS"])
            try await client.startTLS()
            // Had the injected EHLO counted, MAIL would be accepted.
            try await client.send("MAIL FROM:<a@remote.example>\r\n")
            let reply = try await client.readReply()
            XCTAssertEqual(reply.first?.prefix(9), "503 5.5.1", "\(reply)")
            try await client.send("EHLO client.example\r\n")
            let ehlo = try await client.readReply()
            XCTAssertFalse(ehlo.contains("250-STARTTLS"), "\(ehlo)")
            XCTAssertTrue(ehlo.contains { $0.hasPrefix("250-AUTH") }, "AUTH offered once on TLS: \(ehlo)")
            await client.close()
        }
        try await server.stop()
    }

    func testOverTheConnectionLimitSMTPAnswers421() async throws {
        let server = try await start(maxPerAddress: 1)
        try await withTimeout {
            let first = try await TestClient.connect(port: server.mxPort)
            let greeting = try await first.readReply()
            XCTAssertEqual(greeting.first?.prefix(4), "220 ")
            let second = try await TestClient.connect(port: server.mxPort)
            let refused = await second.readUntilClosed()
            XCTAssertEqual(refused, ["421 4.7.0 too many connections"])
            await first.close()
        }
        try await server.stop()
    }

    /// Submission over implicit TLS: AUTH PLAIN, relay to another domain is
    /// queued in the store with its DSN parameters (nothing is sent anywhere).
    func testAuthenticatedRelayIsQueuedInTheStore() async throws {
        let server = try await start()
        let credentials = Data("\0postmaster@localhost\0\(password)".utf8).base64EncodedString()
        try await withTimeout {
            let client = try await TestClient.connect(port: server.submissionsPort, implicitTLS: true)
            _ = try await client.readReply()
            try await client.send("EHLO client.example\r\nMAIL FROM:<postmaster@localhost>\r\n")
            _ = try await client.readReply()
            let refused = try await client.readReply()
            XCTAssertEqual(refused.first?.prefix(9), "530 5.7.0", "AUTH required first")
            try await client.send("AUTH PLAIN \(credentials)\r\n")
            let authenticated = try await client.readReply()
            XCTAssertEqual(authenticated.first?.prefix(9), "235 2.7.0")
            try await client.send("MAIL FROM:<postmaster@localhost> RET=HDRS ENVID=env+2B1\r\n"
                + "RCPT TO:<friend@other.example> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;friend@other.example\r\n"
                + "RCPT TO:<second@other.example> NOTIFY=NEVER\r\nDATA\r\n")
            for expected in ["250", "250", "250", "354"] {
                let reply = try await client.readReply()
                XCTAssertEqual(reply.last?.prefix(3).description, expected)
            }
            try await client.send("Subject: out\r\n\r\nrelayed\r\n.\r\n")
            let done = try await client.readReply().last ?? ""
            XCTAssertTrue(done.hasPrefix("250 "), done)
            await client.close()
        }
        let queued = try await server.store.queuedMessages()
        XCTAssertEqual(queued.count, 1)
        let message = try XCTUnwrap(queued.first)
        XCTAssertEqual(message.sender, "postmaster@localhost")
        XCTAssertEqual(message.ret, .headers)
        XCTAssertEqual(message.envelopeID, "env+1")
        XCTAssertEqual(message.recipients.map(\.address), ["friend@other.example", "second@other.example"])
        let notify: [DSNNotifyConditions?] = [[.success, .failure], .never]
        XCTAssertEqual(message.recipients.map(\.notify), notify)
        XCTAssertEqual(message.recipients.first?.originalRecipient,
                       OriginalRecipientAddress(addressType: "rfc822", address: "friend@other.example"))
        let body = String(decoding: try await server.store.queuedMessageBody(id: message.id), as: UTF8.self)
        XCTAssertTrue(body.hasPrefix("Received: "), body)
        XCTAssertTrue(body.contains("(using TLSv1.3)"), "implicit TLS noted in Received: \(body)")
        XCTAssertTrue(body.contains("(authenticated as postmaster@localhost)"), body)
        XCTAssertTrue(body.hasSuffix("\r\nSubject: out\r\n\r\nrelayed\r\n"), body)
        try await server.stop()
    }

    /// The byte path: a `ByteSession` gets the bytes unframed, and after
    /// `.startTLS` bytes sent before the handshake never reach it.
    func testByteSessionGetsRawBytesAndSTARTTLSDiscards() async throws {
        var configuration = TernConfiguration.localDefaults
        configuration.dataDirectory = directory
        let tls = try TLSContextProvider.forConfiguration(configuration, logger: Logger(label: "test"))
        let received = LockedBox<[String]>([])
        let byteProtocol = LineProtocol(
            name: "bytes", tooManyConnectionsReply: Array("busy\r\n".utf8), idleTimeoutReply: nil,
            sessions: .bytes(make: { connection, _ in RawRecordingSession(connection: connection, received: received) }))
        let listeners = ListenerSet(
            listeners: [.init(configuration: .init(protocolName: .smtp, address: "127.0.0.1", port: 0, tls: .starttls),
                              lineProtocol: byteProtocol)],
            tls: tls, limits: configuration.limits, logger: Logger(label: "test"))
        let port = try await listeners.bind()[0].port
        let serving = Task { try await listeners.serve() }
        try await withTimeout {
            let client = try await TestClient.connect(port: port)
            let hello = try await client.readLine()
            XCTAssertEqual(hello, "hello")
            try await client.send("no line end")
            let got = try await client.readLine()
            XCTAssertEqual(got, "got 11 tls=false")
            // What follows STARTTLS in the same read is the session's to drop.
            try await client.send("TLS injected")
            let goAhead = try await client.readLine()
            XCTAssertEqual(goAhead, "go ahead")
            try await client.startTLS()
            try await client.send("x\n")
            let afterTLS = try await client.readLine()
            XCTAssertEqual(afterTLS, "got 2 tls=true")
            await client.close()
        }
        listeners.beginShutdown(grace: .seconds(5))
        try await withTimeout { try await serving.value }
        XCTAssertEqual(received.withLock { $0 }, ["no line end", "TLS injected", "x\n"])
    }
}

/// Replies to every read with its size; `TLS…` asks for STARTTLS (and drops the rest).
private final class RawRecordingSession: ByteSession {
    private var connection: ConnectionInfo
    private let received: LockedBox<[String]>

    init(connection: ConnectionInfo, received: LockedBox<[String]>) {
        self.connection = connection
        self.received = received
    }

    func greeting() async -> SessionOutput { SessionOutput(bytes: Array("hello\r\n".utf8)) }

    func receive(_ bytes: [UInt8]) async -> SessionOutput {
        let text = String(decoding: bytes, as: UTF8.self)
        received.withLock { $0.append(text) }
        if text.hasPrefix("TLS") { return SessionOutput(bytes: Array("go ahead\r\n".utf8), action: .startTLS) }
        return SessionOutput(bytes: Array("got \(bytes.count) tls=\(connection.isTLS)\r\n".utf8))
    }

    func tlsStarted(_ connection: ConnectionInfo) async { self.connection = connection }
    func connectionClosed() async {}
}

extension TestClient {
    /// One SMTP reply: its lines up to the one without `-` after the code.
    func readReply() async throws -> [String] {
        var lines: [String] = []
        while let line = try await readLine() {
            lines.append(line)
            if line.count < 4 || line[line.index(line.startIndex, offsetBy: 3)] != "-" { break }
        }
        return lines
    }
}
