import Foundation
import XCTest
import MailCore
import MailStore
@testable import IMAP

/// The session state machine: greeting, capabilities, framing, errors,
/// states, ENABLE, ID, LOGOUT and untagged updates.
final class IMAPSessionTests: IMAPSessionTestCase {
    // MARK: Greeting and CAPABILITY

    func testGreetingNamesHostAndCapabilities() {
        let session = makeSession()
        let greeting = String(decoding: session.greeting().bytes, as: UTF8.self)
        XCTAssertTrue(greeting.hasPrefix("* OK [CAPABILITY IMAP4rev1 IMAP4rev2 "), greeting)
        XCTAssertTrue(greeting.hasSuffix("] mail.example.org IMAP4rev2 server ready\r\n"), greeting)
        XCTAssertEqual(session.greeting().action, .none)
    }

    func testCapabilitiesOnLoopbackCleartext() async {
        let session = makeSession(connection: Self.loopback)
        let reply = await send(session, "a CAPABILITY\r\n")
        XCTAssertTrue(reply.hasPrefix("* CAPABILITY "), reply)
        XCTAssertTrue(reply.hasSuffix("a OK CAPABILITY completed\r\n"), reply)
        let list = capabilities(in: reply)
        for name in ["IMAP4rev1", "IMAP4rev2", "LITERAL+", "SASL-IR", "ID", "ENABLE", "AUTH=PLAIN", "AUTH=LOGIN", "STARTTLS"] {
            XCTAssertTrue(list.contains(name), "\(name) missing in \(list)")
        }
        XCTAssertFalse(list.contains("LOGINDISABLED"), "\(list)")
        XCTAssertFalse(list.contains("IDLE"), "IDLE is announced only after login: \(list)")
    }

    func testCapabilitiesOnRemoteCleartextDisableLogin() async {
        let session = makeSession(connection: Self.remoteCleartext)
        let list = capabilities(in: await send(session, "a CAPABILITY\r\n"))
        XCTAssertTrue(list.contains("STARTTLS"), "\(list)")
        XCTAssertTrue(list.contains("LOGINDISABLED"), "\(list)")
        XCTAssertFalse(list.contains("AUTH=PLAIN"), "\(list)")
        XCTAssertFalse(list.contains("AUTH=LOGIN"), "\(list)")
        let greeting = capabilities(in: String(decoding: session.greeting().bytes, as: UTF8.self))
        XCTAssertEqual(greeting, list)
    }

    func testCapabilitiesOnRemoteCleartextWhenAllowed() async {
        let session = makeSession(configuration(allowCleartext: true), connection: Self.remoteCleartext)
        let list = capabilities(in: await send(session, "a CAPABILITY\r\n"))
        XCTAssertTrue(list.contains("AUTH=PLAIN"), "\(list)")
        XCTAssertFalse(list.contains("LOGINDISABLED"), "\(list)")
    }

    func testCapabilitiesOnImplicitTLS() async {
        let session = makeSession(configuration(offersSTARTTLS: false), connection: Self.remoteTLS)
        let list = capabilities(in: await send(session, "a CAPABILITY\r\n"))
        XCTAssertTrue(list.contains("AUTH=PLAIN"), "\(list)")
        XCTAssertFalse(list.contains("STARTTLS"), "\(list)")
        XCTAssertFalse(list.contains("LOGINDISABLED"), "\(list)")
    }

    func testCapabilitiesWithoutSTARTTLSListener() async {
        let session = makeSession(configuration(offersSTARTTLS: false), connection: Self.remoteCleartext)
        let list = capabilities(in: await send(session, "a CAPABILITY\r\n"))
        XCTAssertFalse(list.contains("STARTTLS"), "\(list)")
        XCTAssertTrue(list.contains("LOGINDISABLED"), "\(list)")
    }

