import Foundation
import XCTest

/// SIGHUP reloads the configuration file; `[logging] file` is reopened on
/// SIGUSR1 and SIGHUP; journal output when standard error is the journal;
/// sd_notify READY/RELOADING/STOPPING to `$NOTIFY_SOCKET`.
final class ReloadAndLoggingTests: ServiceEndToEndTestCase {
    /// A domain added to the file is local after SIGHUP (SMTP RCPT for it
    /// goes from "relaying denied" to accepted), and the log says per key
    /// what was applied and what needs a restart.
    func testSIGHUPAddsALocalDomainAndLogsWhatChanged() throws {
        try prepareServiceAccount()
        try launchServer()
        try waitUntilAccepting([imapsPort, smtpPort])
        try rcpt("bob@new.example", expect: 554)

        var text = try String(contentsOf: configURL, encoding: .utf8)
        text = text.replacingOccurrences(of: "local_domains = [\"\(domain)\"]",
                                         with: "local_domains = [\"\(domain)\", \"new.example\"]")
        text = text.replacingOccurrences(of: "port = \(smtpPort)", with: "port = \(try LoopbackPorts.free())")
        try Data(text.utf8).write(to: configURL)
        signalServer(SIGHUP)
        try waitFor("the reload in the log") { server!.stderr.contains("configuration reloaded from") }
        let log = server!.stderr
        XCTAssertTrue(log.contains("reload: local_domains changed from [\"\(domain)\"] to [\"\(domain)\", "
            + "\"new.example\"]: applied"), serverLog)
        XCTAssertTrue(log.contains("reload: listener changed: needs a restart"), serverLog)
        XCTAssertTrue(log.contains("added local domain new.example"), serverLog)

        try ternOK(["account", "add", "bob@new.example", "--password-stdin"], stdin: password + "\n")
        try rcpt("bob@new.example", expect: 250)
        XCTAssertTrue(LoopbackPorts.accepts(smtpPort), "the listeners keep running as they were")
        try imapLogin()

        // A broken file is logged and changes nothing.
        try Data("local_domains = 5\n".utf8).write(to: configURL)
        signalServer(SIGHUP)
        try waitFor("the failed reload") { server!.stderr.contains("keeping the running configuration") }
        try rcpt("bob@new.example", expect: 250)
        XCTAssertTrue(stopServer())
    }

    /// logrotate moves the file and sends SIGUSR1: the old file keeps its
    /// lines, new lines go to a new file of the configured name. SIGHUP
    /// reopens it too. Nothing is logged to standard error.
    func testLogFileIsReopenedOnSIGUSR1AndSIGHUP() throws {
        let logs = workDir.appendingPathComponent("logs", isDirectory: true)
        try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
        let logFile = logs.appendingPathComponent("tern.log")
        try prepareServiceAccount(logFile: logFile.path)
        try launchServer()
        try waitUntilAccepting([imapsPort, smtpPort])
        func contents(_ url: URL) -> String { (try? String(contentsOf: url, encoding: .utf8)) ?? "" }
        try waitFor("listening in the log file") { contents(logFile).contains("imap listening on") }

        let rotated = logs.appendingPathComponent("tern.log.1")
        try FileManager.default.moveItem(at: logFile, to: rotated)
        signalServer(SIGUSR1)
        try waitFor("a new log file") { contents(logFile).contains("reopened the log file") }
        try imapLogin()
        try waitFor("the login in the new file") { contents(logFile).contains("connection opened") }
        XCTAssertTrue(contents(rotated).contains("imap listening on"))
        XCTAssertFalse(contents(rotated).contains("reopened the log file"))

        let second = logs.appendingPathComponent("tern.log.2")
        try FileManager.default.moveItem(at: logFile, to: second)
        signalServer(SIGHUP)
        try waitFor("the reload in a new file") { contents(logFile).contains("configuration reloaded from") }
        XCTAssertTrue(stopServer())
        XCTAssertTrue(contents(logFile).contains("stopped"))
        XCTAssertFalse(server?.stderr.contains("listening") ?? false)
        let mode = try FileManager.default.attributesOfItem(atPath: logFile.path)[.posixPermissions] as? NSNumber
        XCTAssertEqual(mode?.intValue, 0o640)
    }

