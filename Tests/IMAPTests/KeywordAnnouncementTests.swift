import Foundation
import MailCore
import MailStore
import XCTest
@testable import IMAP

/// A keyword the mailbox did not have is announced with `* FLAGS` and
/// `* OK [PERMANENTFLAGS]` before the first response that shows it
/// (RFC 9051 §7.3.5, §7.1), whether this session's STORE or another
/// session's change brings it in; once only, without regard to case.
final class KeywordAnnouncementTests: IMAPSessionTestCase {
    static let system = IMAPFlags.systemFlagNames.joined(separator: " ")

    static func announcement(_ keywords: [String], readOnly: Bool = false) -> String {
        let flags = ([system] + keywords).joined(separator: " ")
        let permanent = readOnly ? "* OK [PERMANENTFLAGS ()] No permanent flags"
            : "* OK [PERMANENTFLAGS (\(flags) \\*)] Flags permitted"
        return "* FLAGS (\(flags))\r\n\(permanent)\r\n"
    }

    func testOwnStoreAnnouncesANewKeywordBeforeItsFetch() async throws {
        _ = try await deliver()
        _ = try await deliver()
        let alice = await selectedClient()
        let first = await alice.send("a STORE 1 +FLAGS ($Label1)\r\n")
        XCTAssertEqual(first, Self.announcement(["$Label1"]) + "* 1 FETCH (FLAGS (\\Recent $Label1))\r\na OK STORE completed\r\n")
        let again = await alice.send("b STORE 2 +FLAGS ($label1)\r\n")
        XCTAssertEqual(again, "* 2 FETCH (FLAGS (\\Recent $label1))\r\nb OK STORE completed\r\n", "known without case")
        let silent = await alice.send("c STORE 2 +FLAGS.SILENT (Work)\r\n")
        XCTAssertEqual(silent, Self.announcement(["$Label1", "Work"]) + "c OK STORE completed\r\n")
    }

    func testOtherSessionsKeywordsAreAnnouncedAtNoop() async throws {
        _ = try await deliver()
        let alice = await selectedClient()
        let reader = await selectedClient("EXAMINE INBOX")
        let bob = await selectedClient()
        _ = await bob.send("a STORE 1 +FLAGS (Urgent)\r\n")
        let noop = await alice.send("n NOOP\r\n")
        XCTAssertEqual(noop, Self.announcement(["Urgent"]) + "* 1 FETCH (UID 1 FLAGS (\\Recent Urgent))\r\nn OK NOOP completed\r\n")
        let examined = await reader.send("n NOOP\r\n")
        XCTAssertTrue(examined.hasPrefix(Self.announcement(["Urgent"], readOnly: true) + "* 1 FETCH (UID 1 FLAGS (Urgent))"),
                      examined)
        // A new message with a new keyword: announced before its EXISTS.
        _ = try await store.appendMessage(mailboxID: inbox.id,
                                          NewMessage(body: Array(Self.message.utf8), keywords: ["Later"]))
        let news = await alice.send("m NOOP\r\n")
        XCTAssertEqual(news, Self.announcement(["Urgent", "Later"]) + "* 2 EXISTS\r\n* 2 RECENT\r\nm OK NOOP completed\r\n")
        let quiet = await alice.send("o NOOP\r\n")
        XCTAssertEqual(quiet, "o OK NOOP completed\r\n")
    }

    func testSelectAnnouncesTheKeywordsInUse() async throws {
        _ = try await store.appendMessage(mailboxID: inbox.id,
                                          NewMessage(body: Array(Self.message.utf8), keywords: ["Old"]))
        let alice = await selectedClient()
        let store = await alice.send("a STORE 1 +FLAGS (old)\r\n")
        XCTAssertEqual(store, "* 1 FETCH (FLAGS (\\Recent Old))\r\na OK STORE completed\r\n")
    }
}
