import Foundation
import XCTest

/// Base class of the end-to-end tests: a temporary data directory and config,
/// the real `tern` binary (admin commands and `tern serve` on free loopback
/// ports), and the Python scripts in `Scripts/`. Every wait is bounded and
/// tearDown always stops what the test started.
class TernEndToEndTestCase: XCTestCase {
    var workDir: URL!
    var dataDir: URL!
    var configURL: URL!
    /// Plain POP3 listener with STLS (RFC 2595).
    var pop3Port = 0
    /// POP3 over implicit TLS.
    var pop3sPort = 0
    var server: ChildProcess?
    /// Background processes the test started (an import to crash, ...).
    var children: [ChildProcess] = []

    let domain = "example.test"
    let account = "user@example.test"
    let password = "e2e-Secret-Pass-1"

    override func setUpWithError() throws {
        try super.setUpWithError()
        workDir = FileManager.default.temporaryDirectory
            .appendingPathComponent("tern-e2e-\(UUID().uuidString.prefix(8))", isDirectory: true)
        dataDir = workDir.appendingPathComponent("data", isDirectory: true)
        try FileManager.default.createDirectory(at: workDir, withIntermediateDirectories: true)
        configURL = workDir.appendingPathComponent("tern.toml")
        _ = try TernPaths.ternExecutable()
    }

    override func tearDown() {
        for child in children { child.crash() }
        children = []
        stopServer()
        if let run = testRun, run.totalFailureCount > 0 {
            print("e2e: kept \(workDir.path) for inspection")
        } else if let workDir {
            try? FileManager.default.removeItem(at: workDir)
        }
        super.tearDown()
    }

    // MARK: configuration and admin commands

    /// Writes the config: two POP3 listeners (STLS and implicit TLS) on free ports.
    func writeConfig(onDelete: String = "delete") throws {
        let ports = try LoopbackPorts.free(count: 2)
        pop3Port = ports[0]
        pop3sPort = ports[1]
        let toml = """
        host_name = "localhost"
        local_domains = ["\(domain)"]
        data_directory = "\(dataDir.path)"

        [[listener]]
        protocol = "pop3"
        address = "127.0.0.1"
        port = \(pop3Port)
        tls = "starttls"

        [[listener]]
        protocol = "pop3"
        address = "127.0.0.1"
        port = \(pop3sPort)
        tls = "implicit"

        [limits]
        max_connections = 200
        max_connections_per_address = 100
        idle_timeout_seconds = 120
        max_message_size = 52428800
        shutdown_grace_seconds = 3

        [authentication]
        allow_cleartext = true

        [pop3]
        on_delete = "\(onDelete)"

        [logging]
        level = "info"
        format = "text"

        [http]
        listener = []

        """
        try Data(toml.utf8).write(to: configURL)
    }

    /// `[[listener]]` tables on 127.0.0.1, one per (protocol, port, tls).
    func listenerTables(_ listeners: [(protocolName: String, port: Int, tls: String)]) -> String {
        listeners.map { name, port, tls in
            "[[listener]]\nprotocol = \"\(name)\"\naddress = \"127.0.0.1\"\nport = \(port)\ntls = \"\(tls)\"\n"
        }.joined(separator: "\n")
    }

    /// `tern ARGS --config FILE`, bounded.
    func tern(_ arguments: [String], stdin: String? = nil, timeout: TimeInterval = 120) throws -> CommandResult {
        try ChildProcess.run(executable: TernPaths.ternExecutable(), arguments: arguments + ["--config", configURL.path],
                             stdin: stdin, directory: workDir, label: "tern-\(arguments.first ?? "")",
                             timeout: timeout)
    }

    /// Runs a tern command that must succeed; fails the test (and stops it) otherwise.
    @discardableResult
    func ternOK(_ arguments: [String], stdin: String? = nil, timeout: TimeInterval = 120,
                file: StaticString = #filePath, line: UInt = #line) throws -> CommandResult {
        let result = try tern(arguments, stdin: stdin, timeout: timeout)
        guard result.succeeded else {
            XCTFail("tern \(arguments.joined(separator: " ")) failed: \(result.transcript)", file: file, line: line)
            throw HarnessError.failed("tern \(arguments.first ?? "") failed")
        }
        return result
    }

    /// Config, domain and the test account (password on stdin).
    func prepareAccount(onDelete: String = "delete") throws {
        try writeConfig(onDelete: onDelete)
        let added = try tern(["domain", "add", domain])
        if !added.succeeded && !(added.stdout + added.stderr).lowercased().contains("exist") {
            XCTFail("tern domain add \(domain) failed: \(added.transcript)")
            throw HarnessError.failed("domain add")
        }
        try ternOK(["account", "add", account, "--password-stdin"], stdin: password + "\n")
        let list = try ternOK(["account", "list"])
        XCTAssertTrue(list.stdout.contains(account), "tern account list shows \(account): \(list.transcript)")
    }

    /// A deterministic mbox generated by Scripts/mboxlib.py.
    func generateMbox(count: Int, seed: Int = 1, name: String = "source.mbox") throws -> URL {
        let url = workDir.appendingPathComponent(name)
        try pythonOK("mboxlib.py", ["generate", url.path, "--count", String(count), "--seed", String(seed)])
        return url
    }

