import Foundation
import XCTest

/// Big IMAP APPENDs through the real `tern serve` (issue 10, "Streaming
/// bodies"): twenty concurrent 30 MB multipart messages appended with
/// Python imaplib are read back byte-identical (SHA-256) over IMAP, twenty
/// connections at once, with BODY[], BODY[]<1000000.500000>, BODY[1],
/// BODY[2] (the 30 MB base64 attachment) and BODY[HEADER], and over POP3
/// RETR; no spool file is left. The literals go to spool files as they
/// arrive; FETCH and RETR stream from the blob.
final class BigAppendTests: TernEndToEndTestCase {
    private let messageSize = 30_000_000
    private let connections = 20

    func testTwentyConcurrentThirtyMegabyteAppendsAreByteIdentical() throws {
        let ports = try LoopbackPorts.free(count: 2)
        let imapPort = ports[0]
        pop3Port = ports[1]
        let toml = """
        host_name = "mx.example.test"
        local_domains = ["\(domain)"]
        data_directory = "\(dataDir.path)"

        [[listener]]
        protocol = "imap"
        address = "127.0.0.1"
        port = \(imapPort)
        tls = "starttls"

        [[listener]]
        protocol = "pop3"
        address = "127.0.0.1"
        port = \(pop3Port)
        tls = "starttls"

        [limits]
        idle_timeout_seconds = 300
        max_connections_per_address = 100
        max_message_size = 40000000

        # Twenty sessions of one account from 127.0.0.1 at once.
        [limits.imap]
        max_connections_per_user_and_address = 40

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
        try startServer(alsoWaitFor: [imapPort, pop3Port], announced: false)
        let pid = try XCTUnwrap(server).process.processIdentifier
        let before = try XCTUnwrap(ProcessMemory.of(pid))

        let log = workDir.appendingPathComponent("append.log").path
        let common = ["--port", String(imapPort), "--user", account, "--password", password, "--log", log]
        let appended = try pythonOK("imap_big_append.py", ["append"] + common + [
            "--count", String(connections), "--size", String(messageSize),
        ], timeout: 900)
        XCTAssertTrue(appended.stdout.contains("appended=\(connections)"), appended.transcript)
        XCTAssertEqual(spoolFiles(), [], "every spool file is adopted or removed")
        let afterAppend = try XCTUnwrap(ProcessMemory.of(pid))
        let appendReport = String(format: "big appends: %d x %d MB over IMAP; VmRSS before %.1f MiB, after %.1f MiB, "
                                  + "peak (VmHWM) %.1f MiB: grew %.1f MiB at most", connections,
                                  messageSize / 1_000_000, Double(before.rss) / 1024, Double(afterAppend.rss) / 1024,
                                  Double(afterAppend.peak) / 1024, Double(afterAppend.peak - before.rss) / 1024)
        print(appendReport)
        print(appended.stdout)
        // Generous and untimed: holding every literal whole fails it.
        XCTAssertLessThan(Double(afterAppend.peak - before.rss) * 1024, Double(messageSize * connections / 2),
                          appendReport)

        let peakWasReset = ProcessMemory.resetPeak(of: pid)
        let beforeReading = try XCTUnwrap(ProcessMemory.of(pid))
        let verified = try pythonOK("imap_big_append.py", ["verify"] + common + [
            "--threads", String(connections), "--pop3-port", String(pop3Port),
        ], timeout: 900)
        XCTAssertTrue(verified.stdout.contains("append: all \(connections) messages byte-identical"),
                      verified.transcript)
        print(verified.stdout)
        let read = try XCTUnwrap(ProcessMemory.of(pid))
        let readReport = String(format: "big appends: reading them back over IMAP (%d connections at once) and POP3: "
                                + "VmRSS %.1f MiB before, %.1f MiB after, peak %.1f MiB ("
                                + (peakWasReset ? "of the reads" : "since the start") + "): grew %.1f MiB at most",
                                connections, Double(beforeReading.rss) / 1024, Double(read.rss) / 1024,
                                Double(read.peak) / 1024, Double(read.peak - beforeReading.rss) / 1024)
        print(readReport)
        // FETCH BODY[] and BODY[2] stream from the blob; holding the twenty
        // bodies whole (as FETCH did before) takes over 600 MB.
        if peakWasReset {
            XCTAssertLessThan(Double(read.peak - beforeReading.rss) * 1024, Double(messageSize * connections / 2),
                              readReport)
        }
    }
}
