import Foundation
import SMTP
import XCTest
@testable import Server

/// The `[smtp]` table: defaults, values, errors naming key and line, and the
/// renderer's round trip.
final class ConfigSMTPTests: XCTestCase {
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

    func testDefaultsTrustNoNetwork() throws {
        let smtp = try load("").smtp
        XCTAssertEqual(smtp.trustedNetworks, [], "loopback is not trusted by default")
        XCTAssertEqual(smtp.maxRecipients, 100)
        XCTAssertEqual(smtp.maxErrors, 10)
        XCTAssertFalse(smtp.allowBareLineEndings)
        XCTAssertEqual(try load("[smtp]\n").smtp, SMTPSettings())
    }

    func testValuesAreRead() throws {
        let smtp = try load("""
        [smtp]
        trusted_networks = ["192.0.2.0/24", "2001:db8::/32", "198.51.100.7"]
        max_recipients = 500
        max_errors = 3
        allow_bare_line_endings = true
        """).smtp
        XCTAssertEqual(smtp.trustedNetworks, ["192.0.2.0/24", "2001:db8::/32", "198.51.100.7"])
        XCTAssertEqual(smtp.maxRecipients, 500)
        XCTAssertEqual(smtp.maxErrors, 3)
        XCTAssertTrue(smtp.allowBareLineEndings)
    }

    func testBadValuesNameKeyAndLine() {
        let badNetwork = error("""
        host_name = "a.example"

        [smtp]
        max_errors = 5
        trusted_networks = ["10.0.0.0/8", "10.0.0.0/33"]
        """)
        XCTAssertEqual(badNetwork?.key, "smtp.trusted_networks")
        XCTAssertEqual(badNetwork?.line, 5)
        XCTAssertTrue(badNetwork?.message.contains("\"10.0.0.0/33\"") == true, "\(String(describing: badNetwork))")

        for network in ["localhost", "", "192.0.2.1/", "192.0.2.0/x", "1.2.3.4.5"] {
            let failure = error("[smtp]\ntrusted_networks = [\"\(network)\"]")
            XCTAssertEqual(failure?.description.hasSuffix("at line 2"), true, "\(network): \(String(describing: failure))")
        }

        let tooFew = error("[smtp]\n\nmax_recipients = 99")
        XCTAssertEqual(tooFew?.description, "bad value for \"smtp.max_recipients\": 99 (must be at least 100) at line 3")
        XCTAssertEqual(error("[smtp]\nmax_errors = 0")?.description,
                       "bad value for \"smtp.max_errors\": 0 (must be at least 1) at line 2")
        XCTAssertEqual(error("[smtp]\nallow_bare_line_endings = \"yes\"")?.description,
                       "wrong type for \"smtp.allow_bare_line_endings\": expected true or false, found string at line 2")
        XCTAssertEqual(error("[smtp]\ntrusted_networks = \"10.0.0.0/8\"")?.description,
                       "wrong type for \"smtp.trusted_networks\": expected an array of strings, found string at line 2")
        XCTAssertEqual(error("[smtp]\nmax_recipients = 100\nmax_recipient = 5")?.description,
                       "unknown key \"smtp.max_recipient\" at line 3")
        XCTAssertEqual(error("smtp = 3")?.description, "wrong type for \"smtp\": expected a table, found integer at line 1")
    }

    func testRendererRoundTripsSMTPSettings() throws {
        var configuration = TernConfiguration.localDefaults
        configuration.dataDirectory = "/var/lib/tern"
        configuration.smtp = SMTPSettings(trustedNetworks: ["192.0.2.0/24", "::1/128"], maxRecipients: 250,
                                          maxErrors: 4, allowBareLineEndings: true)
        let text = ConfigurationRenderer.toml(configuration)
        XCTAssertTrue(text.contains("[smtp]\ntrusted_networks = [\"192.0.2.0/24\", \"::1/128\"]\n"), text)
        XCTAssertEqual(try load(text), configuration)
    }

    /// The server's per-listener SMTP policy comes from `[smtp]`, `[limits]` and the listener.
    func testListenerPolicyFollowsConfiguration() throws {
        var configuration = try load("""
        [limits]
        max_message_size = 2000000
        [smtp]
        trusted_networks = ["192.0.2.0/24"]
        max_recipients = 150
        """)
        configuration.authentication.allowCleartext = false
        let server = TernServer(configuration: configuration, logger: .init(label: "test"))
        let mx = server.smtpConfiguration(for: .init(protocolName: .smtp, address: "127.0.0.1", port: 25, tls: .starttls))
        XCTAssertEqual(mx.mode, .mx)
        XCTAssertTrue(mx.offersSTARTTLS)
        XCTAssertTrue(mx.requireTLSForAuth)
        XCTAssertEqual(mx.maxMessageSize, 2_000_000)
        XCTAssertEqual(mx.maxRecipients, 150)
        XCTAssertEqual(mx.trustedNetworks.map(\.description), ["192.0.2.0/24"])
        XCTAssertFalse(mx.allowBareLineEndings)
        let submissions = server.smtpConfiguration(
            for: .init(protocolName: .submission, address: "127.0.0.1", port: 465, tls: .implicit))
        XCTAssertEqual(submissions.mode, .submission)
        XCTAssertFalse(submissions.offersSTARTTLS, "no STARTTLS on implicit TLS")
    }

    /// `postmaster_account`: unset by default, an address (lower-cased),
    /// refused when it is none, rendered and read back, handed to every
    /// SMTP listener with its own metrics label.
    func testPostmasterAccount() throws {
        XCTAssertNil(try load("").smtp.postmasterAccount)
        let configuration = try load("[smtp]\npostmaster_account = \"Admin@Example.org\"")
        XCTAssertEqual(configuration.smtp.postmasterAccount, "admin@example.org")
        for bad in ["admin", "", "a@[192.0.2.1]", "a b@example.org"] {
            let failure = error("[smtp]\n\npostmaster_account = \"\(bad)\"")
            XCTAssertEqual(failure?.description, "bad value for \"smtp.postmaster_account\": \"\(bad)\" is not an address "
                + "(like \"admin@example.org\") at line 3", bad)
        }
        XCTAssertEqual(try load(ConfigurationRenderer.toml(configuration)).smtp, configuration.smtp)
        let unset = ConfigurationRenderer.toml(TernConfiguration.localDefaults)
        XCTAssertTrue(unset.contains("# no postmaster_account"), unset)
        XCTAssertEqual(try load(unset).smtp.postmasterAccount, nil)

        let server = TernServer(configuration: configuration, logger: .init(label: "test"))
        for kind in [ListenerProtocol.smtp, .submission] {
            let smtp = server.smtpConfiguration(for: .init(protocolName: kind, address: "127.0.0.1", port: 2525,
                                                           tls: .starttls))
            XCTAssertEqual(smtp.postmasterAccount, "admin@example.org")
            XCTAssertEqual((smtp.messageObserver as? MetricsMessageObserver)?.protocolName, kind.rawValue)
        }
    }
}
