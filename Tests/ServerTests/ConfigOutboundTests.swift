import Foundation
import SMTP
import XCTest
@testable import Server

/// The `[outbound]` table: defaults, values, errors naming key and line, the
/// renderer's round trip, and how `OutboundDelivery` turns it into the
/// runner's configuration and router.
final class ConfigOutboundTests: XCTestCase {
    private func load(_ text: String) throws -> TernConfiguration {
        try ConfigurationLoader.load(text: text, baseDirectory: "/etc/tern")
    }

    private func error(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> ConfigurationError? {
        do {
            _ = try load(text)
            XCTFail("expected an error", file: file, line: line)
            return nil
        } catch let error as ConfigurationError {
            return error
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
            return nil
        }
    }

    func testDefaults() throws {
        let outbound = try load("").outbound
        XCTAssertEqual(outbound, OutboundSettings())
        XCTAssertNil(outbound.nameserver)
        XCTAssertNil(outbound.smarthost)
        XCTAssertEqual(outbound.port, 25)
        XCTAssertEqual(outbound.defaultTLS, "opportunistic")
        XCTAssertEqual(outbound.firstRetrySeconds, 300)
        XCTAssertEqual(outbound.giveUpAfterSeconds, 5 * 86400, "five days (issue 5)")
        XCTAssertEqual(outbound.delayWarningSeconds, 4 * 3600, "four hours")
        XCTAssertEqual(try load("[outbound]\n").outbound, OutboundSettings())
    }

    func testValuesAreRead() throws {
        let outbound = try load("""
        [outbound]
        nameserver = "127.0.0.1:5353"
        port = 2525
        smarthost = "[Relay.Example.NET]:587"
        smarthost_tls = "require-verified"
        smarthost_username = "tern@example.org"
        smarthost_password_file = "secrets/relay"
        default_tls = "none"
        first_retry_seconds = 2
        max_retry_seconds = 60
        give_up_after_seconds = 3600
        delay_warning_seconds = 600
        poll_seconds = 1
        max_connections = 50
        max_connections_per_host = 10
        concurrent_deliveries = 8
        idle_connection_seconds = 7

        [outbound.transport]
        "partner.example" = "10.1.2.3:2525"
        ".Internal.Example" = "[2001:db8::25]"

        [outbound.tls_policy]
        "bank.example" = "require-verified"
        """).outbound
        XCTAssertEqual(outbound.nameserver, HostPort(host: "127.0.0.1", port: 5353))
        XCTAssertEqual(outbound.port, 2525)
        XCTAssertEqual(outbound.smarthost, HostPort(host: "relay.example.net", port: 587))
        XCTAssertEqual(outbound.smarthostTLS, "require-verified")
        XCTAssertEqual(outbound.smarthostUsername, "tern@example.org")
        XCTAssertNil(outbound.smarthostPassword)
        XCTAssertEqual(outbound.smarthostPasswordFile, "/etc/tern/secrets/relay", "relative to the config file")
        XCTAssertEqual(outbound.defaultTLS, "none")
        XCTAssertEqual(outbound.transport, [
            "partner.example": HostPort(host: "10.1.2.3", port: 2525),
            ".internal.example": HostPort(host: "2001:db8::25", port: 25),
        ])
        XCTAssertEqual(outbound.tlsPolicy, ["bank.example": "require-verified"])
        XCTAssertEqual(outbound.firstRetrySeconds, 2)
        XCTAssertEqual(outbound.maxRetrySeconds, 60)
        XCTAssertEqual(outbound.giveUpAfterSeconds, 3600)
        XCTAssertEqual(outbound.delayWarningSeconds, 600)
        XCTAssertEqual(outbound.pollSeconds, 1)
        XCTAssertEqual(outbound.maxConnections, 50)
        XCTAssertEqual(outbound.maxConnectionsPerHost, 10)
        XCTAssertEqual(outbound.concurrentDeliveries, 8)
        XCTAssertEqual(outbound.idleConnectionSeconds, 7)
        XCTAssertEqual(try load("[outbound]\nidle_connection_seconds = 0").outbound.idleConnectionSeconds, 0)
        XCTAssertEqual(try load("[outbound]\nnameserver = \"192.0.2.53\"").outbound.nameserver?.port, 53)
        XCTAssertEqual(try load("[outbound]\ntransport = { \"a.example\" = \"mx.a.example\" }").outbound.transport,
                       ["a.example": HostPort(host: "mx.a.example", port: 25)], "an inline table works too")
    }

    func testBadValuesNameKeyAndLine() {
        let badNameserver = error("""
        host_name = "a.example"

        [outbound]
        port = 2525
        nameserver = "dns.example:53"
        """)
        XCTAssertEqual(badNameserver?.key, "outbound.nameserver")
        XCTAssertEqual(badNameserver?.line, 5)
        for nameserver in ["", "::1", "[::1]:53", "127.0.0.1:0", "127.0.0.1:70000", "127.0.0.1:", "1.2.3.4.5"] {
            let failure = error("[outbound]\nnameserver = \"\(nameserver)\"")
            XCTAssertEqual(failure?.line, 2, "\(nameserver): \(String(describing: failure))")
            XCTAssertEqual(failure?.key, "outbound.nameserver")
        }
        for smarthost in ["", "relay..example:25", "relay.example:smtp", "relay.example:25:26", "[relay.example",
                          "2001:db8::1", "relay example", "relay.example:-1"] {
            let failure = error("[outbound]\n\nsmarthost = \"\(smarthost)\"")
            XCTAssertEqual(failure?.line, 3, "\(smarthost): \(String(describing: failure))")
            XCTAssertEqual(failure?.key, "outbound.smarthost")
        }
        XCTAssertEqual(error("[outbound]\nport = 0")?.description,
                       "bad value for \"outbound.port\": 0 is not a port number (1-65535) at line 2")
        XCTAssertEqual(error("[outbound]\nport = \"25\"")?.description,
                       "wrong type for \"outbound.port\": expected an integer, found string at line 2")
        XCTAssertEqual(error("[outbound]\nsmarthost_tls = \"always\"")?.description,
                       "bad value for \"outbound.smarthost_tls\": \"always\" (expected opportunistic, require-verified, "
                       + "implicit, none) at line 2")
        XCTAssertEqual(error("[outbound]\ndefault_tls = \"\"")?.key, "outbound.default_tls")
        XCTAssertEqual(error("[outbound]\npoll_seconds = 0")?.description,
                       "bad value for \"outbound.poll_seconds\": 0 (must be at least 1) at line 2")
        XCTAssertEqual(error("[outbound]\ngive_up_after_seconds = -5")?.key, "outbound.give_up_after_seconds")
        XCTAssertEqual(error("[outbound]\nfirst_retry_seconds = 600\nmax_retry_seconds = 60")?.line, 3)
        XCTAssertEqual(error("[outbound]\nidle_connection_seconds = -1")?.key, "outbound.idle_connection_seconds")
        XCTAssertEqual(error("[outbound]\nmax_connections = 2\nmax_connections_per_host = 4")?.key,
                       "outbound.max_connections_per_host")
        XCTAssertEqual(error("[outbound]\nsmarthost = \"relay.example\"\nsmarthost_port = 25")?.description,
                       "unknown key \"outbound.smarthost_port\" at line 3")
        XCTAssertEqual(error("outbound = true")?.description,
                       "wrong type for \"outbound\": expected a table, found bool at line 1")
    }

    func testBadMapEntriesNameTheirLine() {
        let transport = error("""
        [outbound.transport]
        "good.example" = "10.0.0.1:25"
        "bad.example" = "10.0.0.1:99999"
        """)
        XCTAssertEqual(transport?.key, "outbound.transport")
        XCTAssertEqual(transport?.line, 3)
        XCTAssertTrue(transport?.message.contains("\"bad.example\"") == true, "\(String(describing: transport))")
        let badDomain = error("[outbound.transport]\n\"no domain!\" = \"10.0.0.1\"")
        XCTAssertEqual(badDomain?.line, 2)
        XCTAssertEqual(badDomain?.key, "outbound.transport")
        let notString = error("[outbound.transport]\n\"a.example\" = 25")
        XCTAssertEqual(notString?.line, 2)
        XCTAssertTrue(notString?.message.contains("wrong type") == true, "\(String(describing: notString))")
        let policy = error("[outbound.tls_policy]\n\"a.example\" = \"require\"")
        XCTAssertEqual(policy?.key, "outbound.tls_policy")
        XCTAssertEqual(policy?.line, 2)
        XCTAssertEqual(error("[outbound]\ntransport = \"a.example=b\"")?.key, "outbound.transport")
    }

    func testSmarthostCredentialsComeInPairs() {
        XCTAssertEqual(error("[outbound]\nsmarthost_username = \"u\"")?.key, "outbound.smarthost_username")
        XCTAssertEqual(error("[outbound]\nsmarthost_password = \"p\"")?.key, "outbound.smarthost_password")
        XCTAssertEqual(error("[outbound]\nsmarthost_password_file = \"/x\"")?.key, "outbound.smarthost_password_file")
        let both = error("""
        [outbound]
        smarthost_username = "u"
        smarthost_password = "p"
        smarthost_password_file = "/x"
        """)
        XCTAssertEqual(both?.line, 4)
        XCTAssertEqual(error("[outbound]\nsmarthost_username = \"u\"\nsmarthost_password = \"a\\nb\"")?.key,
                       "outbound.smarthost_password", "no line break can reach the AUTH command")
        XCTAssertEqual(error("[outbound]\nsmarthost_username = \"\"\nsmarthost_password = \"p\"")?.key,
                       "outbound.smarthost_username")
    }

    func testRendererRoundTripsAndHidesThePassword() throws {
        var configuration = TernConfiguration.localDefaults
        configuration.dataDirectory = "/var/lib/tern"
        configuration.outbound = OutboundSettings(
            nameserver: HostPort(host: "127.0.0.1", port: 5353), port: 2526,
            smarthost: HostPort(host: "2001:db8::1", port: 465), smarthostTLS: "implicit",
            smarthostUsername: "me \"quoted\"", smarthostPasswordFile: "/etc/tern/relay-password",
            transport: ["a.example": HostPort(host: "mx.a.example", port: 25), ".b.example": HostPort(host: "10.0.0.2", port: 26)],
            tlsPolicy: ["c.example": "none"], defaultTLS: "require-verified", firstRetrySeconds: 10,
            maxRetrySeconds: 20, giveUpAfterSeconds: 30, delayWarningSeconds: 40, pollSeconds: 2,
            maxConnections: 7, maxConnectionsPerHost: 3, concurrentDeliveries: 5,
            idleConnectionSeconds: 9)
        let text = ConfigurationRenderer.toml(configuration)
        XCTAssertEqual(try load(text), configuration, text)
        var defaults = TernConfiguration.localDefaults
        defaults.dataDirectory = "/var/lib/tern"
        XCTAssertEqual(try load(ConfigurationRenderer.toml(defaults)), defaults)

        configuration.outbound.smarthostPasswordFile = nil
        configuration.outbound.smarthostPassword = "s3cret-relay-pass"
        let hidden = ConfigurationRenderer.toml(configuration)
        XCTAssertFalse(hidden.contains("s3cret-relay-pass"), hidden)
        XCTAssertTrue(hidden.contains("smarthost_password is set"), hidden)
    }

    func testRunnerConfigurationAndRouter() async throws {
        let configuration = try load("""
        host_name = "mail.sender.example"
        [outbound]
        port = 2626
        default_tls = "none"
        first_retry_seconds = 3
        max_retry_seconds = 30
        give_up_after_seconds = 300
        delay_warning_seconds = 100
        poll_seconds = 1
        concurrent_deliveries = 4
        smarthost_tls = "implicit"
        smarthost_username = "relay-user"
        smarthost_password = "relay-pass"
        [outbound.transport]
        "mapped.example" = "127.0.0.1:2727"
        [outbound.tls_policy]
        "strict.example" = "require-verified"
        """)
        let credentials = try OutboundDelivery.smarthostCredentials(configuration.outbound)
        XCTAssertEqual(credentials, SMTPClientCredentials(username: "relay-user", password: "relay-pass"))
        let runner = OutboundDelivery.runnerConfiguration(configuration, credentials: credentials)
        XCTAssertEqual(runner.hostName, "mail.sender.example")
        XCTAssertEqual(runner.firstRetryInterval, 3)
        XCTAssertEqual(runner.maxRetryInterval, 30)
        XCTAssertEqual(runner.giveUpAfter, 300)
        XCTAssertEqual(runner.delayWarningAfter, 100)
        XCTAssertEqual(runner.pollInterval, 1)
        XCTAssertEqual(runner.concurrentDeliveries, 4)
        XCTAssertEqual(runner.defaultTLS, .none)
        XCTAssertEqual(runner.smarthostTLS, .implicit)
        XCTAssertEqual(runner.tlsPolicies, ["strict.example": .requireVerified])
        XCTAssertEqual(runner.smarthostCredentials, credentials)

        let router = OutboundDelivery.router(configuration.outbound)
        XCTAssertEqual(router.port, 2626)
        XCTAssertNil(router.smarthost)
        // A transport-map entry with an address needs no DNS at all.
        let route = await router.route("Mapped.Example")
        guard case .hosts(let hosts) = route else { return XCTFail("expected hosts, got \(route)") }
        XCTAssertEqual(hosts.map(\.port), [2727])
        XCTAssertEqual(hosts.first?.addresses.map(\.description), ["127.0.0.1"])
    }

    func testPasswordFileIsReadAtStart() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tern-cfg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("relay-password")
        try Data("from-file-pass\r\nsecond line\n".utf8).write(to: file)
        var outbound = OutboundSettings(smarthostUsername: "u", smarthostPasswordFile: file.path)
        XCTAssertEqual(try OutboundDelivery.smarthostCredentials(outbound)?.password, "from-file-pass")
        try Data("\n".utf8).write(to: file)
        XCTAssertThrowsError(try OutboundDelivery.smarthostCredentials(outbound), "an empty password is refused")
        outbound.smarthostPasswordFile = directory.appendingPathComponent("missing").path
        XCTAssertThrowsError(try OutboundDelivery.smarthostCredentials(outbound)) { error in
            XCTAssertTrue("\(error)".contains("missing"), "\(error)")
        }
        XCTAssertNil(try OutboundDelivery.smarthostCredentials(OutboundSettings()))
    }

    func testHostPortParsing() {
        XCTAssertEqual(HostPort(parsing: "relay.example"), HostPort(host: "relay.example", port: 25))
        XCTAssertEqual(HostPort(parsing: "192.0.2.1:2525"), HostPort(host: "192.0.2.1", port: 2525))
        XCTAssertEqual(HostPort(parsing: "[2001:DB8::1]:587"), HostPort(host: "2001:db8::1", port: 587))
        XCTAssertEqual(HostPort(parsing: "[2001:db8::1]:587")?.description, "[2001:db8::1]:587")
        for bad in ["", ":25", "a:", "[::1", "[::1]x", "a b:25", "a:+25", "a:0025x", "a:123456"] {
            XCTAssertNil(HostPort(parsing: bad), bad)
        }
    }
}
