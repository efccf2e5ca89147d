import Accounts
import Foundation
import Logging
import MailStore
import XCTest
@testable import Server

/// The whole server in process: SQLite store in a temp directory, POP3 on
/// free loopback ports, driven through its signal stream.
final class TernServerTests: XCTestCase {
    private var directory: String!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tern-server-\(UUID().uuidString)").path
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func configuration() -> TernConfiguration {
        var configuration = TernConfiguration.localDefaults
        configuration.dataDirectory = directory
        configuration.localDomains = ["localhost", "example.org"]
        configuration.listeners = [
            .init(protocolName: .pop3, address: "127.0.0.1", port: 0, tls: .starttls),
            .init(protocolName: .pop3, address: "127.0.0.1", port: 0, tls: .implicit),
            .init(protocolName: .imap, address: "127.0.0.1", port: 0, tls: .starttls),
        ]
        configuration.http.listeners = [.init(address: "127.0.0.1", port: 0, tls: false)]
        return configuration
    }

    func testFirstStartPreparesStoreAndServesPOP3WithSTLS() async throws {
        let store = try SQLiteMailStore(directory: directory, logger: Logger(label: "test"), removeOrphanFiles: true)
        var logger = Logger(label: "test")
        logger.logLevel = .debug
        let server = TernServer(configuration: configuration(), logger: logger)
        let (signals, signal) = AsyncStream.makeStream(of: ServerSignal.self)
        let running = Task { try await server.run(store: store, signals: signals) }

        let ports = try await withTimeout { await server.listeningPorts() }
        XCTAssertEqual(ports.count, 3, "POP3, POP3S and IMAP listeners")
        let accounts = try await store.accounts()
        XCTAssertEqual(accounts.map(\.address), ["postmaster@localhost"])
        let domains = try await store.domains().map(\.name)
        XCTAssertEqual(Set(domains), ["localhost", "example.org"])
        try await store.setPasswordHash(accountID: accounts[0].id, passwordHash: try PasswordHasher.hash(password: "Secret-123"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory + "/tls/key.pem"))

        try await withTimeout {
            let client = try await TestClient.connect(port: ports[0])
            let greeting = try await client.readLine()
            XCTAssertTrue(greeting?.hasPrefix("+OK") == true, greeting ?? "nil")
            // STLS and a CAPA injected in the same packet (CVE-2011-0411 class).
            try await client.send("STLS\r\nCAPA\r\n")
            let goAhead = try await client.readLine()
            XCTAssertTrue(goAhead?.hasPrefix("+OK") == true, goAhead ?? "nil")
            try await client.startTLS()
            try await client.send("XYZZY\r\n")
            let first = try await client.readLine()
            XCTAssertTrue(first?.hasPrefix("-ERR") == true, "the injected CAPA was answered: \(first ?? "nil")")
            try await client.send("USER postmaster@localhost\r\n")
            let user = try await client.readLine()
            XCTAssertTrue(user?.hasPrefix("+OK") == true, user ?? "nil")
            try await client.send("PASS Secret-123\r\n")
            let pass = try await client.readLine()
            XCTAssertTrue(pass?.hasPrefix("+OK") == true, pass ?? "nil")
            try await client.send("STAT\r\nQUIT\r\n")
            let rest = await client.readUntilClosed()
            XCTAssertEqual(rest.first, "+OK 0 0")
            XCTAssertEqual(rest.count, 2)
        }

        try await withTimeout {
            let client = try await TestClient.connect(port: ports[1], implicitTLS: true)
            let greeting = try await client.readLine()
            XCTAssertTrue(greeting?.hasPrefix("+OK") == true, greeting ?? "nil")
            await client.close()
        }

        signal.yield(.reload)
        signal.yield(.terminate(SIGTERM))
        try await withTimeout { try await running.value }
        // The store was closed by the server.
        do {
            _ = try await store.accounts()
            XCTFail("store still open after shutdown")
        } catch {}
    }

    func testLaterStartKeepsAccountsAndCertificate() async throws {
        let store = try SQLiteMailStore(directory: directory, logger: Logger(label: "test"), removeOrphanFiles: true)
        let logger = Logger(label: "test")
        let created = try await StoreSetup.prepare(store: store, configuration: configuration(), logger: logger)
        XCTAssertEqual(created?.address, "postmaster@localhost")
        XCTAssertEqual(created?.password.count, 16)
        let account = try await store.account(address: "postmaster@localhost")
        XCTAssertTrue(PasswordHasher.verify(password: created?.password ?? "", against: account?.passwordHash ?? ""))
        let again = try await StoreSetup.prepare(store: store, configuration: configuration(), logger: logger)
        XCTAssertNil(again)
        let count = try await store.accounts().count
        XCTAssertEqual(count, 1)
        try await store.close()
    }

    /// A `postmaster_account` that names neither an account nor an alias is
    /// reported at start; one that exists is not.
    func testStartWarnsOfAMissingPostmasterAccount() async throws {
        let store = try SQLiteMailStore(directory: directory, logger: Logger(label: "test"), removeOrphanFiles: true)
        let capture = LogHandlerTests.Capture()
        let logger = Logger(label: "tern.server") { FormattingLogHandler(label: $0, format: .text, output: capture) }
        var settings = configuration()
        settings.smtp.postmasterAccount = "admin@localhost"
        _ = try await StoreSetup.prepare(store: store, configuration: settings, logger: logger)
        XCTAssertTrue(capture.all.contains { $0.contains("warning tern.server: smtp.postmaster_account admin@localhost "
            + "is neither an account nor an alias; postmaster@ and abuse@ mail goes to the oldest account") },
                      "\(capture.all)")
        try await store.addAlias(Alias(source: "admin@localhost", destinations: ["postmaster@localhost"]))
        let before = capture.all.count
        _ = try await StoreSetup.prepare(store: store, configuration: settings, logger: logger)
        XCTAssertEqual(capture.all.count, before, "no warning once the alias exists: \(capture.all)")
        try await store.close()
    }

    func testShutdownBeforeListeningStillReturns() async throws {
        let store = try SQLiteMailStore(directory: directory, logger: Logger(label: "test"), removeOrphanFiles: true)
        let server = TernServer(configuration: configuration(), logger: Logger(label: "test"))
        server.shutdown()
        let (signals, _) = AsyncStream.makeStream(of: ServerSignal.self)
        try await withTimeout { try await server.run(store: store, signals: signals) }
    }
}
