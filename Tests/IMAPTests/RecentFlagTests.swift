import Foundation
import MailCore
import MailStore
import XCTest
@testable import IMAP

/// `\Recent` for IMAP4rev1 sessions (RFC 3501 §2.3.2): exactly one session
/// sees a new message as recent; EXAMINE and STATUS look without taking;
/// IMAP4rev2 sessions (RFC 9051) neither see nor take it.
final class RecentFlagTests: IMAPSessionTestCase {
    /// A logged-in client (rev2 after `ENABLE IMAP4rev2` when `rev2`) and its SELECT/EXAMINE reply.
    func open(_ command: String = "SELECT INBOX", rev2: Bool = false) async -> (SessionClient, String) {
        let client = SessionClient(makeSession(sharingViews: true), written)
        let login = await client.send("L LOGIN \(Self.address) \(Self.password)\r\n")
        XCTAssertTrue(login.contains("L OK"), login)
        if rev2 {
            let enable = await client.send("E ENABLE IMAP4rev2\r\n")
            XCTAssertTrue(enable.contains("* ENABLED IMAP4rev2"), enable)
        }
        let reply = await client.send("S \(command)\r\n")
        XCTAssertTrue(reply.contains("S OK"), reply)
        return (client, reply)
    }

    func testOnlyTheFirstSessionToSelectSeesNewMessagesAsRecent() async throws {
        try await deliver()
        try await deliver()
        let (first, firstSelect) = await open()
        XCTAssertTrue(firstSelect.contains("* 2 RECENT\r\n"), firstSelect)
        let (second, secondSelect) = await open()
        XCTAssertTrue(secondSelect.contains("* 0 RECENT\r\n"), secondSelect)

        await expectEqual(await first.send("F FETCH 1:2 (FLAGS)\r\n"),
                          "* 1 FETCH (FLAGS (\\Recent))\r\n* 2 FETCH (FLAGS (\\Recent))\r\nF OK FETCH completed\r\n")
        await expectEqual(await second.send("F FETCH 1:2 (FLAGS)\r\n"),
                          "* 1 FETCH (FLAGS ())\r\n* 2 FETCH (FLAGS ())\r\nF OK FETCH completed\r\n")

        // New mail: whoever synchronises first takes it; both hear the new RECENT count.
        try await deliver()
        await expectEqual(await second.send("N NOOP\r\n"), "* 3 EXISTS\r\n* 1 RECENT\r\nN OK NOOP completed\r\n")
        await expectEqual(await first.send("N NOOP\r\n"), "* 3 EXISTS\r\n* 2 RECENT\r\nN OK NOOP completed\r\n")
        await expectEqual(await second.send("F FETCH 3 (FLAGS)\r\n"), "* 3 FETCH (FLAGS (\\Recent))\r\nF OK FETCH completed\r\n")
        await expectEqual(await first.send("F FETCH 3 (FLAGS)\r\n"), "* 3 FETCH (FLAGS ())\r\nF OK FETCH completed\r\n")

        // Reselecting does not bring it back (RFC 3501 §2.3.2: not recent in any later session).
        let (_, again) = await open()
        XCTAssertTrue(again.contains("* 0 RECENT\r\n"), again)
    }

    func testExamineAndStatusDoNotTakeRecent() async throws {
        try await deliver()
        try await deliver()
        let (watcher, _) = await open("EXAMINE Sent")
        await expectEqual(await watcher.send("T STATUS INBOX (RECENT MESSAGES)\r\n"),
                          "* STATUS INBOX (RECENT 2 MESSAGES 2)\r\nT OK STATUS completed\r\n")
        let (examiner, examined) = await open("EXAMINE INBOX")
        XCTAssertTrue(examined.contains("* 2 RECENT\r\n"), examined)
        await expectEqual(await examiner.send("F FETCH 1 (FLAGS)\r\n"), "* 1 FETCH (FLAGS (\\Recent))\r\nF OK FETCH completed\r\n")
        let (_, selected) = await open()
        XCTAssertTrue(selected.contains("* 2 RECENT\r\n"), "EXAMINE took nothing: \(selected)")
        await expectEqual(await watcher.send("T STATUS INBOX (RECENT)\r\n"),
                          "* STATUS INBOX (RECENT 0)\r\nT OK STATUS completed\r\n")
    }

    /// RFC 3501 §6.4.4: RECENT, NEW (recent and unseen) and OLD (not recent).
    func testSearchRecentNewAndOld() async throws {
        try await deliver()
        let (_, _) = await open()  // takes message 1
        try await deliver()
        _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: Array(Self.message.utf8), flags: .seen))
        let (client, select) = await open()
        XCTAssertTrue(select.contains("* 3 EXISTS\r\n* 2 RECENT\r\n"), select)
        await expectEqual(await client.send("A SEARCH RECENT\r\n"), "* SEARCH 2 3\r\nA OK SEARCH completed\r\n")
        await expectEqual(await client.send("B SEARCH NEW\r\n"), "* SEARCH 2\r\nB OK SEARCH completed\r\n")
        await expectEqual(await client.send("C SEARCH OLD\r\n"), "* SEARCH 1\r\nC OK SEARCH completed\r\n")
        await expectEqual(await client.send("D UID SEARCH NOT RECENT SUBJECT hello\r\n"),
                          "* SEARCH 1\r\nD OK SEARCH completed\r\n")
        // Reading a message keeps it recent (only a new session takes that away).
        _ = await client.send("F FETCH 2 (BODY[TEXT])\r\n")
        await expectEqual(await client.send("G SEARCH NEW\r\n"), "* SEARCH\r\nG OK SEARCH completed\r\n")
        await expectEqual(await client.send("H FETCH 2 (FLAGS)\r\n"),
                          "* 2 FETCH (FLAGS (\\Seen \\Recent))\r\nH OK FETCH completed\r\n")
    }

    func testRecentCannotBeStored() async throws {
        try await deliver()
        let (client, _) = await open()
        let reply = await client.send("A STORE 1 +FLAGS (\\Recent)\r\n")
        XCTAssertTrue(reply.hasPrefix("A BAD"), reply)
        await expectEqual(await client.send("B STORE 1 FLAGS (\\Seen)\r\n"),
                          "* 1 FETCH (FLAGS (\\Seen \\Recent))\r\nB OK STORE completed\r\n")
    }

    /// IMAP4rev2 has no `\Recent`: no RECENT response, no flag, nothing
    /// taken from the rev1 clients of the same account.
    func testRev2SessionsNeitherSeeNorTakeRecent() async throws {
        try await deliver()
        let (modern, select) = await open(rev2: true)
        XCTAssertFalse(select.contains("RECENT"), select)
        await expectEqual(await modern.send("F FETCH 1 (FLAGS)\r\n"), "* 1 FETCH (FLAGS ())\r\nF OK FETCH completed\r\n")
        await expectEqual(await modern.send("A SEARCH RECENT\r\n"), "* ESEARCH (TAG \"A\")\r\nA OK SEARCH completed\r\n")
        try await deliver()
        await expectEqual(await modern.send("N NOOP\r\n"), "* 2 EXISTS\r\nN OK NOOP completed\r\n")
        let (_, classic) = await open()
        XCTAssertTrue(classic.contains("* 2 RECENT\r\n"), classic)
    }
}