    func testCapabilitiesAfterLogin() async {
        let session = await loggedInSession()
        let list = capabilities(in: await send(session, "a CAPABILITY\r\n"))
        for name in ["IMAP4rev1", "IMAP4rev2", "IDLE", "NAMESPACE", "UNSELECT", "UIDPLUS", "MOVE", "CONDSTORE",
                     "QRESYNC", "ESEARCH", "SEARCHRES", "UTF8=ACCEPT", "LIST-EXTENDED", "SPECIAL-USE",
                     "APPENDLIMIT=1000000", "STATUS=SIZE", "MULTIAPPEND", "BINARY", "WITHIN"] {
            XCTAssertTrue(list.contains(name), "\(name) missing in \(list)")
        }
        for name in ["STARTTLS", "AUTH=PLAIN", "LOGINDISABLED", "SASL-IR"] {
            XCTAssertFalse(list.contains(name), "\(name) should not be in \(list)")
        }
    }

    // MARK: Framing

    func testPipelinedCommandsAnswerInOrder() async {
        let session = makeSession()
        let reply = await send(session, "a NOOP\r\nb ID NIL\r\nc NOOP\r\n")
        let tagged = reply.split(separator: "\r\n").filter { !$0.hasPrefix("*") }
        XCTAssertEqual(tagged, ["a OK NOOP completed", "b OK ID completed", "c OK NOOP completed"], reply)
    }

    func testCommandSplitAcrossReads() async {
        let session = makeSession()
        await expectEqual(await send(session, "a NO"), "")
        await expectEqual(await send(session, "OP\r"), "")
        await expectEqual(await send(session, "\n"), "a OK NOOP completed\r\n")
    }

    func testSynchronisingLiteralGetsContinuation() async {
        let session = makeSession()
        let first = await output(session, "a LOGIN {17}\r\n")
        XCTAssertEqual(String(decoding: first.bytes, as: UTF8.self), "+ Ready for literal data\r\n")
        XCTAssertEqual(first.action, .none)
        let second = await send(session, "\(Self.address) {6}\r\n")
        XCTAssertEqual(second, "+ Ready for literal data\r\n")
        let third = await send(session, "\(Self.password)\r\n")
        XCTAssertTrue(third.hasPrefix("a OK [CAPABILITY "), third)
    }

    func testNonSynchronisingLiteralNeedsNoContinuation() async {
        let session = makeSession()
        let reply = await send(session, "a LOGIN {17+}\r\n\(Self.address) {6+}\r\n\(Self.password)\r\n")
        XCTAssertFalse(reply.contains("+ Ready"), reply)
        XCTAssertTrue(reply.hasPrefix("a OK [CAPABILITY "), reply)
    }

    func testOversizedLiteralIsRefused() async {
        let session = makeSession(configuration(limits: IMAPParserLimits(maxLiteralSize: 100)))
        let reply = await send(session, "a LOGIN {1000}\r\n")
        XCTAssertTrue(reply.hasPrefix("a BAD "), reply)
        XCTAssertFalse(reply.contains("+ Ready"), reply)
        await expectEqual(await send(session, "b NOOP\r\n"), "b OK NOOP completed\r\n")
    }

    // MARK: Errors

    func testMalformedCommandGetsTaggedBadAndSessionGoesOn() async {
        let session = makeSession()
        let reply = await send(session, "a FROBNICATE\r\n")
        XCTAssertTrue(reply.hasPrefix("a BAD "), reply)
        await expectEqual(await send(session, "b NOOP\r\n"), "b OK NOOP completed\r\n")
    }

    func testUntaggedGarbageGetsUntaggedBad() async {
        let session = makeSession()
        let reply = await send(session, "(((\r\n")
        XCTAssertTrue(reply.hasPrefix("* BAD "), reply)
    }

    func testNulByteIsRefused() async {
        let session = makeSession()
        let reply = await send(session, "a NO\u{0}OP\r\n")
        XCTAssertTrue(reply.hasPrefix("a BAD "), reply)
    }

