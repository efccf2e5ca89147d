import Foundation
import XCTest

/// The real `tern serve` with HTTP and HTTPS listeners: a Python client that
/// knows only an address and a password reads the autoconfig document and
/// logs in by IMAP, POP3 and SMTP submission with exactly those settings
/// (Scripts/autoconfig_e2e.py); every document is parsed with xml.etree or
/// plistlib and hostile HTTP input gets 4xx.
final class AutoconfigTests: TernEndToEndTestCase {
    func testClientConfiguresItselfFromAutoconfig() throws {
        let ports = try LoopbackPorts.free(count: 8)
        pop3Port = ports[0]
        pop3sPort = ports[1]
        let (imapPort, imapsPort, submissionPort, submissionsPort, httpPort, httpsPort) =
            (ports[2], ports[3], ports[4], ports[5], ports[6], ports[7])
        let listeners = [("imap", imapPort, "starttls"), ("imap", imapsPort, "implicit"),
                         ("pop3", pop3Port, "starttls"), ("pop3", pop3sPort, "implicit"),
                         ("submission", submissionPort, "starttls"), ("submission", submissionsPort, "implicit")]
            .map { name, port, tls in
                "[[listener]]\nprotocol = \"\(name)\"\naddress = \"127.0.0.1\"\nport = \(port)\ntls = \"\(tls)\"\n"
            }.joined(separator: "\n")
        let toml = """
        host_name = "localhost"
        local_domains = ["\(domain)"]
        data_directory = "\(dataDir.path)"

        \(listeners)
        [limits]
        shutdown_grace_seconds = 3

        [http]
        admin_networks = ["127.0.0.1/32"]

        [[http.listener]]
        address = "127.0.0.1"
        port = \(httpPort)
        tls = "none"

        [[http.listener]]
        address = "127.0.0.1"
        port = \(httpsPort)
        tls = "implicit"

        """
        try Data(toml.utf8).write(to: configURL)
        try ternOK(["domain", "add", domain])
        try ternOK(["account", "add", account, "--password-stdin"], stdin: password + "\n")
        try startServer(alsoWaitFor: [httpPort, httpsPort, imapPort, imapsPort])
        let result = try pythonOK("autoconfig_e2e.py", [
            "--http-port", String(httpPort), "--https-port", String(httpsPort),
            "--address", account, "--password", password, "--host-name", "localhost",
            "--expect-incoming", "imap/STARTTLS/\(imapPort),imap/SSL/\(imapsPort),pop3/STARTTLS/\(pop3Port),"
                + "pop3/SSL/\(pop3sPort)",
            "--expect-outgoing", "smtp/STARTTLS/\(submissionPort),smtp/SSL/\(submissionsPort)",
        ], timeout: 180)
        XCTAssertTrue(result.stdout.contains("autoconfig: all checks passed"), result.transcript)
    }

    /// `tern dns DOMAIN` prints the records with the configured ports.
    func testDNSCommandPrintsRecordsFromConfiguration() throws {
        try writeConfig()
        let result = try ternOK(["dns", domain])
        let text = result.stdout.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        XCTAssertTrue(text.contains("\(domain).") && text.contains("IN MX 10 localhost."), text)
        XCTAssertTrue(text.contains("_pop3s._tcp.\(domain).") && text.contains("0 1 \(pop3sPort) localhost."), text)
        XCTAssertTrue(text.contains("_imaps._tcp.\(domain).") && text.contains("0 0 0 ."), text)
        XCTAssertTrue(text.contains("v=DMARC1; p=none"), text)
        XCTAssertTrue(text.contains("no signing key exists yet"), text)
        XCTAssertFalse(try tern(["dns", "not a domain"]).succeeded)

        // With a DKIM key, its TXT record is part of the fragment.
        try ternOK(["dkim", "generate", domain, "--selector", "e2e", "--algorithm", "ed25519"])
        let signed = try ternOK(["dns", domain]).stdout
        XCTAssertTrue(signed.contains("e2e._domainkey.\(domain)"), signed)
        XCTAssertFalse(signed.contains("no signing key exists yet"), signed)
    }
}
