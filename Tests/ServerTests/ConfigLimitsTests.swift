import Accounts
import XCTest
@testable import Server

/// The connection budgets (`[limits]`, `[limits.PROTOCOL]`,
/// `[[listener]] max_connections`), the login timeouts, the unauthenticated
/// message limits and the login throttle keys of `[authentication]`.
final class ConfigLimitsTests: XCTestCase {
    private func load(_ text: String) throws -> TernConfiguration {
        try ConfigurationLoader.load(text: text, baseDirectory: "/etc/tern")
    }

    private func error(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            _ = try load(text)
            XCTFail("expected an error", file: file, line: line)
        } catch {
            return "\(error)"
        }
        return ""
    }

    func testDefaults() {
        let limits = TernConfiguration.localDefaults.limits
        XCTAssertEqual(limits.loginIdleTimeoutSeconds, 60)
        XCTAssertEqual(limits.loginTimeoutSeconds, 180)
        XCTAssertEqual(limits.maxUnauthenticatedMessageSize, 25 * 1024 * 1024)
        XCTAssertEqual(limits.maxUnauthenticatedInFlightPerAddress, 50 * 1024 * 1024)
        XCTAssertEqual(limits.protocols, [:])
        let throttle = TernConfiguration.localDefaults.authentication.throttle
        XCTAssertEqual(throttle, .standard)
        XCTAssertEqual(throttle.maximumFailuresPerAddressAndAccount, 10)
        XCTAssertEqual(throttle.maximumFailuresPerAddress, 100)
        XCTAssertEqual(throttle.maximumFailuresPerAccount, 20)
    }

    func testEveryNewKey() throws {
        let configuration = try load("""
        [[listener]]
        protocol = "imap"
        port = 143
        max_connections = 300
        [limits]
        max_connections = 2000
        max_connections_per_address = 80
        login_idle_timeout_seconds = 30
        login_timeout_seconds = 120
        max_unauthenticated_message_size = 10485760
        max_unauthenticated_in_flight_per_address = 20971520
        [limits.imap]
        max_connections = 1500
        max_unauthenticated = 100
        [limits.smtp]
        max_connections = 200
        max_connections_per_address = 20
        max_unauthenticated_per_address = 10
        [authentication]
        lock_after_failures = 5
        lock_address_after_failures = 50
        lock_account_after_failures = 30
        failure_window_seconds = 600
        lock_seconds = 120
        max_failure_delay_seconds = 0
        """)
        XCTAssertEqual(configuration.listeners.first?.maxConnections, 300)
        let limits = configuration.limits
        XCTAssertEqual(limits.loginIdleTimeoutSeconds, 30)
        XCTAssertEqual(limits.loginTimeoutSeconds, 120)
        XCTAssertEqual(limits.maxUnauthenticatedMessageSize, 10_485_760)
        XCTAssertEqual(limits.maxUnauthenticatedInFlightPerAddress, 20_971_520)
        XCTAssertEqual(limits.budget(for: .imap), ConnectionBudget(maxConnections: 1500, maxConnectionsPerAddress: 80,
                                                                   maxUnauthenticated: 100,
                                                                   maxUnauthenticatedPerAddress: 16))
        XCTAssertEqual(limits.budget(for: .smtp), ConnectionBudget(maxConnections: 200, maxConnectionsPerAddress: 20,
                                                                   maxUnauthenticated: 200,
                                                                   maxUnauthenticatedPerAddress: 10))
        // Not configured: derived from [limits].
        XCTAssertEqual(limits.budget(for: .pop3), ConnectionBudget(maxConnections: 2000, maxConnectionsPerAddress: 80,
                                                                   maxUnauthenticated: 400,
                                                                   maxUnauthenticatedPerAddress: 16))
        let throttle = configuration.authentication.throttle
        XCTAssertEqual(throttle.maximumFailuresPerAddressAndAccount, 5)
        XCTAssertEqual(throttle.maximumFailuresPerAddress, 50)
        XCTAssertEqual(throttle.maximumFailuresPerAccount, 30)
        XCTAssertEqual(throttle.window, .seconds(600))
        XCTAssertEqual(throttle.lockDuration, .seconds(120))
        XCTAssertEqual(throttle.maximumDelay, .zero)
        XCTAssertEqual(throttle.delay(afterFailures: 20), .zero)
    }

    /// The old two keys alone still bound everything, as before.
    func testOldKeysAloneStillWork() throws {
        let limits = try load("[limits]\nmax_connections = 200\nmax_connections_per_address = 100\n").limits
        XCTAssertEqual(limits.maxConnections, 200)
        XCTAssertEqual(limits.budget(for: .imap).maxConnections, 200)
        XCTAssertEqual(limits.budget(for: .imap).maxConnectionsPerAddress, 100)
        XCTAssertEqual(limits.budget(for: .submission).maxUnauthenticated, 40)
    }

    func testRenderedConfigurationReadsBackTheSame() throws {
        let configuration = try load("""
        [[listener]]
        protocol = "pop3"
        port = 110
        max_connections = 12
        [limits.pop3]
        max_unauthenticated = 7
        [authentication]
        lock_after_failures = 4
        max_failure_delay_seconds = 3
        """)
        let text = ConfigurationRenderer.toml(configuration)
        XCTAssertTrue(text.contains("[limits.pop3]\n# max_connections = 1000 (default)\n"), text)
        XCTAssertTrue(text.contains("max_unauthenticated = 7\n"), text)
        XCTAssertTrue(text.contains("# max_unauthenticated = 200 (default)\n"), text)
        XCTAssertTrue(text.contains("max_connections = 12\n"), text)
        var reread = try ConfigurationLoader.load(text: text, baseDirectory: "/etc/tern")
        reread.dataDirectory = configuration.dataDirectory
        XCTAssertEqual(reread, configuration, text)
    }

    func testBadValuesNameTheKey() {
        let cases: [(String, String)] = [
            ("[limits.imap]\nmax_unauthenticated = 0\n", "\"limits.imap.max_unauthenticated\": 0 (must be at least 1)"),
            ("[limits.gopher]\nmax_connections = 1\n", "unknown key \"limits.gopher\""),
            ("[limits.pop3]\nmax_idle = 1\n", "unknown key \"limits.pop3.max_idle\""),
            ("[limits]\nlogin_timeout_seconds = 0\n", "\"limits.login_timeout_seconds\": 0 (must be at least 1)"),
            ("[limits]\nmax_unauthenticated_message_size = 10\n", "must be at least 1024"),
            ("[[listener]]\nprotocol = \"imap\"\nport = 143\nmax_connections = 0\n",
             "\"listener.max_connections\": 0 (must be at least 1)"),
            ("[authentication]\nlock_seconds = 0\n", "\"authentication.lock_seconds\""),
            ("[authentication]\nmax_failure_delay_seconds = -1\n", "must be at least 0"),
            ("[authentication]\nlock_after = 3\n", "unknown key \"authentication.lock_after\""),
        ]
        for (text, expected) in cases {
            let message = error(text)
            XCTAssertTrue(message.contains(expected), "\(text): \(message)")
        }
    }
}