    func testTooManyBadCommandsEndTheSession() async {
        let session = makeSession(configuration(maxBad: 3))
        await expectTrue(await send(session, "a BOGUS\r\n").hasPrefix("a BAD "))
        await expectTrue(await send(session, "b BOGUS\r\n").hasPrefix("b BAD "))
        let last = await output(session, "c BOGUS\r\nd NOOP\r\n")
        let text = String(decoding: last.bytes, as: UTF8.self)
        XCTAssertTrue(text.hasPrefix("c BAD "), text)
        XCTAssertTrue(text.hasSuffix("* BYE too many invalid commands\r\n"), text)
        XCTAssertFalse(text.contains("d OK"), "nothing runs after the BYE: \(text)")
        XCTAssertEqual(last.action, .close)
        let after = await session.receive(Array("e NOOP\r\n".utf8))
        XCTAssertEqual(after, IMAPSessionOutput(action: .close))
    }

    func testGoodCommandResetsTheBadCount() async {
        let session = makeSession(configuration(maxBad: 2))
        await send(session, "a BOGUS\r\n")
        await send(session, "b NOOP\r\n")
        let reply = await output(session, "c BOGUS\r\n")
        XCTAssertEqual(reply.action, .none)
        let closing = await output(session, "d BOGUS\r\n")
        XCTAssertEqual(closing.action, .close)
    }

    func testWrongStateCommandsGetBad() async {
        let session = makeSession()
        for (tag, command) in [("a", "SELECT INBOX"), ("b", "LIST \"\" *"), ("c", "ENABLE CONDSTORE"),
                               ("d", "FETCH 1 FLAGS"), ("e", "IDLE"), ("f", "CHECK"), ("g", "EXPUNGE")] {
            let reply = await send(session, "\(tag) \(command)\r\n")
            XCTAssertTrue(reply.hasPrefix("\(tag) BAD "), reply)
            XCTAssertTrue(reply.contains("not allowed before login"), reply)
        }
        await expectEqual(await send(session, "z NOOP\r\n"), "z OK NOOP completed\r\n")
    }

    func testSelectedStateCommandsNeedASelection() async {
        let session = await loggedInSession()
        for (tag, command) in [("a", "FETCH 1 FLAGS"), ("b", "UID STORE 1 +FLAGS (\\Seen)"), ("c", "EXPUNGE"),
                               ("d", "CLOSE"), ("e", "UNSELECT"), ("f", "SEARCH ALL"), ("g", "CHECK")] {
            let reply = await send(session, "\(tag) \(command)\r\n")
            XCTAssertTrue(reply.hasPrefix("\(tag) BAD "), reply)
            XCTAssertTrue(reply.contains("selected mailbox"), reply)
        }
    }

    func testLoginTwiceIsRefused() async {
        let session = await loggedInSession()
        let reply = await send(session, "a LOGIN \(Self.address) \(Self.password)\r\n")
        XCTAssertTrue(reply.hasPrefix("a BAD "), reply)
        XCTAssertTrue(reply.contains("after login"), reply)
    }

    // MARK: ENABLE, ID, NOOP, LOGOUT

    func testEnableListsOnlyNewlyEnabled() async {
        let session = await loggedInSession()
        let first = await send(session, "a ENABLE CONDSTORE X-UNKNOWN\r\n")
        XCTAssertEqual(first, "* ENABLED CONDSTORE\r\na OK ENABLE completed\r\n")
        let second = await send(session, "b ENABLE condstore QRESYNC\r\n")
        XCTAssertEqual(second, "* ENABLED QRESYNC\r\nb OK ENABLE completed\r\n")
        let third = await send(session, "c ENABLE QRESYNC CONDSTORE\r\n")
        XCTAssertEqual(third, "* ENABLED\r\nc OK ENABLE completed\r\n")
        XCTAssertEqual(session.enabled, [.condstore, .qresync])
    }

    func testEnableQResyncImpliesCondStore() async {
        let session = await loggedInSession()
        let reply = await send(session, "a ENABLE QRESYNC IMAP4rev2 UTF8=ACCEPT\r\n")
        XCTAssertEqual(reply, "* ENABLED QRESYNC IMAP4rev2 UTF8=ACCEPT\r\na OK ENABLE completed\r\n")
        XCTAssertEqual(session.enabled, [.condstore, .qresync, .imap4rev2, .utf8Accept])
        XCTAssertTrue(session.allowUTF8Quoted)
    }

