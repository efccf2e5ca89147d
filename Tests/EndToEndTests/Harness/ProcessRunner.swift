import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a finished command printed and how it ended.
struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
    var timedOut: Bool

    var succeeded: Bool { status == 0 && !timedOut }
    /// Both streams, for failure messages.
    var transcript: String {
        "exit \(status)\(timedOut ? " (timed out)" : "")\n--- stdout ---\n\(stdout.suffix(6000))\n--- stderr ---\n\(stderr.suffix(6000))"
    }
}

enum HarnessError: Error, CustomStringConvertible {
    case notFound(String)
    case timeout(String)
    case failed(String)

    var description: String {
        switch self {
        case .notFound(let what): return "not found: \(what)"
        case .timeout(let what): return "timed out: \(what)"
        case .failed(let what): return what
        }
    }
}

/// A child process whose output goes to files (no pipe can fill up and block it).
/// Every wait is bounded; `stop` sends SIGTERM, then SIGKILL after a bound.
final class ChildProcess {
    let process = Process()
    let stdoutURL: URL
    let stderrURL: URL
    let label: String

    init(executable: URL, arguments: [String], stdin: String? = nil, environment: [String: String] = [:],
         directory: URL, label: String) throws {
        self.label = label
        let id = UUID().uuidString.prefix(8)
        stdoutURL = directory.appendingPathComponent("\(label)-\(id).out")
        stderrURL = directory.appendingPathComponent("\(label)-\(id).err")
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = directory
        var env = ProcessInfo.processInfo.environment
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        for (key, value) in environment { env[key] = value }
        process.environment = env
        process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        if let stdin {
            let inURL = directory.appendingPathComponent("\(label)-\(id).in")
            try Data(stdin.utf8).write(to: inURL)
            process.standardInput = try FileHandle(forReadingFrom: inURL)
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }
    var stdout: String { (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }

    /// Waits up to `timeout` seconds; true when the process has exited.
    @discardableResult
    func waitForExit(timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        return !process.isRunning
    }

    /// SIGTERM, then SIGKILL when it is still running after `grace` seconds.
    func stop(grace: TimeInterval = 10) {
        guard process.isRunning else { return }
        kill(pid, SIGTERM)
        if !waitForExit(timeout: grace) {
            kill(pid, SIGKILL)
            waitForExit(timeout: 10)
        }
    }

    /// `kill -9`, as a crash.
    func crash() {
        guard process.isRunning else { return }
        kill(pid, SIGKILL)
        waitForExit(timeout: 10)
    }

    var result: CommandResult {
        CommandResult(status: process.isRunning ? -1 : process.terminationStatus, stdout: stdout, stderr: stderr,
                      timedOut: false)
    }

    /// Runs to completion (bounded by `timeout`, then stopped).
    static func run(executable: URL, arguments: [String], stdin: String? = nil, environment: [String: String] = [:],
                    directory: URL, label: String, timeout: TimeInterval) throws -> CommandResult {
        let child = try ChildProcess(executable: executable, arguments: arguments, stdin: stdin,
                                     environment: environment, directory: directory, label: label)
        if child.waitForExit(timeout: timeout) { return child.result }
        child.stop(grace: 5)
        var result = child.result
        result.timedOut = true
        return result
    }
}

/// Finds an executable on PATH.
func findOnPath(_ name: String) -> URL? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
    for dir in path.split(separator: ":") {
        let candidate = URL(fileURLWithPath: String(dir)).appendingPathComponent(name)
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
    }
    return nil
}

/// Debian clients (fetchmail, swaks, mbsync, mutt): skipped on a developer
/// machine that lacks them, a failure on CI (env CI=true), where `.ci/run` installs them.
func requireDebianClient(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws -> URL {
    if let url = findOnPath(name) { return url }
    if ProcessInfo.processInfo.environment["CI"] == "true" {
        XCTFail("\(name) is not installed, but CI=true: .ci/run must install it (apt-get install \(name))",
                file: file, line: line)
        throw HarnessError.notFound(name)
    }
    throw XCTSkip("\(name) not installed")
}
