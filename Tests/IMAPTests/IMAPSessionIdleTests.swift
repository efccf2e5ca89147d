import Foundation
import XCTest
import MailCore
import MailStore
@testable import IMAP

/// IDLE (RFC 2177) and the wake-ups of `mailboxChanged()`.
final class IMAPSessionIdleTests: IMAPSessionTestCase {
    func testIdleInAuthenticatedStateEndsWithDone() async {
        let session = await loggedInSession()
        await expectEqual(await send(session, "a IDLE\r\n"), "+ idling\r\n")
        XCTAssertEqual(session.parser.mode, .idle)
        await expectEqual(await session.mailboxChanged(), IMAPSessionOutput())
        await expectEqual(await send(session, "DONE\r\n"), "a OK IDLE terminated\r\n")
        XCTAssertEqual(session.parser.mode, .commands)
        await expectEqual(await send(session, "b NOOP\r\n"), "b OK NOOP completed\r\n")
    }

    func testIdleBeforeLoginIsRefused() async {
        let session = makeSession()
        await expectTrue(await send(session, "a IDLE\r\n").hasPrefix("a BAD "))
        XCTAssertEqual(session.parser.mode, .commands)
    }

    func testCommandDuringIdleEndsIt() async {
        let session = await loggedInSession()
        await send(session, "a IDLE\r\n")
        let reply = await send(session, "b NOOP\r\n")
        XCTAssertTrue(reply.hasPrefix("a BAD "), reply)
        XCTAssertEqual(session.parser.mode, .commands)
        await expectEqual(await send(session, "c NOOP\r\n"), "c OK NOOP completed\r\n")
    }

    func testDoneIsCaseInsensitiveAndMayBePipelined() async {
        let session = await loggedInSession()
        let reply = await send(session, "a IDLE\r\ndone\r\nb NOOP\r\n")
        XCTAssertEqual(reply, "+ idling\r\na OK IDLE terminated\r\nb OK NOOP completed\r\n")
    }

    func testMailboxChangedOutsideIdleSendsNothing() async throws {
        let session = await selectedSession()
        try await deliver()
        await expectEqual(await session.mailboxChanged(), IMAPSessionOutput())
        // The change is reported after the next command instead.
        await expectEqual(await send(session, "a NOOP\r\n"), "* 1 EXISTS\r\n* 1 RECENT\r\na OK NOOP completed\r\n")
    }

    func testIdleReportsDeliveredMessage() async throws {
        try await deliver()
        let session = await selectedSession()
        XCTAssertEqual(session.watchedMailbox, inbox.id)
        await expectEqual(await send(session, "a IDLE\r\n"), "+ idling\r\n")
        try await deliver()
        let update = await session.mailboxChanged()
        XCTAssertEqual(String(decoding: update.bytes, as: UTF8.self), "* 2 EXISTS\r\n* 2 RECENT\r\n")
        XCTAssertEqual(update.action, .none)
        // Nothing new: nothing sent.
        await expectEqual(await session.mailboxChanged(), IMAPSessionOutput())
        await expectEqual(await send(session, "DONE\r\n"), "a OK IDLE terminated\r\n")
    }

    func testIdleReportsWaitingNewsAtOnce() async throws {
        let session = await selectedSession()
        try await deliver()
        await expectEqual(await send(session, "a IDLE\r\n"), "+ idling\r\n* 1 EXISTS\r\n* 1 RECENT\r\n")
        await expectEqual(await send(session, "DONE\r\n"), "a OK IDLE terminated\r\n")
    }

    func testIdleReportsExpungeByOthers() async throws {
        let first = try await deliver()
        try await deliver()
        let session = await selectedSession()
        await send(session, "a IDLE\r\n")
        _ = try await store.expunge(mailboxID: inbox.id, uids: [first.uid])
        let update = await session.mailboxChanged()
        XCTAssertEqual(String(decoding: update.bytes, as: UTF8.self), "* 1 EXPUNGE\r\n")
    }

    func testIdleReportsFlagChangesByOthers() async throws {
        let message = try await deliver()
        let session = await selectedSession()
        await send(session, "a IDLE\r\n")
        _ = try await store.updateFlags(mailboxID: inbox.id, uids: [message.uid], operation: .add,
                                        flags: .seen, keywords: [])
        let update = String(decoding: await session.mailboxChanged().bytes, as: UTF8.self)
        XCTAssertTrue(update.hasPrefix("* 1 FETCH ("), update)
        XCTAssertTrue(update.contains("\\Seen"), update)
    }
}

extension IMAPSessionIdleTests {
    func testSelectedMailboxDeletedElsewhereEndsTheSession() async throws {
        let session = await loggedInSession()
        let projects = try await store.createMailbox(accountID: account.id, name: "Projects", specialUse: nil)
        await expectTrue(await send(session, "a SELECT Projects\r\n").contains("a OK"))
        await send(session, "b IDLE\r\n")
        try await store.deleteMailbox(id: projects.id)
        let update = await session.mailboxChanged()
        XCTAssertEqual(String(decoding: update.bytes, as: UTF8.self),
                       "* BYE Selected mailbox was deleted, have to disconnect\r\n")
        XCTAssertEqual(update.action, .close)
    }

    func testNoopAfterSelectedMailboxDeletedElsewhere() async throws {
        let session = await loggedInSession()
        let projects = try await store.createMailbox(accountID: account.id, name: "Projects", specialUse: nil)
        await send(session, "a SELECT Projects\r\n")
        try await store.deleteMailbox(id: projects.id)
        let reply = await output(session, "b NOOP\r\n")
        XCTAssertEqual(String(decoding: reply.bytes, as: UTF8.self),
                       "* BYE Selected mailbox was deleted, have to disconnect\r\n")
        XCTAssertEqual(reply.action, .close)
    }
}