    func testCondStoreEnablingCommands() {
        func enables(_ line: String) -> Bool { command(line)?.enablesCondStore ?? false }
        XCTAssertTrue(enables("a FETCH 1:* (FLAGS MODSEQ)"))
        XCTAssertTrue(enables("a UID FETCH 1:* FLAGS (CHANGEDSINCE 12)"))
        XCTAssertTrue(enables("a STORE 1 (UNCHANGEDSINCE 5) +FLAGS (\\Seen)"))
        XCTAssertTrue(enables("a SEARCH NOT (OR SEEN MODSEQ 7)"))
        XCTAssertTrue(enables("a STATUS INBOX (MESSAGES HIGHESTMODSEQ)"))
        XCTAssertFalse(enables("a STATUS INBOX (MESSAGES)"))
        XCTAssertFalse(enables("a FETCH 1 (FLAGS UID)"))
        XCTAssertFalse(enables("a STORE 1 +FLAGS (\\Seen)"))
        XCTAssertFalse(enables("a SEARCH SEEN"))
    }

    func testExpungeIsHeldBackAfterFetchStoreAndSearchOnly() {
        XCTAssertEqual(command("a FETCH 1 FLAGS")?.updatesAllowExpunge, false)
        XCTAssertEqual(command("a STORE 1 +FLAGS (\\Seen)")?.updatesAllowExpunge, false)
        XCTAssertEqual(command("a SEARCH ALL")?.updatesAllowExpunge, false)
        XCTAssertEqual(command("a UID FETCH 1 FLAGS")?.updatesAllowExpunge, true)
        XCTAssertEqual(command("a UID STORE 1 +FLAGS (\\Seen)")?.updatesAllowExpunge, true)
        XCTAssertEqual(command("a UID SEARCH ALL")?.updatesAllowExpunge, true)
        XCTAssertEqual(command("a NOOP")?.updatesAllowExpunge, true)
        XCTAssertEqual(command("a SELECT INBOX")?.updatesAllowExpunge, nil)
    }

    func testIDAnswersInAnyState() async {
        let session = makeSession()
        let reply = await send(session, "a ID (\"name\" \"Thunderbird\" \"version\" \"128\")\r\n")
        XCTAssertEqual(reply, "* ID (\"name\" \"Tern\" \"version\" \"0.1.0\")\r\na OK ID completed\r\n")
        let session2 = await loggedInSession()
        await expectTrue(await send(session2, "b ID NIL\r\n").hasSuffix("b OK ID completed\r\n"))
    }

    func testLogoutSaysByeThenOKAndCloses() async {
        let session = makeSession()
        let reply = await output(session, "a LOGOUT\r\nb NOOP\r\n")
        XCTAssertEqual(String(decoding: reply.bytes, as: UTF8.self),
                       "* BYE mail.example.org IMAP4rev2 server logging out\r\na OK LOGOUT completed\r\n")
        XCTAssertEqual(reply.action, .close)
        await expectEqual(await session.receive(Array("c NOOP\r\n".utf8)).action, .close)
    }

    func testShutdownNotice() {
        XCTAssertEqual(String(decoding: makeSession().shutdownNotice(), as: UTF8.self),
                       "* BYE mail.example.org shutting down\r\n")
    }

    func testFailedWriteEndsTheSession() async {
        let session = await loggedInSession()
        written.failing = true
        // The queued NOOP reply must be written before LIST's handler may stream.
        let reply = await session.receive(Array("a NOOP\r\nb LIST \"\" *\r\n".utf8))
        XCTAssertEqual(reply.action, .close)
    }

    // MARK: Selected state and untagged updates

    func testNoopReportsNewMessagesAsExists() async throws {
        try await deliver()
        let session = await selectedSession()
        XCTAssertEqual(session.watchedMailbox, inbox.id)
        await expectEqual(await send(session, "a NOOP\r\n"), "a OK NOOP completed\r\n")
        try await deliver()
        let reply = await send(session, "b NOOP\r\n")
        XCTAssertEqual(reply, "* 2 EXISTS\r\n* 2 RECENT\r\nb OK NOOP completed\r\n")
    }

