import Foundation
import XCTest

/// The real `tern serve` with its SMTP listeners on loopback: Python's smtplib
/// and raw sockets (Scripts/smtp_e2e.py) and swaks deliver mail, which is read
/// back byte-exact over POP3S. Every address is only SMTP envelope data sent to
/// this local server: nothing is relayed anywhere (the outbound queue only stores).
final class SMTPDeliveryTests: TernEndToEndTestCase {
    /// MX with STARTTLS (RFC 5321, RFC 3207).
    private var smtpPort = 0
    /// Submission with STARTTLS (RFC 6409).
    private var submissionPort = 0
    /// Submission over implicit TLS (RFC 8314).
    private var submissionsPort = 0
    private let maxMessageSize = 1_000_000
    private let relayRecipient = "friend@other.example"

    /// Config with POP3 (STLS and implicit TLS) and the three SMTP listeners,
    /// then the domain and the test account; then starts the server.
    private func startSMTPServer() throws {
        let ports = try LoopbackPorts.free(count: 6)
        (pop3Port, pop3sPort, smtpPort, submissionPort, submissionsPort) = (ports[0], ports[1], ports[2], ports[3], ports[4])
        // Nothing listens there: relayed mail is tried on loopback only (no
        // DNS query leaves the machine), refused, and stays queued.
        let closedPort = ports[5]
        let listeners = [("pop3", pop3Port, "starttls"), ("pop3", pop3sPort, "implicit"), ("smtp", smtpPort, "starttls"),
                         ("submission", submissionPort, "starttls"), ("submission", submissionsPort, "implicit")]
            .map { name, port, tls in
                "[[listener]]\nprotocol = \"\(name)\"\naddress = \"127.0.0.1\"\nport = \(port)\ntls = \"\(tls)\"\n"
            }.joined(separator: "\n")
        let toml = """
        host_name = "mx.example.test"
        local_domains = ["\(domain)"]
        data_directory = "\(dataDir.path)"

        \(listeners)
        [limits]
        max_connections = 200
        max_connections_per_address = 100
        idle_timeout_seconds = 300
        max_message_size = \(maxMessageSize)
        shutdown_grace_seconds = 3

        [smtp]
        trusted_networks = []
        max_recipients = 100
        max_errors = 10
        allow_bare_line_endings = false

        [http]
        listener = []

        [outbound]
        first_retry_seconds = 3600

        [outbound.transport]
        "other.example" = "127.0.0.1:\(closedPort)"

        """
        try Data(toml.utf8).write(to: configURL)
        try ternOK(["domain", "add", domain])
        try ternOK(["account", "add", account, "--password-stdin"], stdin: password + "\n")
        try startServer(alsoWaitFor: [smtpPort, submissionPort, submissionsPort])
    }

    @discardableResult
    private func smtpCheck(_ command: String, _ arguments: [String] = [],
                           file: StaticString = #filePath, line: UInt = #line) throws -> CommandResult {
        try pythonOK("smtp_e2e.py", [command, "--smtp-port", String(smtpPort),
                                     "--submission-port", String(submissionPort),
                                     "--submissions-port", String(submissionsPort),
                                     "--pop3s-port", String(pop3sPort), "--user", account, "--password", password,
                                     "--relay-recipient", relayRecipient] + arguments,
                     timeout: 120, file: file, line: line)
    }

    /// MX: plain and STARTTLS delivery, pipelining, BDAT, SMTPUTF8, the size
    /// limit and SMTP smuggling inputs; each delivery read back byte-exact.
    func testMXDeliveryReadBackByPOP3() throws {
        try startSMTPServer()
        let result = try smtpCheck("deliver")
        XCTAssertTrue(result.stdout.contains("deliver: all checks passed"), result.transcript)
    }

    /// Submission: AUTH PLAIN and LOGIN on implicit TLS, 530 without AUTH,
    /// 553 for a foreign sender; authenticated relay lands in the outbound
    /// queue (its destination refuses connections, so it stays there:
    /// no bounce, nothing delivered locally).
    func testSubmissionAuthAndQueuedRelay() throws {
        try startSMTPServer()
        let result = try smtpCheck("submit")
        XCTAssertTrue(result.stdout.contains("submit: all checks passed"), result.transcript)
        let queue = try ternOK(["queue", "list"])
        XCTAssertTrue(queue.stdout.contains(relayRecipient), "tern queue list shows the relayed message: \(queue.transcript)")
        XCTAssertTrue(queue.stdout.contains(account), "queued with the sender: \(queue.transcript)")
    }

    /// MX without AUTH: unknown users get 550 5.1.1, every relay trick is refused
    /// (also after STARTTLS), and nothing reaches the outbound queue.
    func testRelayAttemptsRefused() throws {
        try startSMTPServer()
        let result = try smtpCheck("relay")
        XCTAssertTrue(result.stdout.contains("relay: all checks passed"), result.transcript)
        let queue = try ternOK(["queue", "list"])
        XCTAssertTrue(queue.stdout.contains("queue is empty"), "no relay was queued: \(queue.transcript)")
    }

    /// An endless line, a huge DATA line and garbage commands: bounded replies and
    /// server memory, 421 after max_errors, and the server delivers afterwards.
    func testHostileInputStaysBounded() throws {
        try startSMTPServer()
        let pid = try XCTUnwrap(server).process.processIdentifier
        let result = try smtpCheck("hostile", ["--server-pid", String(pid)])
        XCTAssertTrue(result.stdout.contains("hostile: all checks passed"), result.transcript)
    }

    /// swaks (Debian): a standard delivery, a STARTTLS+AUTH PLAIN submission, a pipelined one.
    func testSwaks() throws {
        let swaks = try requireDebianClient("swaks")
        try startSMTPServer()
        let runs: [(String, [String])] = [
            ("swaks-standard", ["--server", "127.0.0.1:\(smtpPort)", "--from", "someone@remote.example"]),
            ("swaks-tls-auth", ["--server", "127.0.0.1:\(submissionPort)", "--tls", "--auth", "PLAIN",
                                "--auth-user", account, "--auth-password", password, "--from", account]),
            ("swaks-pipeline", ["--server", "127.0.0.1:\(smtpPort)", "--pipeline", "--from", "pipe@remote.example"]),
        ]
        for (marker, arguments) in runs {
            let result = try ChildProcess.run(
                executable: swaks,
                arguments: arguments + ["--to", account, "--helo", "client.example", "--header", "Subject: \(marker)",
                                        "--body", "Sent by \(marker).", "--timeout", "20"],
                directory: workDir, label: marker, timeout: 60)
            XCTAssertTrue(result.succeeded, "\(marker): \(result.transcript)\n\(serverLog)")
            XCTAssertTrue(result.stdout.contains("250 2.0.0"), "\(marker) got 250 for the message: \(result.stdout)")
            try smtpCheck("readback", ["--marker", "Subject: \(marker)"])
        }
    }
}
