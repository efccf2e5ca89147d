// Two sessions on one mailbox racing CONDSTORE and EXPUNGE, and what a
// client hears when the store fails for a while.
import Foundation
import XCTest
import Accounts
import MailCore
import MailStoreTestSupport
@testable import MailStore
@testable import IMAP

/// One session with its own output buffer, so two can be driven side by side.
final class SessionClient: @unchecked Sendable {
    let session: IMAPSession
    let writes: SessionWrites

    init(_ session: IMAPSession, _ writes: SessionWrites) {
        self.session = session
        self.writes = writes
    }

    @discardableResult
    func send(_ text: String) async -> String {
        let returned = await session.receive(Array(text.utf8))
        return String(decoding: writes.take() + returned.bytes, as: UTF8.self)
    }
}

final class ConcurrentSessionTests: IMAPSessionTestCase {
    /// A logged-in client with INBOX selected (CONDSTORE on).
    func client(sessionStore: (any MailStore)? = nil) async -> SessionClient {
        await selectedClient("SELECT INBOX (CONDSTORE)", sessionStore: sessionStore)
    }

    /// Both sessions saw MODSEQ m and send `STORE (UNCHANGEDSINCE m)` at
    /// once: exactly one is stored; the other gets `OK [MODIFIED 1]` and
    /// its flag is not set (RFC 7162 §3.1.3). Bounded rounds.
    func testRacingUnchangedSinceHasOneWinnerAndOneModified() async throws {
        for round in 0..<5 {
            let record = try await deliver()
            let first = await client()
            let second = await client()
            let number = round + 1
            let command = "STORE \(number) (UNCHANGEDSINCE \(record.modSeq)) +FLAGS"
            async let a = first.send("A \(command) (\\Flagged)\r\n")
            async let b = second.send("B \(command) (\\Answered)\r\n")
            let (answerA, answerB) = await (a, b)
            let modified = [answerA, answerB].filter { $0.contains(" OK [MODIFIED \(number)]") }
            let stored = [answerA, answerB].filter { $0.contains(" OK STORE completed") }
            XCTAssertEqual(modified.count, 1, "round \(round):\n\(answerA)\n\(answerB)")
            XCTAssertEqual(stored.count, 1, "round \(round):\n\(answerA)\n\(answerB)")
            let flags = try await store.message(mailboxID: inbox.id, uid: record.uid)?.flags
            XCTAssertTrue(flags == [.flagged] || flags == [.answered], "round \(round): \(String(describing: flags))")
            XCTAssertEqual(stored.first?.contains("FLAGS (\\Flagged") == true, flags == [.flagged],
                           "the winner's flags are the stored ones")
            // The loser learns the winner's flags (RFC 7162 §3.1.3: the
            // client fetches them or is told): in the STORE's own response
            // here, or at the latest on its next command.
            let loserAnswer = answerA.contains("MODIFIED") ? answerA : answerB
            let loser = answerA.contains("MODIFIED") ? first : second
            let sync = await loser.send("N NOOP\r\n")
            // (The session that selected first also shows `\Recent`, RFC 3501 §2.3.2.)
            let winnerFlags = flags == [.flagged] ? "\\Flagged" : "\\Answered"
            let heard = (loserAnswer + sync).replacingOccurrences(of: " \\Recent", with: "")
            XCTAssertTrue(heard.contains("* \(number) FETCH (UID \(record.uid) FLAGS (\(winnerFlags))")
                          || heard.contains("* \(number) FETCH (FLAGS (\(winnerFlags))"),
                          "\(loserAnswer)\n\(sync)")
        }
    }

    /// A message one session undeletes before another's EXPUNGE commits is
    /// kept; only messages with `\Deleted` at that moment go (RFC 9051
    /// §6.4.3), and each session hears of the expunge once.
    func testExpungeKeepsAMessageUndeletedByAnotherSession() async throws {
        try await deliver()
        try await deliver()
        try await deliver()
        let expunger = await client()
        let undeleter = await client()
        let marked = await expunger.send("A STORE 1:2 +FLAGS.SILENT (\\Deleted)\r\n")
        XCTAssertTrue(marked.contains("A OK"), marked)
        // The other session sees the flags and takes \Deleted off message 1 again.
        let undo = await undeleter.send("B STORE 1 -FLAGS (\\Deleted)\r\n")
        XCTAssertTrue(undo.contains("B OK"), undo)
        // The expunger's view still has \Deleted on 1; the store decides.
        let expunge = await expunger.send("C EXPUNGE\r\n")
        XCTAssertTrue(expunge.contains("* 2 EXPUNGE\r\n"), expunge)
        XCTAssertFalse(expunge.contains("* 1 EXPUNGE"), expunge)
        XCTAssertTrue(expunge.contains("C OK EXPUNGE completed"), expunge)
        let left = try await store.messages(mailboxID: inbox.id).map(\.uid)
        XCTAssertEqual(left, [1, 3])
        let noop = await undeleter.send("D NOOP\r\n")
        XCTAssertTrue(noop.contains("* 2 EXPUNGE\r\n"), noop)
    }