    func testSelectingAgainClosesThePreviousMailbox() async throws {
        let session = await selectedSession()
        let reply = await send(session, "a EXAMINE INBOX\r\n")
        XCTAssertTrue(reply.hasPrefix("* OK [CLOSED] "), reply)
        XCTAssertTrue(reply.contains("a OK [READ-ONLY]"), reply)
        let failed = await send(session, "b SELECT Nonexistent\r\n")
        XCTAssertTrue(failed.hasPrefix("* OK [CLOSED] "), failed)
        XCTAssertTrue(failed.contains("b NO "), failed)
        XCTAssertNil(session.selected, "a failed SELECT leaves no mailbox selected (RFC 9051 §6.3.2)")
        XCTAssertNil(session.watchedMailbox)
        await expectTrue(await send(session, "c FETCH 1 FLAGS\r\n").hasPrefix("c BAD "))
    }

    func testUnselectReturnsToAuthenticatedState() async {
        let session = await selectedSession()
        await expectEqual(await send(session, "a UNSELECT\r\n"), "a OK UNSELECT completed\r\n")
        XCTAssertNil(session.selected)
        await expectTrue(await send(session, "b EXPUNGE\r\n").hasPrefix("b BAD "))
    }

    func testEnableIsRefusedWhileSelected() async {
        let session = await selectedSession()
        await expectTrue(await send(session, "a ENABLE CONDSTORE\r\n").hasPrefix("a BAD "))
    }

    func testFetchModSeqTurnsCondStoreOn() async throws {
        try await deliver()
        let session = await selectedSession()
        XCTAssertFalse(session.enabled.contains(.condstore))
        let first = await send(session, "a FETCH 1 (FLAGS MODSEQ)\r\n")
        XCTAssertTrue(session.enabled.contains(.condstore))
        // RFC 7162 §3.1: the first CONDSTORE-enabling command in a selected
        // mailbox is answered with HIGHESTMODSEQ before its own responses.
        let highest = UInt64(max(session.selected?.highestModSeq ?? 0, 0))
        XCTAssertTrue(first.hasPrefix("* OK [HIGHESTMODSEQ \(highest)] Highest\r\n* 1 FETCH ("), first)
        let second = await send(session, "b FETCH 1 (MODSEQ)\r\n")
        XCTAssertFalse(second.contains("HIGHESTMODSEQ"), "only the first time: \(second)")
    }

    /// STATUS HIGHESTMODSEQ enables CONDSTORE too (RFC 7162 §3.1); without
    /// a selected mailbox there is no HIGHESTMODSEQ to report first.
    func testStatusHighestModSeqTurnsCondStoreOn() async throws {
        let session = await loggedInSession()
        let reply = await send(session, "a STATUS INBOX (HIGHESTMODSEQ)\r\n")
        XCTAssertTrue(session.enabled.contains(.condstore))
        XCTAssertFalse(reply.contains("[HIGHESTMODSEQ"), reply)
    }

    func testDeletingTheSelectedMailboxDeselectsIt() async throws {
        let session = await loggedInSession()
        await expectTrue(await send(session, "a CREATE Projects\r\n").contains("a OK"))
        await expectTrue(await send(session, "b SELECT Projects\r\n").contains("b OK"))
        let reply = await send(session, "c DELETE Projects\r\n")
        XCTAssertTrue(reply.contains("* OK [CLOSED]"), reply)
        XCTAssertTrue(reply.contains("c OK"), reply)
        XCTAssertNil(session.selected)
        XCTAssertNil(session.watchedMailbox)
    }
}

