import Foundation
import XCTest

/// Load and crash tests of the real `tern serve` SMTP listener (MX, loopback):
/// 20 concurrent smtplib connections (Scripts/smtp_load.py, each connection
/// reused for 50 messages, then QUIT and a new one) deliver to two local accounts,
/// every message with a unique token in its Message-ID and Subject. The client logs
/// each token it attempted and each that got `250`; afterwards every stored message
/// is read back over POP3 and compared with those logs (RFC 5321 §6.1: a `250`
/// after DATA means the server has taken responsibility for the message).
final class SMTPLoadTests: TernEndToEndTestCase {
    private var smtpPort = 0
    private let secondAccount = "load2@example.test"

    private var accounts: String { "\(account),\(secondAccount)" }
    private var attemptedLog: URL { workDir.appendingPathComponent("attempted.log") }
    private var acceptedLog: URL { workDir.appendingPathComponent("accepted.log") }

    /// Config with POP3 (STLS, implicit TLS) and an MX listener, two accounts; starts the server.
    private func startLoadServer() throws {
        let ports = try LoopbackPorts.free(count: 3)
        (pop3Port, pop3sPort, smtpPort) = (ports[0], ports[1], ports[2])
        let listeners = [("pop3", pop3Port, "starttls"), ("pop3", pop3sPort, "implicit"),
                         ("smtp", smtpPort, "starttls")]
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
        max_message_size = 1000000
        shutdown_grace_seconds = 3

        [authentication]
        allow_cleartext = true

        [smtp]
        trusted_networks = []
        max_recipients = 100
        max_errors = 10
        allow_bare_line_endings = false

        [logging]
        level = "warning"
        format = "text"

        [http]
        listener = []

        """
        try Data(toml.utf8).write(to: configURL)
        try ternOK(["domain", "add", domain])
        for address in [account, secondAccount] {
            try ternOK(["account", "add", address, "--password-stdin"], stdin: password + "\n")
        }
        try startSMTP()
    }

    /// `tern serve` with the current config; waits until the MX listener accepts too.
    private func startSMTP() throws {
        try startServer(alsoWaitFor: [smtpPort], announced: false) // logs warnings only
    }

    /// Scripts/smtp_load.py send: 20 threads, 50 messages per connection, bodies of `size` bytes.
    private func sendArguments(count: Int, size: Int, prefix: String, tolerateErrors: Bool) -> [String] {
        ["send", "--port", String(smtpPort), "--recipients", accounts, "--count", String(count),
         "--threads", "20", "--per-connection", "50", "--size", String(size), "--prefix", prefix,
         "--attempted-log", attemptedLog.path, "--accepted-log", acceptedLog.path, "--deadline", "90"]
            + (tolerateErrors ? ["--tolerate-errors"] : [])
    }

    @discardableResult
    private func verifyStore(minAccepted: Int,
                             file: StaticString = #filePath, line: UInt = #line) throws -> CommandResult {
        let result = try pythonOK("smtp_load.py", ["verify", "--pop3-port", String(pop3Port), "--accounts", accounts,
                                                   "--password", password,
                                                   "--attempted-log", attemptedLog.path,
                                                   "--accepted-log", acceptedLog.path,
                                                   "--min-accepted", String(minAccepted)],
                                  timeout: 120, file: file, line: line)
        XCTAssertTrue(result.stdout.contains("verify: all checks passed"), result.transcript, file: file, line: line)
        return result
    }

    private func lineCount(_ url: URL) -> Int {
        guard let data = try? Data(contentsOf: url) else { return 0 }
        return data.reduce(0) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
    }

    /// 5,000 messages over 20 connections: every one gets 250 and is stored exactly
    /// once, complete, for each of its recipients.
    func testFiveThousandMessagesOverTwentyConnections() throws {
        try startLoadServer()
        let sent = try pythonOK("smtp_load.py",
                                sendArguments(count: 5000, size: 1024, prefix: "load", tolerateErrors: false),
                                timeout: 150)
        XCTAssertTrue(sent.stdout.contains("accepted=5000 failed=0"), sent.transcript)
        try verifyStore(minAccepted: 5000)
        // The same after a clean restart: nothing lost on the way to disk.
        XCTAssertTrue(stopServer(), "tern serve stops on SIGTERM")
        try startSMTP()
        try verifyStore(minAccepted: 5000)
    }

    /// `kill -9` of the server after ~1,500 `250`s of a 3,000-message load (8 KiB each); the
    /// client keeps going (reconnecting) against the restarted server. Every token
    /// logged with 250 is stored exactly once; messages in flight at the kill may be
    /// stored or not, but every stored message is complete and was attempted.
    func testKillDashNineDuringLoad() throws {
        try startLoadServer()
        let python = try XCTUnwrap(findOnPath("python3"), "python3 on PATH")
        let script = try TernPaths.scriptsDirectory().appendingPathComponent("smtp_load.py").path
        let client = try ChildProcess(executable: python,
                                      arguments: [script] + sendArguments(count: 3000, size: 8192, prefix: "crash",
                                                                          tolerateErrors: true),
                                      directory: workDir, label: "py-smtp-load-crash")
        children.append(client)
        let deadline = Date().addingTimeInterval(60)
        while lineCount(acceptedLog) < 1500 && client.isRunning && Date() < deadline { usleep(20_000) }
        let acceptedAtKill = lineCount(acceptedLog)
        XCTAssertGreaterThanOrEqual(acceptedAtKill, 1500, "load reached 1,500 250s: \(client.result.transcript)")
        let crashed = try XCTUnwrap(server)
        crashed.crash()
        XCTAssertEqual(crashed.process.terminationReason, .uncaughtSignal, "tern serve was killed by SIGKILL")
        server = nil
        try startSMTP()
        XCTAssertTrue(client.waitForExit(timeout: 150), "the load client finishes: \(client.result.transcript)")
        let result = client.result
        XCTAssertEqual(result.status, 0, "load client: \(result.transcript)\n\(serverLog)")
        XCTAssertGreaterThan(lineCount(acceptedLog), acceptedAtKill, "the restarted server accepts more mail")
        try verifyStore(minAccepted: acceptedAtKill)
    }
}
