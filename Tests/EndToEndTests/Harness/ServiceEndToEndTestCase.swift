import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Base of the service tests: a configuration with IMAPS and SMTP (MX) on
/// free loopback ports, `tern serve` started as root or as another user
/// (setpriv), waits on files and logs, and the owners of the data
/// directory's files.
class ServiceEndToEndTestCase: TernEndToEndTestCase {
    var imapsPort = 0
    var smtpPort = 0

    /// uid and gid of nobody (Debian: 65534).
    static let nobody: (uid: UInt32, gid: UInt32, name: String) = passwdEntry("nobody") ?? (65534, 65534, "nobody")

    static func passwdEntry(_ name: String) -> (uid: UInt32, gid: UInt32, name: String)? {
        guard let entry = getpwnam(name) else { return nil }
        return (entry.pointee.pw_uid, entry.pointee.pw_gid, name)
    }

    /// Writes the config. `extra` is appended as is (more tables).
    func writeServiceConfig(domains: [String]? = nil, user: String? = nil, logFile: String? = nil,
                            httpPort: Int? = nil, extra: String = "") throws {
        if imapsPort == 0 {
            let ports = try LoopbackPorts.free(count: 2)
            (imapsPort, smtpPort) = (ports[0], ports[1])
        }
        var toml = """
        host_name = "localhost"
        local_domains = [\((domains ?? [domain]).map { "\"\($0)\"" }.joined(separator: ", "))]
        data_directory = "\(dataDir.path)"

        [[listener]]
        protocol = "imap"
        address = "127.0.0.1"
        port = \(imapsPort)
        tls = "implicit"

        [[listener]]
        protocol = "smtp"
        address = "127.0.0.1"
        port = \(smtpPort)
        tls = "starttls"

        [limits]
        shutdown_grace_seconds = 3

        [logging]
        level = "info"

        """
        if let logFile { toml += "file = \"\(logFile)\"\n" }
        toml += "\n[http]\n"
        if let httpPort {
            toml += "[[http.listener]]\naddress = \"127.0.0.1\"\nport = \(httpPort)\ntls = \"none\"\n"
        } else {
            toml += "listener = []\n"
        }
        if let user { toml += "\n[server]\nuser = \"\(user)\"\n" }
        toml += extra
        try Data(toml.utf8).write(to: configURL)
    }

    /// These tests start `tern` as root (to see it drop root) or switch to
    /// other users: skipped when not root, a failure on CI.
    func requireRoot(file: StaticString = #filePath, line: UInt = #line) throws {
        if getuid() == 0 { return }
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            XCTFail("the service tests need root (uid 0) on CI", file: file, line: line)
            throw HarnessError.failed("not root")
        }
        throw XCTSkip("needs root")
    }

    /// `setpriv`, to run a command as another user.
    func setpriv() throws -> URL { try requireDebianClient("setpriv") }

    /// `tern ARGS --config FILE` as the user with this uid and gid.
    func tern(asUID uid: UInt32, gid: UInt32, _ arguments: [String], stdin: String? = nil) throws -> CommandResult {
        try ChildProcess.run(executable: try setpriv(),
                             arguments: ["--reuid=\(uid)", "--regid=\(gid)", "--clear-groups", "--",
                                         try TernPaths.ternExecutable().path] + arguments + ["--config", configURL.path],
                             stdin: stdin, directory: workDir, label: "tern-as-\(uid)", timeout: 120)
    }

    /// Starts `tern serve` (optionally with more environment, or through
    /// `executable`/`arguments` instead) and keeps it as `server`.
    @discardableResult
    func launchServer(environment: [String: String] = [:], executable: URL? = nil,
                      arguments: [String]? = nil) throws -> ChildProcess {
        let child = try ChildProcess(executable: try executable ?? TernPaths.ternExecutable(),
                                     arguments: arguments ?? ["serve", "--config", configURL.path],
                                     environment: environment, directory: workDir, label: "tern-serve")
        server = child
        return child
    }

    /// Waits (bounded) until every port accepts; fails when the server exits first.
    func waitUntilAccepting(_ ports: [Int], file: StaticString = #filePath, line: UInt = #line) throws {
        guard let child = server else { throw HarnessError.failed("no server") }
        try waitFor("tern serve accepting on \(ports)", file: file, line: line) {
            if !child.isRunning {
                XCTFail("tern serve exited early: \(child.result.transcript)", file: file, line: line)
                throw HarnessError.failed("tern serve exited")
            }
            return ports.allSatisfy { LoopbackPorts.accepts($0) }
        }
    }

    /// Polls `condition` every 50 ms for up to `timeout` seconds.
    func waitFor(_ what: String, timeout: TimeInterval = 60, file: StaticString = #filePath, line: UInt = #line,
                 _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return }
            usleep(50_000)
        }
        XCTFail("timed out waiting for \(what)\n\(serverLog)", file: file, line: line)
        throw HarnessError.timeout(what)
    }

    /// Sends a signal to the running server.
    func signalServer(_ number: Int32) {
        if let pid = server?.pid { kill(pid, number) }
    }

    /// Every path under `directory` (itself included) with its owner's uid.
    func owners(under directory: URL) -> [(String, UInt32)] {
        var result: [(String, UInt32)] = []
        func visit(_ path: String) {
            var info = stat()
            guard lstat(path, &info) == 0 else { return }
            result.append((path, info.st_uid))
            if info.st_mode & S_IFMT == S_IFDIR {
                for name in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] {
                    visit(path + "/" + name)
                }
            }
        }
        visit(directory.path)
        return result
    }

    /// `Name:\tvalue` lines of /proc/PID/status.
    func processStatus(_ pid: Int32) -> [String: String] {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return [:] }
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return fields
    }

    /// A loopback TCP socket that listens (so its port is in use) until closed.
    func occupyLoopbackPort() throws -> (descriptor: CInt, port: Int) {
        let port = try LoopbackPorts.free()
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw HarnessError.failed("socket() failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(descriptor, 8) == 0 else {
            close(descriptor)
            throw HarnessError.failed("cannot occupy port \(port)")
        }
        return (descriptor, port)
    }

    /// Scripts/service_e2e.py imap-login: IMAPS LOGIN and SELECT INBOX.
    func imapLogin(file: StaticString = #filePath, line: UInt = #line) throws {
        try pythonOK("service_e2e.py", ["imap-login", "--port", String(imapsPort), "--user", account,
                                        "--password", password], file: file, line: line)
    }

    /// Scripts/service_e2e.py rcpt: the reply code to one RCPT on the MX listener.
    func rcpt(_ address: String, expect code: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        try pythonOK("service_e2e.py", ["rcpt", "--port", String(smtpPort), "--to", address,
                                        "--expect", String(code)], file: file, line: line)
    }
}
