import Foundation
import Logging
import NIOCore
import XCTest
@testable import Server

/// The server runtime (listeners, framing, STARTTLS, limits, timeouts,
/// shutdown) on loopback with the `EchoSession` test protocol.
final class ListenerSetTests: XCTestCase {
    private var directory: String!
    private let recorder = SessionRecorder()

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tern-listen-\(UUID().uuidString)").path
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func start(maxPerAddress: Int = 10, idleSeconds: Int = 600) async throws -> RunningEchoListeners {
        var limits = Limits(maxConnections: 100, maxConnectionsPerAddress: maxPerAddress,
                            idleTimeoutSeconds: idleSeconds, maxMessageSize: 1 << 20, shutdownGraceSeconds: 5)
        // Every connection from the test counts against the per-address total, none waits for a login.
        limits.protocols[.pop3] = ConnectionBudgetSettings(maxUnauthenticatedPerAddress: maxPerAddress)
        let running = try await RunningEchoListeners.start(directory: directory, recorder: recorder, limits: limits)
        XCTAssertTrue(running.plainPort > 0 && running.tlsPort > 0)
        return running
    }

    func testGreetingRoundTripPipeliningAndQuit() async throws {
        let server = try await start()
        try await withTimeout {
            let client = try await TestClient.connect(port: server.plainPort)
            let greeting = try await client.readLine()
            XCTAssertEqual(greeting, "+OK echo ready")
            try await client.send("one\r\ntwo\nthr")
            try await client.send("ee\r\nWHO\r\nQUIT\r\nnever answered\r\n")
            let lines = await client.readUntilClosed()
            XCTAssertEqual(lines.count, 5)
            XCTAssertEqual(Array(lines.prefix(3)), ["+OK echo one", "+OK echo two", "+OK echo three"])
            // "<start prefix>-<counter>": unique across restarts.
            XCTAssertNotNil(lines[3].range(of: #"^\+OK tls=false id=[0-9a-z]{1,7}-1$"#, options: .regularExpression),
                            lines[3])
            XCTAssertEqual(lines[4], "+OK bye")
        }
        try await server.stop()
        XCTAssertEqual(recorder.closed, 1)
    }

    func testOverlongLineGetsAnErrorAndTheConnectionGoesOn() async throws {
        let server = try await start()
        try await withTimeout {
            let client = try await TestClient.connect(port: server.plainPort)
            _ = try await client.readLine()
            try await client.send(String(repeating: "A", count: 5000) + "\r\nafter\r\n")
            let error = try await client.readLine()
            let after = try await client.readLine()
            XCTAssertEqual(error, "-ERR line too long")
            XCTAssertEqual(after, "+OK echo after")
            await client.close()
        }
        try await server.stop()
    }

    func testSTARTTLSUpgradeReportsTLSToTheSession() async throws {
        let server = try await start()
        try await withTimeout {
            let client = try await TestClient.connect(port: server.plainPort)
            _ = try await client.readLine()
            try await client.send("STLS\r\n")
            let goAhead = try await client.readLine()
            XCTAssertEqual(goAhead, "+OK begin TLS")
            try await client.startTLS()
            try await client.send("WHO\r\n")
            let who = try await client.readLine()
            XCTAssertTrue(who?.hasPrefix("+OK tls=true") == true, who ?? "nil")
            await client.close()
        }
        try await server.stop()
        XCTAssertEqual(recorder.tlsDescriptions.count, 1)
        XCTAssertTrue(recorder.tlsDescriptions.first??.hasPrefix("TLSv1.") == true)
    }

    /// CVE-2011-0411 class: a command sent in the same packet as STARTTLS
    /// must not be executed inside the TLS session.
    func testCommandsSentBeforeTheHandshakeAreDiscarded() async throws {
        let server = try await start()
        try await withTimeout {
            let client = try await TestClient.connect(port: server.plainPort)
            _ = try await client.readLine()
            try await client.send("STLS\r\ninjected\r\n")
            let goAhead = try await client.readLine()
            XCTAssertEqual(goAhead, "+OK begin TLS")
            try await client.startTLS()
            try await client.send("WHO\r\n")
            let first = try await client.readLine()
            XCTAssertTrue(first?.hasPrefix("+OK tls=true") == true, "got \(first ?? "nil") instead of the WHO reply")
            try await client.send("QUIT\r\n")
            let rest = await client.readUntilClosed()
            XCTAssertEqual(rest, ["+OK bye"])
        }
        try await server.stop()
    }

    func testSecondSTARTTLSAfterUpgradeIsRefusedByClosing() async throws {
        let server = try await start()
        try await withTimeout {
            let client = try await TestClient.connect(port: server.plainPort)
            _ = try await client.readLine()
            try await client.send("STLS\r\n")
            _ = try await client.readLine()
            try await client.startTLS()
            try await client.send("WHO\r\n")
            _ = try await client.readLine()
            // The echo session asks for TLS again; the connection refuses by closing.
            try await client.send("STLS\r\n")
            let rest = await client.readUntilClosed()
            XCTAssertEqual(rest, ["+OK begin TLS"])
        }
        try await server.stop()
    }

    func testImplicitTLSListener() async throws {
        let server = try await start()
        try await withTimeout {
            let client = try await TestClient.connect(port: server.tlsPort, implicitTLS: true)
            let greeting = try await client.readLine()
            XCTAssertEqual(greeting, "+OK echo ready")
            try await client.send("WHO\r\n")
            let who = try await client.readLine()
            XCTAssertTrue(who?.hasPrefix("+OK tls=true") == true, who ?? "nil")
            await client.close()
        }
        try await server.stop()
    }

    func testCleartextOnImplicitTLSListenerIsClosed() async throws {
        let server = try await start()
        try await withTimeout {
            let client = try await TestClient.connect(port: server.tlsPort)
            try await client.send("USER postmaster\r\n")
            let lines = await client.readUntilClosed()
            XCTAssertFalse(lines.contains { $0.contains("+OK") })
        }
        try await server.stop()
        XCTAssertEqual(recorder.opened, recorder.closed)
    }

    func testPerAddressConnectionLimit() async throws {
        let server = try await start(maxPerAddress: 2)
        try await withTimeout {
            let first = try await TestClient.connect(port: server.plainPort)
            let second = try await TestClient.connect(port: server.plainPort)
            let firstGreeting = try await first.readLine()
            let secondGreeting = try await second.readLine()
            XCTAssertEqual(firstGreeting, "+OK echo ready")
            XCTAssertEqual(secondGreeting, "+OK echo ready")

            let third = try await TestClient.connect(port: server.plainPort)
            let refused = await third.readUntilClosed()
            XCTAssertEqual(refused, ["-ERR [SYS/TEMP] too many connections"])

            // A slot frees up when a connection ends.
            try await first.send("QUIT\r\n")
            _ = await first.readUntilClosed()
            var admitted = false
            for _ in 0..<50 where !admitted {
                let next = try await TestClient.connect(port: server.plainPort)
                admitted = try await next.readLine() == "+OK echo ready"
                await next.close()
                if !admitted { try await Task.sleep(for: .milliseconds(100)) }
            }
            XCTAssertTrue(admitted)
            await second.close()
        }
        try await server.stop()
    }

    func testIdleConnectionIsClosed() async throws {
        let server = try await start(idleSeconds: 1)
        try await withTimeout {
            let client = try await TestClient.connect(port: server.plainPort)
            let lines = await client.readUntilClosed()
            XCTAssertEqual(lines, ["+OK echo ready", "-ERR idle timeout"])
        }
        try await server.stop()
        XCTAssertEqual(recorder.closed, 1)
    }

    func testShutdownClosesOpenConnectionsAndEndsEverySession() async throws {
        let server = try await start()
        let clients = try await withTimeout {
            var clients: [TestClient] = []
            for _ in 0..<3 {
                let client = try await TestClient.connect(port: server.plainPort)
                _ = try await client.readLine()
                clients.append(client)
            }
            return clients
        }
        try await server.stop()
        for client in clients {
            let rest = try await withTimeout { await client.readUntilClosed() }
            XCTAssertEqual(rest, [])
        }
        XCTAssertEqual(recorder.opened, 3)
        XCTAssertEqual(recorder.closed, 3)
        XCTAssertEqual(server.listeners.connectionCount, 0)
        // No longer listening.
        let refused = try? await TestClient.connect(port: server.plainPort)
        XCTAssertNil(refused)
    }

    func testBindFailureNamesAddressAndPort() async throws {
        let server = try await start()
        let clash = ListenerSet(
            listeners: [.init(configuration: .init(protocolName: .pop3, address: "127.0.0.1", port: server.plainPort,
                                                   tls: .none),
                              lineProtocol: .echo(recorder: recorder))],
            tls: nil, limits: TernConfiguration.localDefaults.limits, logger: Logger(label: "test"))
        do {
            try await clash.bind()
            XCTFail("bound a port in use")
        } catch let error as ServerError {
            guard case let .bindFailed(_, address, port, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(address, "127.0.0.1")
            XCTAssertEqual(port, server.plainPort)
            XCTAssertTrue(error.description.contains("127.0.0.1:\(server.plainPort)"))
        }
        try await server.stop()
    }
}
