import Foundation
import Logging
import NIOCore
import XCTest
@testable import Server

/// The connection budgets, login timeouts, `who` and `kick` of a real
/// `ListenerSet` on loopback, with the echo protocol (`LOGIN name` logs in).
final class ListenerBudgetTests: XCTestCase {
    private var directory: String!
    private let recorder = SessionRecorder()

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tern-budget-\(UUID().uuidString)").path
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private static func limits(unauthenticated: Int = 100, idle: Int = 600, loginIdle: Int = 600,
                        login: Int = 600) -> Limits {
        var limits = Limits(maxConnections: 100, maxConnectionsPerAddress: 100, idleTimeoutSeconds: idle,
                            maxMessageSize: 1 << 20, shutdownGraceSeconds: 2, loginIdleTimeoutSeconds: loginIdle,
                            loginTimeoutSeconds: login)
        limits.protocols[.pop3] = ConnectionBudgetSettings(maxUnauthenticated: unauthenticated)
        return limits
    }

    /// A connected client that read its greeting.
    private static func connect(_ port: Int) async throws -> TestClient {
        let client = try await TestClient.connect(port: port)
        let greeting = try await client.readLine()
        XCTAssertEqual(greeting, "+OK echo ready")
        return client
    }

    /// Waits (bounded) until the registry shows `count` pre-login connections.
    private static func waitForUnauthenticated(_ count: Int, _ listeners: ListenerSet) async throws {
        for _ in 0..<200 {
            if listeners.connections().filter({ $0.account == nil }).count == count { return }
            try await Task.sleep(for: .milliseconds(25))
        }
        XCTFail("expected \(count) connections before login, have \(listeners.connections())")
    }

    /// A full pre-login pool: the newcomer is served, the longest-idle
    /// connection that has not logged in gets the eviction notice; one that
    /// logged in is never evicted.
    func testNewcomerEvictsTheLongestIdleConnectionBeforeLogin() async throws {
        let server = try await RunningEchoListeners.start(directory: directory, recorder: recorder,
                                                          limits: Self.limits(unauthenticated: 2))
        try await withTimeout {
            let loggedIn = try await Self.connect(server.plainPort)
            try await loggedIn.send("LOGIN alice\r\n")
            let ok = try await loggedIn.readLine()
            XCTAssertEqual(ok, "+OK logged in")
            let oldest = try await Self.connect(server.plainPort)
            let newer = try await Self.connect(server.plainPort)
            try await Self.waitForUnauthenticated(2, server.listeners)
            try await newer.send("ping\r\n")
            _ = try await newer.readLine()
            let newcomer = try await Self.connect(server.plainPort)
            let evicted = await oldest.readUntilClosed()
            XCTAssertEqual(evicted, ["-ERR [SYS/TEMP] connection queue full"])
            // Everyone else is still served.
            for client in [loggedIn, newer, newcomer] {
                try await client.send("WHO\r\n")
                let who = try await client.readLine()
                XCTAssertTrue(who?.hasPrefix("+OK tls=false") == true, who ?? "nil")
            }
            for client in [loggedIn, newer, newcomer] { await client.close() }
        }
        try await server.stop()
    }

