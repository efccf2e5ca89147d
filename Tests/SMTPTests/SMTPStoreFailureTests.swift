import Foundation
import XCTest
import Accounts
import MailCore
import MailStoreTestSupport
@testable import MailStore
@testable import SMTP

/// What the client hears when the store fails during a delivery: `451
/// 4.3.0`, and then no account has the message (RFC 5321 §4.2.5, §6.1).
final class SMTPStoreFailureTests: SMTPSessionTestCase {
    static let threeRecipients = "MAIL FROM:<x@c.example>\r\nRCPT TO:<alice@example.org>\r\n"
        + "RCPT TO:<bob@example.org>\r\nRCPT TO:<carol@catchall.example>\r\nDATA\r\n"

    /// The store fails in the middle of the delivery to three accounts (the
    /// second account's row is refused inside the transaction): 451, and
    /// none of the three has the message, not even the first.
    func testFailureInTheMiddleOfThreeAccountsDeliversToNone() async throws {
        let bobInbox = try await XCTUnwrapAsync(try await sqlite.mailbox(accountID: bob.id, name: "INBOX"))
        try await sqlite.pool.write { db in
            try db.execute(sql: """
                CREATE TRIGGER fail_second BEFORE INSERT ON message WHEN NEW.mailbox_id = \(bobInbox.id)
                BEGIN SELECT RAISE(ABORT, 'disk full (test)'); END
                """)
        }
        let session = makeSession(store: sqlite)
        let reply = await send(session, "EHLO c.example\r\n" + Self.threeRecipients + Self.message + ".\r\n")
        XCTAssertEqual(codes(reply), ["250", "250 2.1.0", "250 2.1.5", "250 2.1.5", "250 2.1.5", "354", "451 4.3.0"])
        for account in [alice!, bob!, carol!] {
            let count = try await inbox(account).count
            XCTAssertEqual(count, 0, account.address)
        }
        XCTAssertEqual(bodyFiles(), [], "the shared body file is removed with the failed transaction")
        // The session goes on: the transaction is over, a new one may start.
        let next = await send(session, "MAIL FROM:<x@c.example>\r\n")
        XCTAssertEqual(codes(next), ["250 2.1.0"])
    }

    /// A temporary store failure (busy, disk full) gives 451 4.3.0 and stores nothing.
    func testTemporaryFailureGives451() async throws {
        let failing = FaultInjectingMailStore(base: sqlite, failWrite: 1)
        let session = makeSession(store: failing)
        let reply = await send(session, "EHLO c.example\r\n" + Self.threeRecipients + Self.message + ".\r\n")
        XCTAssertEqual(codes(reply), ["250", "250 2.1.0", "250 2.1.5", "250 2.1.5", "250 2.1.5", "354", "451 4.3.0"])
        XCTAssertEqual(failing.failedCalls, ["deliverMessage"])
        for account in [alice!, bob!, carol!] {
            let count = try await inbox(account).count
            XCTAssertEqual(count, 0, account.address)
        }
        // Once the store is back the same transaction is accepted, once per account.
        failing.failWrite(nil)
        let again = await send(session, Self.threeRecipients + Self.message + ".\r\n")
        XCTAssertEqual(codes(again), ["250 2.1.0", "250 2.1.5", "250 2.1.5", "250 2.1.5", "354", "250 2.0.0"])
        for account in [alice!, bob!, carol!] {
            let count = try await inbox(account).count
            XCTAssertEqual(count, 1, account.address)
        }
    }

    /// AUTH while the store is down: 454 4.7.0 (RFC 4954 §6), not 535, and
    /// the attempt is no failed login for the throttle.
    func testAuthenticationWhileStoreIsDownGives454() async throws {
        let failing = FaultInjectingMailStore(base: sqlite, failReads: true)
        authenticator = Authenticator(store: failing, logger: logger, throttleConfiguration: .withoutDelays)
        let session = await greetedSession(connection: Self.remoteTLS)
        let reply = await send(session, "AUTH PLAIN \(plain("alice@example.org", Self.password))\r\n")
        XCTAssertEqual(codes(reply), ["454 4.7.0"])
        let failures = await authenticator.throttle.failureCount(address: Self.remoteTLS.remoteAddress)
        XCTAssertEqual(failures, 0)
        failing.failReads(false)
        let retry = await send(session, "AUTH PLAIN \(plain("alice@example.org", Self.password))\r\n")
        XCTAssertEqual(codes(retry), ["235 2.7.0"])
    }

    static let mixedRecipients = "MAIL FROM:<x@c.example>\r\nRCPT TO:<alice@example.org>\r\n"
        + "RCPT TO:<bob@example.org>\r\nRCPT TO:<user@other.example>\r\nDATA\r\n"

