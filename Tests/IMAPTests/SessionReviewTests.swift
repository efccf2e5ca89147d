import MailCore
import MailStore
import XCTest
@testable import IMAP

/// What a mail client meets on a shared mailbox (RFC 9051 §7.5.1 untagged
/// update rules, RFC 2180 §4 expunged messages, RFC 7162 §3.2.4 UID in
/// FETCH responses, RFC 2177 IDLE, modified UTF-7 names for rev1 clients).
final class SessionReviewTests: IMAPSessionTestCase {
    // MARK: §7.5.1: no EXPUNGE after FETCH, STORE, SEARCH; UID forms may

    func testExpungeWaitsForAnAllowedCommand() async throws {
        let first = try await deliver()
        try await deliver()
        try await deliver()
        let session = await selectedSession()
        _ = try await store.expunge(mailboxID: inbox.id, uids: [first.uid])
        for command in ["a FETCH 1 (FLAGS)", "b STORE 3 +FLAGS (\\Flagged)", "c SEARCH ALL"] {
            let reply = await send(session, command + "\r\n")
            XCTAssertFalse(reply.contains("EXPUNGE"), "\(command): \(reply)")
        }
        let uidSearch = await send(session, "d UID SEARCH ALL\r\n")
        XCTAssertEqual(uidSearch, "* SEARCH 1 2 3\r\n* 1 EXPUNGE\r\nd OK SEARCH completed\r\n")
        await expectEqual(await send(session, "e FETCH 2 (UID)\r\n"), "* 2 FETCH (UID 3)\r\ne OK FETCH completed\r\n")
    }

    // MARK: RFC 2180 §4: messages whose expunge is held back

    func testFetchOfAHeldBackExpungedMessage() async throws {
        let first = try await deliver()
        try await deliver()
        let session = await selectedSession()
        _ = try await store.expunge(mailboxID: inbox.id, uids: [first.uid])
        let body = await send(session, "a FETCH 1:2 (BODY.PEEK[])\r\n")
        XCTAssertFalse(body.contains("* 1 FETCH"), "no NIL body a client would cache: \(body)")
        XCTAssertTrue(body.contains("* 2 FETCH (BODY[] {\(Self.message.utf8.count)}\r\n"), body)
        XCTAssertTrue(body.hasSuffix("a NO [EXPUNGEISSUED] Some of the requested messages no longer exist\r\n"), body)
        // Its cached data may still be returned (RFC 2180 §4.1.2).
        await expectEqual(await send(session, "b FETCH 1 (UID FLAGS)\r\n"),
                          "* 1 FETCH (UID 1 FLAGS (\\Recent))\r\nb OK FETCH completed\r\n")
        await expectEqual(await send(session, "c NOOP\r\n"), "* 1 EXPUNGE\r\nc OK NOOP completed\r\n")
    }

    func testStoreSkipsAHeldBackExpungedMessage() async throws {
        let first = try await deliver()
        let second = try await deliver()
        let session = await selectedSession()
        _ = try await store.expunge(mailboxID: inbox.id, uids: [first.uid])
        await send(session, "x FETCH 2 (FLAGS)\r\n")
        let reply = await send(session, "a STORE 1:2 +FLAGS (\\Flagged)\r\n")
        XCTAssertEqual(reply, "* 2 FETCH (FLAGS (\\Flagged \\Recent))\r\n"
                       + "a OK [EXPUNGEISSUED] STORE completed; some messages were expunged meanwhile\r\n")
        let stored = try await store.message(mailboxID: inbox.id, uid: second.uid)
        XCTAssertEqual(stored?.flags.contains(.flagged), true)
        await expectEqual(await send(session, "b NOOP\r\n"), "* 1 EXPUNGE\r\nb OK NOOP completed\r\n")
    }

    // MARK: RFC 7162 §3.2.4: UID (and MODSEQ) in every FETCH of a flag change

    func testFlagChangeResponsesCarryUIDOnceQResyncIsOn() async throws {
        try await deliver()
        let session = await loggedInSession()
        await send(session, "e ENABLE QRESYNC\r\n")
        await send(session, "s SELECT INBOX\r\n")
        let stored = await send(session, "a STORE 1 +FLAGS (\\Flagged)\r\n")
        let modSeq = try await currentModSeq()
        XCTAssertEqual(stored, "* 1 FETCH (FLAGS (\\Flagged \\Recent) UID 1 MODSEQ (\(modSeq)))\r\na OK STORE completed\r\n")
        // FETCH setting \Seen implicitly (RFC 9051 §6.4.5).
        let fetched = await send(session, "b FETCH 1 (BODY[TEXT])\r\n")
        let seenModSeq = try await currentModSeq()
        XCTAssertTrue(fetched.contains(" FLAGS (\\Flagged \\Seen \\Recent) UID 1 MODSEQ (\(seenModSeq)))\r\n"), fetched)
        // A change by someone else.
        _ = try await store.updateFlags(mailboxID: inbox.id, uids: [1], operation: .remove, flags: .flagged, keywords: [])
        let noop = await send(session, "c NOOP\r\n")
        let otherModSeq = try await currentModSeq()
        XCTAssertEqual(noop, "* 1 FETCH (UID 1 FLAGS (\\Seen \\Recent) MODSEQ (\(otherModSeq)))\r\nc OK NOOP completed\r\n")
    }

