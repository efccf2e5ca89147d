import Foundation
import XCTest

/// `tern import mbox` keeps the flags mail programs wrote (Status:,
/// X-Status:, X-Keywords:, X-Mozilla-Status:), visible over IMAP FETCH
/// FLAGS; an empty, unreadable or wrong input is an error, not "imported 0".
final class ImportFlagsTests: IMAPEndToEndTestCase {
    @discardableResult
    private func adminScript(_ command: String, _ arguments: [String] = []) throws -> CommandResult {
        try pythonOK("admin_e2e.py", [command] + arguments + imapArguments)
    }

    func testMboxFlagsAndKeywordsAreSeenOverIMAP() throws {
        try startIMAPServer()
        let mbox = workDir.appendingPathComponent("flags.mbox")
        try adminScript("write-mbox", [mbox.path])
        let imported = try ternOK(["import", "mbox", mbox.path, "--account", account])
        XCTAssertTrue(imported.stdout.contains("imported 8 messages, skipped 0 duplicates"), imported.transcript)
        let result = try adminScript("check-flags")
        XCTAssertTrue(result.stdout.contains("check-flags: all checks passed"), result.transcript)
        // The same file again: every message is a duplicate (the stored form is the same).
        let again = try ternOK(["import", "mbox", mbox.path, "--account", account])
        XCTAssertTrue(again.stdout.contains("imported 0 messages, skipped 8 duplicates"), again.transcript)
    }

    func testEmptyUnreadableAndWrongInputsFailClearly() throws {
        try startIMAPServer()
        let empty = workDir.appendingPathComponent("empty.mbox")
        try Data().write(to: empty)
        let blank = workDir.appendingPathComponent("blank.mbox")
        try Data("\n\n\r\n".utf8).write(to: blank)
        let notMbox = workDir.appendingPathComponent("letter.txt")
        try Data("Subject: hi\n\nnot an mbox\n".utf8).write(to: notMbox)
        let directory = workDir.appendingPathComponent("somedir", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let missing = workDir.appendingPathComponent("missing.mbox")

        let mbox = { (path: URL) in ["import", "mbox", path.path, "--account", self.account, "--mailbox", "Imported"] }
        let maildir = { (path: URL) in ["import", "maildir", path.path, "--account", self.account] }
        let cases: [(arguments: [String], message: String)] = [
            (mbox(empty), "\(empty.path) is empty: no message to import"),
            (mbox(blank), "\(blank.path) holds no message"),
            (mbox(notMbox), "not an mbox file: line 1 should start with \"From \""),
            (mbox(directory), "\(directory.path) is a directory, not an mbox file"),
            (mbox(missing), "cannot open \(missing.path): No such file or directory"),
            (maildir(missing), "cannot open \(missing.path): No such file or directory"),
            (maildir(notMbox), "\(notMbox.path) is a file, not a maildir"),
            (maildir(directory), "\(directory.path) is not a maildir"),
        ]
        for (arguments, message) in cases {
            let result = try tern(arguments)
            XCTAssertEqual(result.status, 1, "\(arguments): \(result.transcript)")
            XCTAssertTrue(result.stderr.hasPrefix("Error: ") && result.stderr.contains(message),
                          "\(arguments): \(result.transcript)")
            XCTAssertFalse(result.stdout.contains("imported"), "\(arguments): \(result.transcript)")
        }
        XCTAssertFalse(try ternOK(["mailbox", "list", account]).stdout.contains("Imported"),
                       "a failed import creates no mailbox")

        // Unreadable input: root reads everything, so as root the commands
        // run as nobody (setpriv, util-linux); they fail before opening the store.
        let locked = workDir.appendingPathComponent("locked.mbox")
        try Data("From a@b Sat Nov 21 12:34:56 2026\nSubject: x\n\nx\n".utf8).write(to: locked)
        chmod(locked.path, 0)
        let lockedResult = try ternUnprivileged(["import", "mbox", locked.path, "--account", account])
        XCTAssertEqual(lockedResult.status, 1, lockedResult.transcript)
        XCTAssertTrue(lockedResult.stderr.contains("Error: cannot open \(locked.path): Permission denied"),
                      lockedResult.transcript)

        let maildirURL = workDir.appendingPathComponent("Maildir", isDirectory: true)
        for sub in ["cur", "new", "tmp"] {
            try FileManager.default.createDirectory(at: maildirURL.appendingPathComponent(sub),
                                                    withIntermediateDirectories: true)
        }
        let emptyMaildir = try tern(["import", "maildir", maildirURL.path, "--account", account])
        XCTAssertEqual(emptyMaildir.status, 1, emptyMaildir.transcript)
        XCTAssertTrue(emptyMaildir.stderr.contains("Error: \(maildirURL.path) holds no message"),
                      emptyMaildir.transcript)
        try Data("Subject: x\n\nx\n".utf8).write(to: maildirURL.appendingPathComponent("new/1.host"))
        chmod(maildirURL.appendingPathComponent("cur").path, 0)
        defer { chmod(maildirURL.appendingPathComponent("cur").path, 0o700) }
        let unreadable = try ternUnprivileged(["import", "maildir", maildirURL.path, "--account", account])
        XCTAssertEqual(unreadable.status, 1, unreadable.transcript)
        XCTAssertTrue(unreadable.stderr.contains("Error: cannot read \(maildirURL.path)/cur: Permission denied"),
                      unreadable.transcript)
    }

    /// `tern ARGS` as an unprivileged user: as is when not root, else as
    /// nobody (65534) through setpriv, so file permissions apply.
    private func ternUnprivileged(_ arguments: [String]) throws -> CommandResult {
        guard geteuid() == 0 else { return try tern(arguments) }
        let setpriv = try requireDebianClient("setpriv")
        return try ChildProcess.run(executable: setpriv,
                                    arguments: ["--reuid=65534", "--regid=65534", "--clear-groups",
                                                try TernPaths.ternExecutable().path] + arguments
                                        + ["--config", configURL.path],
                                    directory: workDir, label: "tern-unprivileged", timeout: 120)
    }
}
