import Foundation
import XCTest

/// Big IMAP APPENDs through the real `tern serve` (issue 10, "Streaming
/// bodies"): three concurrent 30 MB messages appended with Python imaplib
/// are read back with FETCH byte-identical (SHA-256), and no spool file is
/// left. The literals go to spool files as they arrive.
final class BigAppendTests: TernEndToEndTestCase {
    private let messageSize = 30_000_000
    private let connections = 3

    private func spoolFiles() -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: dataDir.path + "/spool")) ?? []
    }

    /// VmHWM (peak resident memory) of a process, in KiB (Linux /proc).
    private func peakMemory(of pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return nil }
        return Int(line.split(separator: " ").dropFirst().first { Int($0) != nil } ?? "")
    }

    func testThreeConcurrentThirtyMegabyteAppendsAreByteIdentical() throws {
        let imapPort = try LoopbackPorts.free(count: 1)[0]
        let toml = """
        host_name = "mx.example.test"
        local_domains = ["\(domain)"]
        data_directory = "\(dataDir.path)"

        [[listener]]
        protocol = "imap"
        address = "127.0.0.1"
        port = \(imapPort)
        tls = "starttls"

        [limits]
        idle_timeout_seconds = 300
        max_message_size = 40000000

        [authentication]
        allow_cleartext = true

        [logging]
        level = "warning"
        format = "text"

        [http]
        listener = []

        """
        try Data(toml.utf8).write(to: configURL)
        try ternOK(["domain", "add", domain])
        try ternOK(["account", "add", account, "--password-stdin"], stdin: password + "\n")
        try startServer(alsoWaitFor: [imapPort], announced: false)
        let pid = try XCTUnwrap(server).process.processIdentifier
        let before = try XCTUnwrap(peakMemory(of: pid))

        let log = workDir.appendingPathComponent("append.log").path
        let common = ["--port", String(imapPort), "--user", account, "--password", password, "--log", log]
        let appended = try pythonOK("imap_big_append.py", ["append"] + common + [
            "--count", String(connections), "--size", String(messageSize),
        ], timeout: 600)
        XCTAssertTrue(appended.stdout.contains("appended=\(connections)"), appended.transcript)
        XCTAssertEqual(spoolFiles(), [], "every spool file is adopted or removed")
        let afterAppend = try XCTUnwrap(peakMemory(of: pid))
        let verified = try pythonOK("imap_big_append.py", ["verify"] + common, timeout: 600)
        XCTAssertTrue(verified.stdout.contains("append: all \(connections) messages byte-identical"),
                      verified.transcript)
        let afterFetch = try XCTUnwrap(peakMemory(of: pid))
        print(String(format: "big appends: %d x %d MB over IMAP; peak (VmHWM) %.1f MiB before, %.1f MiB after "
                     + "the appends, %.1f MiB after FETCHing them back (FETCH still reads each body whole)",
                     connections, messageSize / 1_000_000, Double(before) / 1024, Double(afterAppend) / 1024,
                     Double(afterFetch) / 1024))
    }
}
