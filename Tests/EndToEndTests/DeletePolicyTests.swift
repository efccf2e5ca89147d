import Foundation
import XCTest

/// `[pop3] on_delete`: what QUIT does with DELE'd messages (RFC 1939 §6 UPDATE
/// state, and the keep/mark-read/move policies providers offer).
final class DeletePolicyTests: TernEndToEndTestCase {
    private let count = 6

    /// Imports, runs DELE 1, DELE 2, QUIT over POP3 and checks a new session;
    /// returns the source mbox and the file holding the two deleted messages.
    private func deleteTwo(policy: String, checkAs: String) throws -> (source: URL, deleted: URL) {
        try prepareAccount(onDelete: policy)
        let mbox = try generateMbox(count: count, seed: 21)
        let result = try importMbox(mbox)
        XCTAssertTrue(result.succeeded, result.transcript)
        try startServer()
        let deleted = workDir.appendingPathComponent("deleted.mbox")
        try pop3Check("policy", ["--policy", checkAs, "--mbox", mbox.path, "--deleted-out", deleted.path])
        return (mbox, deleted)
    }

    private func export(mailbox: String) throws -> URL {
        let out = workDir.appendingPathComponent("export-\(mailbox).mbox")
        try ternOK(["export", "mbox", "--account", account, "--mailbox", mailbox, out.path])
        return out
    }

    private func mboxCount(_ url: URL) throws -> Int {
        let result = try pythonOK("mboxlib.py", ["count", url.path])
        return Int(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    func testDeletePolicyRemovesMessages() throws {
        _ = try deleteTwo(policy: "delete", checkAs: "delete")
        XCTAssertEqual(try mboxCount(try export(mailbox: "INBOX")), count - 2)
        XCTAssertEqual(try mboxCount(try export(mailbox: "Trash")), 0)
    }

    func testKeepPolicyKeepsMessages() throws {
        let (source, _) = try deleteTwo(policy: "keep", checkAs: "keep")
        try pythonOK("pop3e2e.py", ["samemsgs", source.path, try export(mailbox: "INBOX").path])
    }

    func testMarkReadPolicyKeepsMessages() throws {
        let (source, _) = try deleteTwo(policy: "mark-read", checkAs: "mark-read")
        let exported = try export(mailbox: "INBOX")
        XCTAssertEqual(try mboxCount(exported), count)
        // An exporter may add Status: headers for \Seen; the messages must still all be there.
        let text = (try? String(contentsOf: exported, encoding: .utf8)) ?? ""
        if text.contains("\nStatus:") {
            XCTAssertTrue(text.contains("Status: RO") || text.contains("Status: R"), "deleted messages marked read")
        } else {
            try pythonOK("pop3e2e.py", ["samemsgs", source.path, exported.path])
        }
    }

    func testMoveToArchivePolicyMovesMessages() throws {
        let (_, deleted) = try deleteTwo(policy: "move:Archive", checkAs: "move")
        try pythonOK("pop3e2e.py", ["samemsgs", deleted.path, try export(mailbox: "Archive").path])
        XCTAssertEqual(try mboxCount(try export(mailbox: "INBOX")), count - 2)
    }
}