    /// A message for two local accounts and a remote recipient, with the
    /// store refusing the queue's rows inside the one transaction: 451
    /// 4.3.0, no account has it, nothing is queued, no file is left; once
    /// the store is back the same message is stored and queued.
    func testMixedMessageWithTheQueuePartFailingStoresNothing() async throws {
        try await sqlite.pool.write { db in
            try db.execute(sql: """
                CREATE TRIGGER refuse_queue BEFORE INSERT ON outbound_recipient
                BEGIN SELECT RAISE(ABORT, 'disk full (test)'); END
                """)
        }
        let storeQueue = StoreBackedOutboundQueue(store: sqlite)
        let session = makeSession(connection: Self.trusted, store: sqlite, outboundQueue: storeQueue)
        let reply = await send(session, "EHLO c.example\r\n" + Self.mixedRecipients + Self.message + ".\r\n")
        XCTAssertEqual(codes(reply), ["250", "250 2.1.0", "250 2.1.5", "250 2.1.5", "250 2.1.5", "354", "451 4.3.0"])
        for account in [alice!, bob!] {
            let count = try await inbox(account).count
            XCTAssertEqual(count, 0, account.address)
        }
        let queued = try await sqlite.queuedMessages()
        XCTAssertEqual(queued, [])
        XCTAssertEqual(bodyFiles(), [], "both body files are removed with the failed transaction")

        try await sqlite.pool.write { db in try db.execute(sql: "DROP TRIGGER refuse_queue") }
        let again = await send(session, Self.mixedRecipients + Self.message + ".\r\n")
        XCTAssertEqual(codes(again), ["250 2.1.0", "250 2.1.5", "250 2.1.5", "250 2.1.5", "354", "250 2.0.0"])
        let local = try await inboxTexts(alice)
        XCTAssertEqual(local.count, 1)
        XCTAssertTrue(local.first?.hasPrefix("Return-Path: <x@c.example>\r\n") ?? false)
        let bobCount = try await inbox(bob).count
        XCTAssertEqual(bobCount, 1)
        let nowQueued = try await sqlite.queuedMessages()
        XCTAssertEqual(nowQueued.map { $0.recipients.map(\.address) }, [["user@other.example"]])
        let queuedBody = try await sqlite.queuedMessageBody(id: try XCTUnwrap(nowQueued.first).id)
        let queuedText = String(decoding: queuedBody, as: UTF8.self)
        XCTAssertTrue(queuedText.hasPrefix("Received: "), "the queued copy has its own Received: and no Return-Path")
        XCTAssertFalse(queuedText.contains("Return-Path:"))
        XCTAssertEqual(bodyFiles().count, 2, "one blob for the local copies, one for the queued copy")
    }

    /// The store fails the one call that stores a mixed message: 451 4.3.0,
    /// that call was the only write (no expunge afterwards), nothing stored.
    func testMixedMessageWithTheStoreFailingAnswers451() async throws {
        let failing = FaultInjectingMailStore(base: sqlite, failWrite: 1)
        let session = makeSession(connection: Self.trusted, store: failing,
                                  outboundQueue: StoreBackedOutboundQueue(store: failing))
        let reply = await send(session, "EHLO c.example\r\n" + Self.mixedRecipients + Self.message + ".\r\n")
        XCTAssertEqual(codes(reply), ["250", "250 2.1.0", "250 2.1.5", "250 2.1.5", "250 2.1.5", "354", "451 4.3.0"])
        XCTAssertEqual(failing.failedCalls, ["deliverAndEnqueue"])
        XCTAssertEqual(failing.writeCount, 1)
        for account in [alice!, bob!] {
            let count = try await inbox(account).count
            XCTAssertEqual(count, 0, account.address)
        }
        let queued = try await sqlite.queuedMessages()
        XCTAssertEqual(queued, [])
        XCTAssertEqual(bodyFiles(), [])
    }

    /// The in-memory queue double fails: no local copy either.
    func testQueueFailureStoresNoLocalCopy() async throws {
        queue.failNextEnqueue()
        let session = await greetedSession(connection: Self.trusted)
        let reply = await send(session, "MAIL FROM:<x@c.example>\r\nRCPT TO:<alice@example.org>\r\n"
                               + "RCPT TO:<user@other.example>\r\nDATA\r\n" + Self.message + ".\r\n")
        XCTAssertEqual(codes(reply), ["250 2.1.0", "250 2.1.5", "250 2.1.5", "354", "451 4.3.0"])
        do { let value = try await inbox(alice).count; XCTAssertEqual(value, 0) }
        XCTAssertTrue(queue.entries.isEmpty)
    }

    /// Body files under the store's directory.
    private func bodyFiles() -> [String] {
        let root = directory.path + "/messages"
        let subdirectories = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return subdirectories.flatMap { sub in
            (try? FileManager.default.contentsOfDirectory(atPath: root + "/" + sub)) ?? []
        }
    }
}