    /// EXPUNGE and an undelete sent at the same time: whichever the store
    /// commits first, no message without `\Deleted` is removed. Bounded rounds.
    func testRacingExpungeAndUndelete() async throws {
        for round in 0..<5 {
            let record = try await store.appendMessage(mailboxID: inbox.id,
                                                       NewMessage(body: Array(Self.message.utf8), flags: [.deleted]))
            let expunger = await client()
            let undeleter = await client()
            async let a = expunger.send("A UID EXPUNGE \(record.uid)\r\n")
            async let b = undeleter.send("B UID STORE \(record.uid) -FLAGS.SILENT (\\Deleted)\r\n")
            let (expunged, undeleted) = await (a, b)
            XCTAssertTrue(expunged.contains("A OK"), expunged)
            XCTAssertTrue(undeleted.contains("B OK"), undeleted)
            let stored = try await store.message(mailboxID: inbox.id, uid: record.uid)
            if let stored {
                XCTAssertEqual(stored.flags, [], "round \(round): kept because undeleted first")
                XCTAssertFalse(expunged.contains(" EXPUNGE\r\n") || expunged.contains("VANISHED"), expunged)
            } else {
                XCTAssertTrue(expunged.contains(" EXPUNGE\r\n"), "round \(round): \(expunged)")
            }
        }
    }

    // MARK: Temporary store failures: NO [UNAVAILABLE] (RFC 5530 §3)

    func testTemporaryStoreFailureGivesUnavailable() async throws {
        try await deliver()
        let failing = FaultInjectingMailStore(base: store)
        let client = await client(sessionStore: failing)
        failing.failWrite(1)
        let storeReply = await client.send("A STORE 1 +FLAGS (\\Seen)\r\n")
        XCTAssertTrue(storeReply.contains("A NO [UNAVAILABLE]"), storeReply)
        let expunge = await client.send("B EXPUNGE\r\n")
        XCTAssertTrue(expunge.contains("B NO [UNAVAILABLE]"), expunge)
        let append = await client.send("C APPEND INBOX {5+}\r\nhello\r\n")
        XCTAssertTrue(append.contains("C NO [UNAVAILABLE]"), append)
        let create = await client.send("D CREATE Later\r\n")
        XCTAssertTrue(create.contains("D NO [UNAVAILABLE]"), create)
        // Once the store is back the same commands work.
        failing.failWrite(nil)
        let again = await client.send("E STORE 1 +FLAGS (\\Seen)\r\n")
        XCTAssertTrue(again.contains("E OK"), again)
        // A permanent failure stays SERVERBUG.
        let broken = FaultInjectingMailStore(base: store, failWrite: 1, error: .storageFailure("corrupt (test)"))
        let other = await self.client(sessionStore: broken)
        let bug = await other.send("F STORE 1 +FLAGS (\\Flagged)\r\n")
        XCTAssertTrue(bug.contains("F NO [SERVERBUG]"), bug)
    }

    /// A login while the store is down is not a wrong password: `NO
    /// [UNAVAILABLE]`, and the throttle does not count it.
    func testLoginWhileStoreIsDownGivesUnavailable() async throws {
        let failing = FaultInjectingMailStore(base: store, failReads: true)
        authenticator = Authenticator(store: failing, logger: logger, throttleConfiguration: .withoutDelays)
        // Not loopback: the throttle would exempt it and count nothing anyway.
        let session = makeSession(configuration(allowCleartext: true), connection: Self.remoteTLS,
                                  sessionStore: failing)
        let reply = await send(session, "L LOGIN \(Self.address) \(Self.password)\r\n")
        XCTAssertTrue(reply.hasPrefix("L NO [UNAVAILABLE]"), reply)
        XCTAssertFalse(reply.contains("AUTHENTICATIONFAILED"), reply)
        let authenticate = await send(session, "A AUTHENTICATE PLAIN \(plain(Self.address, Self.password))\r\n")
        XCTAssertTrue(authenticate.hasPrefix("A NO [UNAVAILABLE]"), authenticate)
        let failures = await authenticator.throttle.failureCount(account: Self.address)
        XCTAssertEqual(failures, 0)
        let addressFailures = await authenticator.throttle.failureCount(address: Self.remoteTLS.remoteAddress)
        XCTAssertEqual(addressFailures, 0)
        failing.failReads(false)
        let retry = await send(session, "R LOGIN \(Self.address) \(Self.password)\r\n")
        XCTAssertTrue(retry.hasPrefix("R OK"), retry)
    }

    // MARK: MULTIAPPEND (RFC 3502 §3)

    /// The store refuses the second message of a MULTIAPPEND inside its
    /// transaction: the command fails and the first is not stored either.
    func testMultiappendIsAllOrNothing() async throws {
        try await store.pool.write { db in
            try db.execute(sql: """
                CREATE TRIGGER refuse_second BEFORE INSERT ON message WHEN NEW.uid = 2
                BEGIN SELECT RAISE(ABORT, 'disk full (test)'); END
                """)
        }
        let session = await loggedInSession()
        let reply = await send(session, "A APPEND INBOX {5+}\r\nfirst (\\Seen) {6+}\r\nsecond\r\n")
        XCTAssertTrue(reply.contains("A NO"), reply)
        let stored = try await store.messages(mailboxID: inbox.id)
        XCTAssertEqual(stored, [])
        let mailbox = try await store.mailbox(id: inbox.id)
        XCTAssertEqual(mailbox?.uidNext, 1)

        try await store.pool.write { db in try db.execute(sql: "DROP TRIGGER refuse_second") }
        let ok = await send(session, "B APPEND INBOX {5+}\r\nfirst (\\Seen) {6+}\r\nsecond\r\n")
        XCTAssertTrue(ok.contains("B OK [APPENDUID \(inbox.uidValidity) 1:2]"), ok)
        let both = try await store.messages(mailboxID: inbox.id)
        XCTAssertEqual(both.map(\.flags), [[], [.seen]])
    }
}
