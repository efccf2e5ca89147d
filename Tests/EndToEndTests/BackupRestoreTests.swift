import Foundation
import XCTest

/// `tern backup` while `tern serve` takes SMTP mail, then `tern restore`
/// into a new data directory: every message acknowledged (250) before the
/// backup began is there, and `tern store check` finds nothing.
final class BackupRestoreTests: LocalMailEndToEndTestCase {
    let messageCount = 200

    func testBackupDuringSMTPLoadThenRestore() throws {
        try writeLocalMailConfig()
        try ternOK(["domain", "add", domain])
        try ternOK(["account", "add", account, "--password-stdin"], stdin: password + "\n")
        try startLocalMailServer()

        let log = workDir.appendingPathComponent("acknowledged.log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let python = try XCTUnwrap(findOnPath("python3"), "python3 on PATH")
        let sender = try ChildProcess(
            executable: python,
            arguments: [try TernPaths.scriptsDirectory().appendingPathComponent("backup_load.py").path,
                        "--smtp-port", String(smtpPort), "--to", account, "--count", String(messageCount),
                        "--log", log.path],
            directory: workDir, label: "py-backup-load")
        children.append(sender)
        let acknowledged = { () -> [String] in
            ((try? String(contentsOf: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }
        let deadline = Date().addingTimeInterval(120)
        while acknowledged().count < 50 && sender.isRunning && Date() < deadline { usleep(20_000) }
        let before = acknowledged()
        XCTAssertGreaterThanOrEqual(before.count, 50, "mail flows before the backup: \(sender.result.transcript)")

        let backup = workDir.appendingPathComponent("backup")
        let backedUp = try ternOK(["backup", backup.path])
        XCTAssertTrue(backedUp.stdout.contains("backed up"), backedUp.transcript)

        // The server uses its data directory: restoring over it is refused.
        let refused = try tern(["restore", backup.path, "--force"])
        XCTAssertFalse(refused.succeeded, refused.transcript)
        XCTAssertTrue(refused.stderr.contains("in use"), refused.transcript)

        XCTAssertTrue(sender.waitForExit(timeout: 300), "the sender finishes")
        XCTAssertEqual(sender.result.status, 0, sender.result.transcript)
        stopServer()
        XCTAssertEqual(acknowledged().count, messageCount)

        let restoredDirectory = workDir.appendingPathComponent("restored").path
        let restored = try ternOK(["restore", backup.path, "--data-dir", restoredDirectory])
        XCTAssertTrue(restored.stdout.contains("restored"), restored.transcript)
        let again = try tern(["restore", backup.path, "--data-dir", restoredDirectory])
        XCTAssertFalse(again.succeeded, "a second restore over the store needs --force")

        let search = try ternOK(["mailbox", "search", account, "INBOX", "ALL", "--verbose",
                                 "--data-dir", restoredDirectory])
        let subjects = Set(search.stdout.split(separator: "\n").compactMap { $0.split(separator: "\t").last }
            .map(String.init))
        let missing = before.filter { !subjects.contains($0) }
        XCTAssertEqual(missing, [], "every message acknowledged before the backup is restored")
        let restoredCount = subjects.filter { $0.hasPrefix("backup-load-") }.count
        XCTAssertGreaterThanOrEqual(restoredCount, before.count)
        print("backup e2e: \(before.count) of \(messageCount) messages acknowledged before the backup began, "
            + "\(restoredCount) in the restored store; \(backedUp.stdout.trimmingCharacters(in: .whitespacesAndNewlines))")

        let check = try tern(["store", "check", "--data-dir", restoredDirectory])
        XCTAssertEqual(check.status, 0, check.transcript)
        XCTAssertTrue(check.stdout.contains("the store is sound"), check.transcript)
        let live = try tern(["store", "check"])
        XCTAssertEqual(live.status, 0, live.transcript)
    }

    /// Damage made on purpose in a stopped server's store: `tern store
    /// check` reports it with status 1, `--repair` mends it, a second check is clean.
    func testStoreCheckFindsAndRepairsDamage() throws {
        try writeLocalMailConfig()
        try ternOK(["domain", "add", domain])
        try ternOK(["account", "add", account, "--password-stdin"], stdin: password + "\n")
        let mbox = try generateMbox(count: 5)
        let imported = try importMbox(mbox)
        XCTAssertTrue(imported.succeeded, imported.transcript)
        let messages = dataDir.appendingPathComponent("messages")
        let files = try FileManager.default.subpathsOfDirectory(atPath: messages.path).filter { $0.hasSuffix(".eml") }
        XCTAssertEqual(files.count, 5)
        XCTAssertEqual(unlink(messages.appendingPathComponent(files[0]).path), 0)

        let found = try tern(["store", "check"])
        XCTAssertEqual(found.status, 1, found.transcript)
        XCTAssertTrue(found.stdout.contains("missing-message-body"), found.transcript)
        let repaired = try ternOK(["store", "check", "--repair"])
        XCTAssertTrue(repaired.stdout.contains("(repaired)"), repaired.transcript)
        let clean = try ternOK(["store", "check"])
        XCTAssertTrue(clean.stdout.contains("the store is sound"), clean.transcript)
        let search = try ternOK(["mailbox", "search", account, "INBOX", "ALL"])
        XCTAssertEqual(search.stdout.split(separator: "\n").count, 4)
    }
}