    /// Before login the login idle timeout applies, and a login must be
    /// done within the login timeout however active the client is; after
    /// login neither applies.
    func testLoginTimeoutsCloseOnlyConnectionsThatDidNotLogIn() async throws {
        let server = try await RunningEchoListeners.start(directory: directory, recorder: recorder,
                                                          limits: Self.limits(loginIdle: 1, login: 3), expectsLogin: true)
        try await withTimeout(60) {
            let silent = try await Self.connect(server.plainPort)
            let busy = try await Self.connect(server.plainPort)
            let loggedIn = try await Self.connect(server.plainPort)
            try await loggedIn.send("LOGIN bob\r\n")
            _ = try await loggedIn.readLine()
            // The busy one never idles for a second, but never logs in: the 3 s login timeout closes it.
            var busyClosed = false
            var replies = 0
            for _ in 0..<100 where !busyClosed {
                try? await busy.send("ping\r\n")
                let line = try? await busy.readLine()
                if line == "+OK echo ping" {
                    replies += 1
                    try await Task.sleep(for: .milliseconds(300))
                } else {
                    XCTAssertEqual(line, "-ERR login timeout")
                    busyClosed = true
                }
            }
            XCTAssertTrue(busyClosed, "the login timeout closed the busy connection")
            XCTAssertGreaterThan(replies, 2, "it was served until then")
            // The silent one went after the 1 s pre-login idle timeout.
            let silentLines = await silent.readUntilClosed()
            XCTAssertEqual(silentLines, ["-ERR idle timeout"])
            // The logged-in one outlived both timeouts (idle timeout 600 s).
            try await loggedIn.send("WHO\r\n")
            let who = try await loggedIn.readLine()
            XCTAssertTrue(who?.hasPrefix("+OK tls=false") == true, who ?? "nil")
            await loggedIn.close()
        }
        try await server.stop()
    }

    func testWhoListsConnectionsAndKickClosesAnAccountsSessions() async throws {
        let server = try await RunningEchoListeners.start(directory: directory, recorder: recorder, limits: Self.limits())
        try await withTimeout {
            var alices: [TestClient] = []
            for port in [server.plainPort, server.plainPort] {
                let client = try await Self.connect(port)
                try await client.send("LOGIN alice@example.org\r\n")
                _ = try await client.readLine()
                alices.append(client)
            }
            let tls = try await TestClient.connect(port: server.tlsPort, implicitTLS: true)
            _ = try await tls.readLine()
            try await tls.send("LOGIN bob@example.org\r\n")
            _ = try await tls.readLine()
            let anonymous = try await Self.connect(server.plainPort)

            let who = server.listeners.connections()
            XCTAssertEqual(who.map(\.account), ["alice@example.org", "alice@example.org", "bob@example.org", nil])
            XCTAssertEqual(who.map(\.isTLS), [false, false, true, false])
            XCTAssertEqual(who.map(\.protocolName), ["pop3", "pop3", "pop3", "pop3"])
            XCTAssertEqual(Set(who.map(\.localPort)), [server.plainPort, server.tlsPort])
            XCTAssertTrue(who.allSatisfy { $0.remoteAddress == "127.0.0.1" })
            XCTAssertEqual(Set(who.map(\.id)).count, 4)

            XCTAssertEqual(server.listeners.kick(account: "ALICE@example.org"), 2)
            for alice in alices {
                let lines = await alice.readUntilClosed()
                XCTAssertEqual(lines, ["-ERR kicked"])
            }
            XCTAssertEqual(server.listeners.kick(account: "nobody@example.org"), 0)
            for client in [tls, anonymous] {
                try await client.send("WHO\r\n")
                let line = try await client.readLine()
                XCTAssertTrue(line?.hasPrefix("+OK tls=") == true, line ?? "nil")
                await client.close()
            }
        }
        try await server.stop()
    }

    /// `apply(limits:)` (a configuration reload) bounds new connections; open ones stay.
    func testAppliedLimitsBoundNewConnections() async throws {
        let server = try await RunningEchoListeners.start(directory: directory, recorder: recorder, limits: Self.limits())
        try await withTimeout {
            let first = try await Self.connect(server.plainPort)
            let second = try await Self.connect(server.plainPort)
            var lowered = Self.limits()
            lowered.protocols[.pop3] = ConnectionBudgetSettings(maxConnectionsPerAddress: 2)
            server.listeners.apply(limits: lowered)
            let third = try await TestClient.connect(port: server.plainPort)
            let refused = await third.readUntilClosed()
            XCTAssertEqual(refused, ["-ERR [SYS/TEMP] too many connections"])
            for client in [first, second] {
                try await client.send("WHO\r\n")
                let line = try await client.readLine()
                XCTAssertTrue(line?.hasPrefix("+OK tls=false") == true, line ?? "nil")
                await client.close()
            }
        }
        try await server.stop()
    }
}