    /// `tern import mbox FILE --account A`; returns the result (checked by the caller).
    func importMbox(_ mbox: URL, mailbox: String? = nil, timeout: TimeInterval = 300) throws -> CommandResult {
        var args = ["import", "mbox", mbox.path, "--account", account]
        if let mailbox { args += ["--mailbox", mailbox] }
        return try tern(args, timeout: timeout)
    }

    // MARK: the server

    /// Starts `tern serve` and waits (bounded) until the POP3 listeners and
    /// every port in `alsoWaitFor` accept: listeners bind concurrently, so one
    /// accepting says nothing about the others.
    /// With `announced` (the default) it also waits for each port's
    /// "listening on" notice; a test that logs only warnings passes false.
    func startServer(alsoWaitFor extraPorts: [Int] = [], announced waitForNotices: Bool = true,
                     file: StaticString = #filePath, line: UInt = #line) throws {
        let child = try ChildProcess(executable: TernPaths.ternExecutable(),
                                     arguments: ["serve", "--config", configURL.path],
                                     directory: workDir, label: "tern-serve")
        server = child
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if !child.isRunning {
                XCTFail("tern serve exited early: \(child.result.transcript)", file: file, line: line)
                throw HarnessError.failed("tern serve exited")
            }
            let ports = [pop3Port, pop3sPort].filter { $0 != 0 } + extraPorts
            // The listeners are bound before the store is prepared (the
            // first start creates the postmaster account), so a port that
            // accepts is not yet a server that is ready: the "listening on"
            // line of each port, logged once it is, is.
            let announced = waitForNotices ? Self.listeningPorts(in: child.stderr) : Set(ports)
            if ports.allSatisfy({ announced.contains($0) }), ports.allSatisfy({ LoopbackPorts.accepts($0) }) { return }
            usleep(50_000)
        }
        XCTFail("tern serve did not accept on \([pop3Port, pop3sPort] + extraPorts) within 60 s: \(child.result.transcript)",
                file: file, line: line)
        throw HarnessError.timeout("tern serve")
    }

    /// The ports of the server's "<protocol> listening on <address>:<port>" log lines.
    static func listeningPorts(in log: String) -> Set<Int> {
        var ports = Set<Int>()
        for line in log.split(separator: "\n") {
            guard let range = line.range(of: " listening on ") else { continue }
            let endpoint = line[range.upperBound...].prefix { $0 != " " }
            if let colon = endpoint.lastIndex(of: ":"), let port = Int(endpoint[endpoint.index(after: colon)...]) {
                ports.insert(port)
            }
        }
        return ports
    }

    /// SIGTERM, then SIGKILL after a bound; true when it exited by itself.
    @discardableResult
    func stopServer() -> Bool {
        guard let server else { return true }
        self.server = nil
        guard server.isRunning else { return true }
        server.stop(grace: 15)
        return server.process.terminationReason == .exit
    }

    var serverLog: String {
        guard let server else { return "(no server)" }
        return "--- server stdout ---\n\(server.stdout.suffix(4000))\n--- server stderr ---\n\(server.stderr.suffix(4000))"
    }

    // MARK: Python scripts

    func python(_ script: String, _ arguments: [String], timeout: TimeInterval = 300) throws -> CommandResult {
        guard let python = findOnPath("python3") else { throw HarnessError.notFound("python3 on PATH") }
        let path = try TernPaths.scriptsDirectory().appendingPathComponent(script).path
        return try ChildProcess.run(executable: python, arguments: [path] + arguments, directory: workDir,
                                    label: "py-\(script)", timeout: timeout)
    }

    @discardableResult
    func pythonOK(_ script: String, _ arguments: [String], timeout: TimeInterval = 300,
                  file: StaticString = #filePath, line: UInt = #line) throws -> CommandResult {
        let result = try python(script, arguments, timeout: timeout)
        guard result.succeeded else {
            XCTFail("\(script) \(arguments.joined(separator: " ")) failed: \(result.transcript)\n\(serverLog)",
                    file: file, line: line)
            throw HarnessError.failed("\(script) failed")
        }
        return result
    }

    /// The value of one series of the /metrics page on `httpPort` (Scripts/outbound_e2e.py metric).
    func metric(_ series: String, httpPort: Int, file: StaticString = #filePath, line: UInt = #line) throws -> Double {
        let result = try pythonOK("outbound_e2e.py", ["metric", "--http-port", String(httpPort), "--series", series],
                                  timeout: 60, file: file, line: line)
        let value = result.stdout.split(separator: "\n").first { $0.hasPrefix("value: ") }
            .flatMap { Double($0.dropFirst("value: ".count)) }
        return try XCTUnwrap(value, result.transcript, file: file, line: line)
    }

    /// Scripts/pop3e2e.py COMMAND against the running server, as the test account.
    @discardableResult
    func pop3Check(_ command: String, mode: String = "ssl", _ arguments: [String] = [], timeout: TimeInterval = 300,
                   file: StaticString = #filePath, line: UInt = #line) throws -> CommandResult {
        let port = mode == "ssl" ? pop3sPort : pop3Port
        return try pythonOK("pop3e2e.py", [command, "--port", String(port), "--mode", mode,
                                           "--user", account, "--password", password] + arguments,
                            timeout: timeout, file: file, line: line)
    }
}
