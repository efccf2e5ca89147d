import Foundation
import XCTest

/// One more `tern serve` with its own data directory, config and loopback
/// ports (SMTP MX with STARTTLS, submission with STARTTLS, POP3S), for tests
/// that need two servers talking to each other. Admin commands run against
/// its config; every wait is bounded.
final class TernInstance {
    let name: String
    let directory: URL
    let dataDir: URL
    let configURL: URL
    let hostName: String
    let localDomains: [String]
    let smtpPort: Int
    let submissionPort: Int
    let pop3sPort: Int
    /// Plain HTTP, for /metrics.
    let httpPort: Int
    /// The `[outbound]` table's lines (without the header), rewritten by `writeConfig`.
    var outboundTOML: String
    private(set) var server: ChildProcess?
    /// Every process this instance started, for the logs of a failed test.
    private var runs: [ChildProcess] = []

    init(name: String, parent: URL, hostName: String, localDomains: [String], outboundTOML: String = "") throws {
        self.name = name
        self.hostName = hostName
        self.localDomains = localDomains
        self.outboundTOML = outboundTOML
        directory = parent.appendingPathComponent(name, isDirectory: true)
        dataDir = directory.appendingPathComponent("data", isDirectory: true)
        configURL = directory.appendingPathComponent("tern.toml")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let ports = try LoopbackPorts.free(count: 4)
        (smtpPort, submissionPort, pop3sPort, httpPort) = (ports[0], ports[1], ports[2], ports[3])
        try writeConfig()
    }

    func writeConfig() throws {
        let listeners = [("smtp", smtpPort, "starttls"), ("submission", submissionPort, "starttls"),
                         ("pop3", pop3sPort, "implicit")]
            .map { name, port, tls in
                "[[listener]]\nprotocol = \"\(name)\"\naddress = \"127.0.0.1\"\nport = \(port)\ntls = \"\(tls)\"\n"
            }.joined(separator: "\n")
        let toml = """
        host_name = "\(hostName)"
        local_domains = [\(localDomains.map { "\"\($0)\"" }.joined(separator: ", "))]
        data_directory = "\(dataDir.path)"

        \(listeners)
        [limits]
        max_connections = 500
        max_connections_per_address = 200
        idle_timeout_seconds = 300
        max_message_size = 10000000
        shutdown_grace_seconds = 3

        [[http.listener]]
        address = "127.0.0.1"
        port = \(httpPort)
        tls = "none"

        [logging]
        level = "info"
        format = "text"

        [outbound]
        \(outboundTOML)

        """
        try Data(toml.utf8).write(to: configURL)
    }

    // MARK: admin commands

    func tern(_ arguments: [String], stdin: String? = nil, timeout: TimeInterval = 120) throws -> CommandResult {
        try ChildProcess.run(executable: TernPaths.ternExecutable(), arguments: arguments + ["--config", configURL.path],
                             stdin: stdin, directory: directory, label: "tern-\(arguments.first ?? "")",
                             timeout: timeout)
    }

    @discardableResult
    func ternOK(_ arguments: [String], stdin: String? = nil, timeout: TimeInterval = 120,
                file: StaticString = #filePath, line: UInt = #line) throws -> CommandResult {
        let result = try tern(arguments, stdin: stdin, timeout: timeout)
        guard result.succeeded else {
            XCTFail("\(name): tern \(arguments.joined(separator: " ")) failed: \(result.transcript)", file: file, line: line)
            throw HarnessError.failed("tern \(arguments.first ?? "") failed")
        }
        return result
    }

    /// `tern domain add` for each local domain (the server would add them at
    /// start; accounts and aliases need them before).
    func addDomains(file: StaticString = #filePath, line: UInt = #line) throws {
        for domain in localDomains {
            try ternOK(["domain", "add", domain], file: file, line: line)
        }
    }

    /// `tern account add ADDRESS --password-stdin`.
    func addAccount(_ address: String, password: String, file: StaticString = #filePath, line: UInt = #line) throws {
        try ternOK(["account", "add", address, "--password-stdin"], stdin: password + "\n", file: file, line: line)
    }

    // MARK: the server

    /// Starts `tern serve` and waits (bounded) until all three listeners accept.
    func start(file: StaticString = #filePath, line: UInt = #line) throws {
        let child = try ChildProcess(executable: TernPaths.ternExecutable(),
                                     arguments: ["serve", "--config", configURL.path],
                                     directory: directory, label: "tern-serve")
        server = child
        runs.append(child)
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if !child.isRunning {
                XCTFail("\(name): tern serve exited early: \(child.result.transcript)", file: file, line: line)
                throw HarnessError.failed("tern serve exited")
            }
            if [smtpPort, submissionPort, pop3sPort].allSatisfy({ LoopbackPorts.accepts($0) }) { return }
            usleep(50_000)
        }
        XCTFail("\(name): tern serve did not accept within 60 s: \(child.result.transcript)", file: file, line: line)
        throw HarnessError.timeout("tern serve \(name)")
    }

    /// SIGTERM (SIGKILL after a bound); true when it exited by itself.
    @discardableResult
    func stop() -> Bool {
        guard let server else { return true }
        self.server = nil
        guard server.isRunning else { return true }
        server.stop(grace: 15)
        // terminationReason traps while Foundation still thinks it runs.
        return !server.isRunning && server.process.terminationReason == .exit
    }

    var isRunning: Bool { server?.isRunning ?? false }

    /// Everything every server run wrote to standard error (its log).
    var standardError: String { runs.map(\.stderr).joined(separator: "\n") }

    /// The end of every server run's output, for failure messages.
    var log: String {
        runs.enumerated().map { index, run in
            "--- \(name) serve #\(index + 1) stdout ---\n\(run.stdout.suffix(3000))\n"
                + "--- \(name) serve #\(index + 1) stderr ---\n\(run.stderr.suffix(5000))"
        }.joined(separator: "\n")
    }
}
