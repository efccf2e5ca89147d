import Foundation
import XCTest

/// Base class of the IMAP end-to-end tests: `tern serve` with IMAP (STARTTLS
/// and implicit TLS), POP3 (STLS and implicit TLS) and SMTP (MX) on free
/// loopback ports, one domain and the test account.
class IMAPEndToEndTestCase: TernEndToEndTestCase {
    /// IMAP with STARTTLS (RFC 9051 §6.2.1; 143 in production).
    var imapPort = 0
    /// IMAP over implicit TLS (RFC 8314; 993 in production).
    var imapsPort = 0
    /// SMTP MX with STARTTLS, for delivering into the mailbox.
    var smtpPort = 0
    /// Submission with STARTTLS, when `startIMAPServer(withSubmission: true)`.
    var submissionPort = 0
    /// `limits.max_message_size`, advertised as APPENDLIMIT.
    let maxMessageSize = 2_000_000

    func startIMAPServer(withSubmission: Bool = false, file: StaticString = #filePath, line: UInt = #line) throws {
        let ports = try LoopbackPorts.free(count: 6)
        (pop3Port, pop3sPort, imapPort, imapsPort, smtpPort) = (ports[0], ports[1], ports[2], ports[3], ports[4])
        var listenerList = [("pop3", pop3Port, "starttls"), ("pop3", pop3sPort, "implicit"), ("imap", imapPort, "starttls"),
                            ("imap", imapsPort, "implicit"), ("smtp", smtpPort, "starttls")]
        if withSubmission {
            submissionPort = ports[5]
            listenerList.append(("submission", submissionPort, "starttls"))
        }
        let listeners = listenerList
            .map { name, port, tls in
                "[[listener]]\nprotocol = \"\(name)\"\naddress = \"127.0.0.1\"\nport = \(port)\ntls = \"\(tls)\"\n"
            }.joined(separator: "\n")
        let toml = """
        host_name = "localhost"
        local_domains = ["\(domain)"]
        data_directory = "\(dataDir.path)"

        \(listeners)
        [limits]
        max_connections = 200
        max_connections_per_address = 100
        idle_timeout_seconds = 300
        max_message_size = \(maxMessageSize)
        shutdown_grace_seconds = 3

        [logging]
        level = "info"
        format = "text"

        [http]
        listener = []

        """
        try Data(toml.utf8).write(to: configURL)
        try ternOK(["domain", "add", domain], file: file, line: line)
        try ternOK(["account", "add", account, "--password-stdin"], stdin: password + "\n", file: file, line: line)
        try startServer(alsoWaitFor: [imapPort, imapsPort, smtpPort] + (withSubmission ? [submissionPort] : []),
                        file: file, line: line)
    }

    /// The connection arguments every `Scripts/imap_*.py` takes.
    var imapArguments: [String] {
        ["--imap-port", String(imapPort), "--imaps-port", String(imapsPort), "--user", account, "--password", password]
    }

    /// Runs `Scripts/<script> COMMAND...` against the running server; fails the test unless it succeeds.
    @discardableResult
    func imapScript(_ script: String, _ arguments: [String], timeout: TimeInterval = 180,
                    file: StaticString = #filePath, line: UInt = #line) throws -> CommandResult {
        try pythonOK(script, arguments + imapArguments, timeout: timeout, file: file, line: line)
    }
}
