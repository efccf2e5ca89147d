import Foundation
import XCTest

/// Base class of the tests of mail that must land in a given account
/// (postmaster routing, `tern sendmail`): `tern serve` with an SMTP MX
/// listener (STARTTLS) and IMAPS on free loopback ports, two local domains,
/// and mail for remote.test routed to a closed loopback port, so that it
/// stays queued and no DNS query leaves the machine.
class LocalMailEndToEndTestCase: TernEndToEndTestCase {
    var smtpPort = 0
    var imapsPort = 0
    var httpPort = 0
    let hostName = "mx.example.test"
    let secondDomain = "second.test"
    let maxMessageSize = 200_000

    /// Writes the configuration; `smtpTOML` goes into `[smtp]`.
    func writeLocalMailConfig(smtpTOML: String = "") throws {
        let ports = try LoopbackPorts.free(count: 4)
        (smtpPort, imapsPort) = (ports[0], ports[1])
        httpPort = ports[2]
        let closedPort = ports[3]
        let toml = """
        host_name = "\(hostName)"
        local_domains = ["\(domain)", "\(secondDomain)"]
        data_directory = "\(dataDir.path)"

        [[listener]]
        protocol = "smtp"
        address = "127.0.0.1"
        port = \(smtpPort)
        tls = "starttls"

        [[listener]]
        protocol = "imap"
        address = "127.0.0.1"
        port = \(imapsPort)
        tls = "implicit"

        [limits]
        max_connections = 100
        max_connections_per_address = 50
        idle_timeout_seconds = 300
        max_message_size = \(maxMessageSize)
        shutdown_grace_seconds = 3

        [smtp]
        \(smtpTOML)

        [[http.listener]]
        address = "127.0.0.1"
        port = \(httpPort)
        tls = "none"

        [logging]
        level = "info"
        format = "text"

        [outbound]
        first_retry_seconds = 3600

        [outbound.transport]
        "remote.test" = "127.0.0.1:\(closedPort)"

        """
        try Data(toml.utf8).write(to: configURL)
    }

    func startLocalMailServer(file: StaticString = #filePath, line: UInt = #line) throws {
        try startServer(alsoWaitFor: [smtpPort, imapsPort], file: file, line: line)
    }

    /// Scripts/local_mail_e2e.py send: one message over MX to `to` (each RCPT
    /// accepted), after RCPTs that must be refused.
    func sendOverMX(marker: String, to: [String], refused: [String] = [],
                    file: StaticString = #filePath, line: UInt = #line) throws {
        try pythonOK("local_mail_e2e.py", ["send", "--smtp-port", String(smtpPort), "--marker", marker]
            + to.flatMap { ["--to", $0] } + refused.flatMap { ["--refused", $0] }, timeout: 120, file: file, line: line)
    }

    /// Scripts/local_mail_e2e.py find: `count` messages with `marker` in the
    /// account's INBOX (waits up to 30 s), each with every `expect` and no `absent`.
    @discardableResult
    func findMail(_ marker: String, user: String, password: String, count: Int = 1, expect: [String] = [],
                  absent: [String] = [], file: StaticString = #filePath, line: UInt = #line) throws -> CommandResult {
        try pythonOK("local_mail_e2e.py", ["find", "--imaps-port", String(imapsPort), "--user", user,
                                           "--password", password, "--marker", marker, "--count", String(count)]
            + expect.flatMap { ["--expect", $0] } + absent.flatMap { ["--absent", $0] },
                     timeout: 120, file: file, line: line)
    }

    /// No message with `marker` in the account's INBOX.
    func expectNoMail(_ marker: String, user: String, password: String,
                      file: StaticString = #filePath, line: UInt = #line) throws {
        try pythonOK("local_mail_e2e.py", ["none", "--imaps-port", String(imapsPort), "--user", user,
                                           "--password", password, "--marker", marker],
                     timeout: 120, file: file, line: line)
    }

    /// The server's log lines that contain every one of `parts`, waiting
    /// (bounded) until there is at least one.
    func serverLogLines(containing parts: [String], file: StaticString = #filePath,
                        line: UInt = #line) throws -> [Substring] {
        let deadline = Date().addingTimeInterval(30)
        while true {
            let log = try XCTUnwrap(server, "the server runs", file: file, line: line).stderr
            let lines = log.split(separator: "\n").filter { text in parts.allSatisfy { text.contains($0) } }
            if !lines.isEmpty { return lines }
            guard Date() < deadline else {
                XCTFail("no server log line with \(parts):\n\(serverLog)", file: file, line: line)
                throw HarnessError.timeout("log line")
            }
            usleep(200_000)
        }
    }
}