    /// When standard error is the journal (JOURNAL_STREAM names its device
    /// and inode, as systemd sets it), lines carry `<N>` priorities and no
    /// timestamp.
    func testJournalOutputWhenStandardErrorIsTheJournal() throws {
        try prepareServiceAccount()
        let journal = workDir.appendingPathComponent("journal.txt")
        let script = #"exec 2>"$1"; JOURNAL_STREAM=$(stat -c %d:%i "$1") exec "$2" serve --config "$3""#
        try launchServer(executable: URL(fileURLWithPath: "/bin/sh"),
                         arguments: ["-c", script, "sh", journal.path, try TernPaths.ternExecutable().path,
                                     configURL.path])
        try waitUntilAccepting([imapsPort, smtpPort])
        func contents() -> String { (try? String(contentsOf: journal, encoding: .utf8)) ?? "" }
        try waitFor("the listening lines") { contents().contains("smtp listening on") }
        let lines = contents().split(separator: "\n")
        XCTAssertTrue(lines.contains("<5>tern: imap listening on 127.0.0.1:\(imapsPort) (implicit TLS)"), contents())
        XCTAssertTrue(lines.allSatisfy { $0.hasPrefix("<") && $0.dropFirst(2).hasPrefix(">") }, contents())
        XCTAssertFalse(lines.contains { $0.first?.isNumber == true }, "no timestamps: \(contents())")
        try imapLogin()
        try waitFor("an info line") { contents().contains("<6>tern: connection opened") }
    }

    /// Type=notify: READY=1 once every listener accepts, RELOADING=1 then
    /// READY=1 around SIGHUP, STOPPING=1 at SIGTERM.
    func testSystemdNotificationsReachNotifySocket() throws {
        try prepareServiceAccount()
        let socketPath = workDir.appendingPathComponent("notify.sock").path
        let received = workDir.appendingPathComponent("notify.txt")
        guard let python = findOnPath("python3") else { throw HarnessError.notFound("python3") }
        let listener = try ChildProcess(
            executable: python,
            arguments: [try TernPaths.scriptsDirectory().appendingPathComponent("service_e2e.py").path,
                        "notify-listen", "--socket", socketPath, "--out", received.path, "--seconds", "300"],
            directory: workDir, label: "notify-listen")
        children.append(listener)
        try waitFor("the fake notify socket") { FileManager.default.fileExists(atPath: received.path + ".ready") }
        func contents() -> String { (try? String(contentsOf: received, encoding: .utf8)) ?? "" }

        let child = try launchServer(environment: ["NOTIFY_SOCKET": socketPath])
        try waitFor("READY=1") { contents().contains("READY=1") }
        XCTAssertTrue(LoopbackPorts.accepts(imapsPort) && LoopbackPorts.accepts(smtpPort),
                      "ready means listening: \(contents())")
        XCTAssertTrue(contents().contains("MAINPID=\(child.pid)"), contents())
        signalServer(SIGHUP)
        try waitFor("RELOADING=1 then READY=1") {
            let messages = contents().components(separatedBy: "--\n")
            guard let reloading = messages.firstIndex(where: { $0.hasPrefix("RELOADING=1\nMONOTONIC_USEC=") })
            else { return false }
            return messages[(reloading + 1)...].contains { $0.hasPrefix("READY=1") }
        }
        XCTAssertTrue(stopServer())
        XCTAssertTrue(contents().hasSuffix("STOPPING=1\n--\n"), contents())
    }

    /// Config, domain and account as in the other e2e tests, on this config.
    private func prepareServiceAccount(logFile: String? = nil) throws {
        try writeServiceConfig(logFile: logFile)
        try ternOK(["domain", "add", domain])
        try ternOK(["account", "add", account, "--password-stdin"], stdin: password + "\n")
    }
}