extension IMAPSessionTests {
    /// Before login the literal bound is `maxCommandSizeBeforeLogin`: no
    /// continuation, nothing buffered, and the session goes on.
    func testLargeLiteralBeforeLoginIsRefusedWithoutContinuation() async {
        var configuration = configuration()
        configuration.maxCommandSizeBeforeLogin = 1000
        let session = makeSession(configuration)
        await expectEqual(await send(session, "a LOGIN {5000}\r\n"),
                          "a BAD [LIMIT] Literal larger than 1000 octets before login\r\n")
        XCTAssertFalse(session.parser.hasPartialCommand)
        await expectEqual(await send(session, "b NOOP\r\n"), "b OK NOOP completed\r\n")
    }

    func testLargeLiteralAfterLoginIsAccepted() async {
        var configuration = configuration()
        configuration.maxCommandSizeBeforeLogin = 1000
        let session = await loggedInSession(configuration)
        await expectEqual(await send(session, "a STATUS {5000}\r\n"), "+ Ready for literal data\r\n")
        let partial = await output(session, String(repeating: "x", count: 3000))
        XCTAssertEqual(partial, IMAPSessionOutput())
        let reply = await send(session, String(repeating: "x", count: 2000) + " (MESSAGES)\r\n")
        XCTAssertTrue(reply.hasPrefix("a NO ") || reply.hasPrefix("a BAD "), reply)
    }
}

extension IMAPSessionTests {
    func testExpungeByOthersIsHeldBackDuringFetch() async throws {
        let first = try await deliver()
        try await deliver()
        let session = await selectedSession()
        _ = try await store.expunge(mailboxID: inbox.id, uids: [first.uid])
        let fetch = await send(session, "a FETCH 2 (UID)\r\n")
        XCTAssertFalse(fetch.contains("EXPUNGE"), "RFC 9051 §7.5.1: no EXPUNGE after FETCH: \(fetch)")
        XCTAssertTrue(fetch.contains("* 2 FETCH (UID 2)"), fetch)
        XCTAssertTrue(fetch.hasSuffix("a OK FETCH completed\r\n") || fetch.contains("a OK"), fetch)
        let noop = await send(session, "b NOOP\r\n")
        XCTAssertEqual(noop, "* 1 EXPUNGE\r\nb OK NOOP completed\r\n")
    }

    func testExpungeByOthersIsReportedAfterUIDFetch() async throws {
        let first = try await deliver()
        try await deliver()
        let session = await selectedSession()
        _ = try await store.expunge(mailboxID: inbox.id, uids: [first.uid])
        let fetch = await send(session, "a UID FETCH 2 (FLAGS)\r\n")
        XCTAssertTrue(fetch.contains("* 1 EXPUNGE\r\na OK"), fetch)
    }

    func testPipelinedResponsesKeepTheirOrderAroundStreamedFetch() async throws {
        try await deliver()
        let session = await selectedSession()
        let reply = await send(session, "a NOOP\r\nb FETCH 1 (UID)\r\nc NOOP\r\n")
        let lines = reply.split(separator: "\r\n").map(String.init)
        XCTAssertEqual(lines.first, "a OK NOOP completed", reply)
        XCTAssertEqual(lines.last, "c OK NOOP completed", reply)
        let fetch = try XCTUnwrap(lines.firstIndex { $0.hasPrefix("* 1 FETCH") }, reply)
        let tagged = try XCTUnwrap(lines.firstIndex { $0.hasPrefix("b OK") }, reply)
        XCTAssertLessThan(fetch, tagged, reply)
    }

    func testAppendToSelectedMailboxAnnouncesExists() async throws {
        let session = await selectedSession()
        let message = Self.message
        let reply = await send(session, "a APPEND INBOX {\(message.utf8.count)+}\r\n\(message)\r\n")
        XCTAssertTrue(reply.hasPrefix("* 1 EXISTS\r\n* 1 RECENT\r\na OK "), reply)
    }

    func testCloseReturnsToAuthenticatedState() async throws {
        try await deliver()
        let session = await selectedSession()
        let reply = await send(session, "a CLOSE\r\n")
        XCTAssertTrue(reply.hasPrefix("a OK"), reply)
        XCTAssertNil(session.selected)
        XCTAssertNil(session.watchedMailbox)
    }
}
