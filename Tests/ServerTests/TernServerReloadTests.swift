import Foundation
import Logging
import MailStore
import XCTest
@testable import Server

/// SIGHUP on a running server (in process, through its signal stream): the
/// file is read again, live settings applied, the rest reported as needing
/// a restart, a broken file keeps the running configuration.
final class TernServerReloadTests: XCTestCase {
    private var directory: String!
    private var configPath: String { directory + "/tern.toml" }

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tern-reload-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func writeConfig(hostName: String = "localhost", domains: [String], maxMessageSize: Int = 52428800,
                             extraListener: Bool = false, adminNetworks: String = "\"127.0.0.0/8\"",
                             pollSeconds: Int = 5) throws {
        var text = """
        host_name = "\(hostName)"
        local_domains = [\(domains.map { "\"\($0)\"" }.joined(separator: ", "))]
        data_directory = "\(directory!)/data"

        [[listener]]
        protocol = "pop3"
        port = 1
        tls = "implicit"

        [limits]
        max_message_size = \(maxMessageSize)

        [http]
        listener = []
        admin_networks = [\(adminNetworks)]

        [outbound]
        poll_seconds = \(pollSeconds)

        """
        if extraListener { text += "\n[[listener]]\nprotocol = \"imap\"\nport = 2\n" }
        // Port 0 (any free port) is not valid in a file; the test binds port 0.
        try text.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    private func waitFor(_ what: String, _ condition: () async throws -> Bool) async throws {
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if try await condition() { return }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        XCTFail("timed out waiting for \(what)")
    }

    /// The status line of GET /healthz.
    private func healthStatus(port: Int) async throws -> String? {
        try await withTimeout {
            let client = try await TestClient.connect(port: port)
            try await client.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
            let status = try await client.readLine()
            await client.close()
            return status
        }
    }

    func testReloadAppliesLiveSettingsAndReportsTheRest() async throws {
        try writeConfig(domains: ["localhost"])
        var configuration = try ConfigurationLoader.load(path: configPath)
        configuration.listeners[0].port = 0
        // HTTP on a free port (a restart key: the file's `listener = []` is reported, not applied).
        configuration.http.listeners = [.init(address: "127.0.0.1", port: 0, tls: false)]
        let store = try SQLiteMailStore(directory: configuration.dataDirectory, logger: Logger(label: "test"))
        let capture = LogHandlerTests.Capture()
        let logger = Logger(label: "tern") { FormattingLogHandler(label: $0, format: .text, output: capture) }
        let server = TernServer(configuration: configuration, configurationPath: configPath, logger: logger)
        let (signals, signal) = AsyncStream.makeStream(of: ServerSignal.self)
        let running = Task { try await server.run(store: store, signals: signals) }
        let ports = try await withTimeout { await server.listeningPorts() }
        XCTAssertEqual(ports.count, 1)
        let certificate = configuration.dataDirectory + "/tls/cert.pem"
        XCTAssertEqual(SelfSignedCertificate.generatedNames(certificatePath: certificate),
                       ["localhost", "autoconfig.localhost", "autodiscover.localhost"])

        let httpPort = try XCTUnwrap(server.httpListeningPorts().first)
        let healthBefore = try await healthStatus(port: httpPort)
        XCTAssertEqual(healthBefore, "HTTP/1.1 200 OK")
        try await waitFor("outbound delivery") { capture.all.contains { $0.contains("outbound delivery started") } }

        try writeConfig(hostName: "mail.example.org", domains: ["localhost", "example.net"],
                        maxMessageSize: 2_000_000, extraListener: true, adminNetworks: "\"192.0.2.0/24\"",
                        pollSeconds: 30)
        signal.yield(.reload)
        try await waitFor("the new domain in the store") {
            try await store.domains().contains { $0.name == "example.net" }
        }
        try await waitFor("the reload summary") { capture.all.contains { $0.contains("configuration reloaded") } }
        let lines = capture.all
        for expected in [
            "notice tern: reload: host_name changed from \"localhost\" to \"mail.example.org\": applied",
            "notice tern: reload: local_domains changed from [\"localhost\"] to [\"localhost\", \"example.net\"]: applied",
            "notice tern: reload: listener changed: needs a restart",
            "notice tern: reload: limits.max_message_size changed from 52428800 to 2000000: applied",
        ] {
            XCTAssertTrue(lines.contains { $0.contains(expected) }, "no line \(expected) in \(lines)")
        }
        XCTAssertEqual(server.configuration.localDomains, ["localhost", "example.net"])
        XCTAssertEqual(server.configuration.listeners.count, 1, "listeners keep running as they are")
        XCTAssertEqual(server.configuration.listeners[0].port, 0)
        let listener = server.configuration.listeners[0]
        XCTAssertEqual(server.pop3Configuration(for: listener).hostName, "mail.example.org", "new sessions")
        XCTAssertEqual(server.smtpConfiguration(for: listener).maxMessageSize, 2_000_000)
        XCTAssertTrue(lines.contains { $0.contains("reload: http.listener changed: needs a restart") }, "\(lines)")
        // http.admin_networks applies to the next request; the outbound
        // runner starts again with the new settings.
        let after = try await healthStatus(port: httpPort)
        XCTAssertEqual(after, "HTTP/1.1 403 Forbidden")
        try await waitFor("the outbound restart") {
            capture.all.filter { $0.contains("outbound delivery started") }.count == 2
        }
        XCTAssertTrue(lines.contains { $0.contains("outbound delivery restarts with the new settings") }, "\(lines)")
        try await waitFor("the regenerated certificate") {
            SelfSignedCertificate.generatedNames(certificatePath: certificate)?.first == "mail.example.org"
        }
        XCTAssertEqual(SelfSignedCertificate.generatedNames(certificatePath: certificate), [
            "mail.example.org", "localhost", "autoconfig.localhost", "autodiscover.localhost",
            "autoconfig.example.net", "autodiscover.example.net",
        ])
        // New connections get the new certificate and still work.
        try await withTimeout {
            let client = try await TestClient.connect(port: ports[0], implicitTLS: true)
            let greeting = try await client.readLine()
            XCTAssertEqual(greeting, "+OK mail.example.org Tern POP3 server ready", "the new host name")
            await client.close()
        }

        // A broken file changes nothing.
        try "host_name = 5\n".write(toFile: configPath, atomically: true, encoding: .utf8)
        let before = server.configuration
        signal.yield(.reload)
        try await waitFor("the failed reload") { capture.all.contains { $0.contains("keeping the running configuration") } }
        XCTAssertTrue(capture.all.contains {
            $0.contains("error tern: reload: \(configPath): wrong type for \"host_name\": expected a string, found "
                + "integer at line 1; keeping the running configuration")
        }, "\(capture.all)")
        XCTAssertEqual(server.configuration, before)

        signal.yield(.terminate(SIGTERM))
        try await withTimeout { try await running.value }
    }
}