    private func currentModSeq() async throws -> ModSeq {
        let record = try await store.message(mailboxID: inbox.id, uid: 1)
        return try XCTUnwrap(record).modSeq
    }

    func testPlainStoreResponseIsUnchangedWithoutCondStore() async throws {
        try await deliver()
        let session = await selectedSession()
        await expectEqual(await send(session, "a STORE 1 +FLAGS (\\Flagged)\r\n"),
                          "* 1 FETCH (FLAGS (\\Flagged \\Recent))\r\na OK STORE completed\r\n")
        await expectEqual(await send(session, "b UID STORE 1 -FLAGS (\\Flagged)\r\n"),
                          "* 1 FETCH (FLAGS (\\Recent) UID 1)\r\nb OK UID STORE completed\r\n")
    }

    // MARK: IDLE (RFC 2177)

    func testCommandsPipelinedAfterDone() async {
        let session = await selectedSession()
        let out = await output(session, "a IDLE\r\nDONE\r\nb NOOP\r\nc LOGOUT\r\n")
        XCTAssertEqual(String(decoding: out.bytes, as: UTF8.self),
                       "+ idling\r\na OK IDLE terminated\r\nb OK NOOP completed\r\n"
                       + "* BYE mail.example.org IMAP4rev2 server logging out\r\nc OK LOGOUT completed\r\n")
        XCTAssertEqual(out.action, .close)
    }

    func testLogoutWhileIdle() async {
        let session = await selectedSession()
        await expectEqual(await send(session, "a IDLE\r\n"), "+ idling\r\n")
        let out = await output(session, "b LOGOUT\r\n")
        XCTAssertEqual(String(decoding: out.bytes, as: UTF8.self),
                       "a OK IDLE terminated\r\n* BYE mail.example.org IMAP4rev2 server logging out\r\nb OK LOGOUT completed\r\n")
        XCTAssertEqual(out.action, .close)
    }

    func testOtherCommandsWhileIdleAreStillRefused() async {
        let session = await selectedSession()
        await send(session, "a IDLE\r\n")
        await expectEqual(await send(session, "b SELECT INBOX\r\n"), "a BAD Expected DONE: expected DONE\r\n")
        XCTAssertNotNil(session.selected)
    }

    // MARK: Mailbox names: modified UTF-7 for rev1, UTF-8 after ENABLE

    func testRev1ClientsSeeModifiedUTF7Everywhere() async throws {
        let session = await loggedInSession()
        let reply = await send(session, "a CREATE Entw&APw-rfe\r\n")
        XCTAssertTrue(reply.hasPrefix("a OK [MAILBOXID (") && reply.hasSuffix("] CREATE completed\r\n"), reply)
        let created = try await store.mailbox(accountID: account.id, name: "Entwürfe")
        XCTAssertNotNil(created, "stored under its Unicode name")
        let list = await send(session, "b LIST \"\" *\r\n")
        XCTAssertTrue(list.contains("\"/\" Entw&APw-rfe\r\n"), list)
        XCTAssertFalse(list.contains("ü"), list)
        let status = await send(session, "c STATUS Entw&APw-rfe (MESSAGES)\r\n")
        XCTAssertEqual(status, "* STATUS Entw&APw-rfe (MESSAGES 0)\r\nc OK STATUS completed\r\n")
        let listStatus = await send(session, "d LIST \"\" Entw* RETURN (STATUS (MESSAGES))\r\n")
        XCTAssertTrue(listStatus.contains("* STATUS Entw&APw-rfe (MESSAGES 0)\r\n"), listStatus)
        XCTAssertFalse(listStatus.contains("ü"), listStatus)
        let select = await send(session, "e SELECT Entw&APw-rfe\r\n")
        XCTAssertTrue(select.hasSuffix("e OK [READ-WRITE] SELECT completed\r\n"), select)
        XCTAssertFalse(select.contains("ü"), select)
        // A UTF-8 name from a rev1 client is not a name it may use.
        await expectTrue(await send(session, "f SELECT \"Entwürfe\"\r\n").hasPrefix("* OK [CLOSED]"))
    }

    func testRev2ClientsSeeUTF8() async throws {
        let session = await loggedInSession()
        await send(session, "a ENABLE IMAP4rev2\r\n")
        let reply = await send(session, "b CREATE \"Entwürfe\"\r\n")
        XCTAssertTrue(reply.hasPrefix("b OK [MAILBOXID (") && reply.hasSuffix("] CREATE completed\r\n"), reply)
        let list = await send(session, "c LIST \"\" Entw*\r\n")
        XCTAssertTrue(list.contains("\"/\" \"Entwürfe\"\r\n"), list)
        let select = await send(session, "d SELECT \"Entwürfe\"\r\n")
        XCTAssertTrue(select.contains("* LIST () \"/\" \"Entwürfe\"\r\n"), select)
    }
}
