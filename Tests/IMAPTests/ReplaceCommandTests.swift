import Foundation
import MailCore
import MailStore
import XCTest
@testable import IMAP

/// REPLACE (RFC 8508): parsing, and the §4 kind of exchange — a draft
/// replaced in the selected mailbox and into another one.
final class ReplaceCommandTests: IMAPSessionTestCase {
    func testParsing() {
        let message = AppendMessage(flags: ["\\Seen", "\\Draft"], data: Array("hello".utf8))
        XCTAssertEqual(command("a REPLACE 4 Drafts (\\Seen \\Draft) {5+}\r\nhello"),
                       .replace(.number(4), MailboxName("Drafts"), message, uid: false))
        XCTAssertEqual(command("a UID REPLACE 2000 INBOX {5+}\r\nhello"),
                       .replace(.number(2000), MailboxName("INBOX"), AppendMessage(data: Array("hello".utf8)), uid: true))
        XCTAssertEqual(command("a REPLACE * INBOX \"04-Dec-2026 10:00:00 +0000\" {5+}\r\nhello"),
                       .replace(.last, MailboxName("INBOX"),
                                AppendMessage(date: MailDate(year: 2026, month: 12, day: 4, hour: 10)!, data: Array("hello".utf8)),
                                uid: false))
        for bad in ["a REPLACE 1:2 INBOX {5+}\r\nhello", "a REPLACE INBOX {5+}\r\nhello", "a REPLACE 1 INBOX",
                    "a REPLACE 0 INBOX {5+}\r\nhello", "a UID REPLACE 1 INBOX {1+}\r\nx {1+}\r\ny"] {
            XCTAssertNotNil(rejection(bad), bad)
        }
    }

    func testReplaceInTheSelectedMailboxAndIntoAnother() async throws {
        for index in 1...3 {
            _ = try await store.appendMessage(mailboxID: inbox.id,
                NewMessage(body: Array("Subject: draft \(index)\r\n\r\nv\(index)\r\n".utf8), internalDate: Date()))
        }
        let client = await selectedClient()
        let capability = await client.send("C CAPABILITY\r\n")
        XCTAssertTrue(capabilities(in: capability).contains("REPLACE"))
        let draft = "Subject: draft 2b\r\n\r\nv2b\r\n"
        let replaced = await client.send("R REPLACE 2 INBOX (\\Draft) {\(draft.utf8.count)+}\r\n\(draft)\r\n")
        let uidValidity = inbox.uidValidity
        XCTAssertTrue(replaced.hasPrefix("* OK [APPENDUID \(uidValidity) 4] Replacement Message ready\r\n"), replaced)
        XCTAssertTrue(replaced.contains("* 2 EXPUNGE\r\n"), replaced)
        XCTAssertTrue(replaced.contains("* 3 EXISTS\r\n"), replaced)
        XCTAssertTrue(replaced.hasSuffix("R OK REPLACE completed\r\n"), replaced)
        let uids = try await store.messages(mailboxID: inbox.id).map(\.uid)
        XCTAssertEqual(uids, [1, 3, 4])
        let fetched = await client.send("F UID FETCH 4 (FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])\r\n")
        XCTAssertTrue(fetched.contains("\\Draft") && fetched.contains("Subject: draft 2b"), fetched)

        // UID REPLACE into another mailbox: the original leaves INBOX.
        let archive = try await store.createMailbox(accountID: account.id, name: "Kept", specialUse: nil)
        let moved = await client.send("U UID REPLACE 4 Kept {\(draft.utf8.count)+}\r\n\(draft)\r\n")
        XCTAssertTrue(moved.hasPrefix("* OK [APPENDUID \(archive.uidValidity) 1] Replacement Message ready\r\n"), moved)
        XCTAssertTrue(moved.contains("* 3 EXPUNGE\r\n"), moved)
        let archived = try await store.messages(mailboxID: archive.id).count
        XCTAssertEqual(archived, 1)

        // Refusals change nothing.
        await expectEqual(await client.send("N UID REPLACE 99 INBOX {1+}\r\nx\r\n"),
                          "N NO [NONEXISTENT] no such message\r\n")
        let missing = await client.send("T REPLACE 1 Nowhere {1+}\r\nx\r\n")
        XCTAssertTrue(missing.hasPrefix("T NO [TRYCREATE]"), missing)
        let badNumber = await client.send("B REPLACE 9 INBOX {1+}\r\nx\r\n")
        XCTAssertTrue(badNumber.hasPrefix("B BAD"), badNumber)
        let left = try await store.messages(mailboxID: inbox.id).map(\.uid)
        XCTAssertEqual(left, [1, 3])
    }

    func testExaminedMailboxRefuses() async throws {
        _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: Array("Subject: a\r\n\r\nb\r\n".utf8)))
        let client = await selectedClient("EXAMINE INBOX")
        let refused = await client.send("R REPLACE 1 INBOX {1+}\r\nx\r\n")
        XCTAssertTrue(refused.hasPrefix("R NO"), refused)
        let count = try await store.messages(mailboxID: inbox.id).count
        XCTAssertEqual(count, 1)
    }
}
