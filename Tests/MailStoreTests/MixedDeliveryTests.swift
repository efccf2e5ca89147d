// `deliverAndEnqueue`: the local copies and the queued copy of one SMTP
// message in one transaction (the contract at the top of `MailStore`).
// Faults are injected inside the transaction with SQLite triggers, as in
// AtomicOperationTests.
import Foundation
import GRDB
import MailCore
import XCTest
@testable import MailStore

final class MixedDeliveryTests: StoreTestCase {
    /// The local copies' bytes (Return-Path and a Received: naming the
    /// local recipient) and the queued copy's (its own Received:).
    let localBytes = Array("Return-Path: <x@c.example>\r\nReceived: for alice\r\n".utf8) + sampleMessage("mixed")
    let queuedBytes = Array("Received: for user@other.example\r\n".utf8) + sampleMessage("mixed")

    private func spool(_ store: any MailStore, _ bytes: [UInt8]) throws -> SpoolFile {
        let spool = try store.makeSpoolFile(maximumSize: nil)
        try spool.write(bytes)
        return spool
    }

    private func spoolFiles() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory + "/spool")) ?? []).sorted()
    }

    /// Alice's and Bob's INBOX ids.
    private func twoInboxes(_ store: any MailStore, _ inbox: Mailbox) async throws -> [MailboxID] {
        let bob = try await store.createAccount(address: "bob@example.org", passwordHash: "h")
        let bobInbox = try await XCTUnwrapAsync(try await store.mailbox(accountID: bob.id, name: "INBOX"))
        return [inbox.id, bobInbox.id]
    }

    /// Runs `deliverAndEnqueue` with fresh spools, closed afterwards.
    private func deliver(_ store: any MailStore, to mailboxIDs: [MailboxID],
                         draft: OutboundMessageDraft = outboundDraft(to: ["user@other.example", "u2@other.example"]))
        async throws -> DeliveryAndQueueResult {
        let local = try spool(store, localBytes)
        let queued = try spool(store, queuedBytes)
        defer { local.abort(); queued.abort() }
        return try await store.deliverAndEnqueue(spooled: local, internalDate: Date(), to: mailboxIDs,
                                                 outbound: draft, spooled: queued)
    }

    /// Nothing of the message anywhere: no copy, no queue entry, no file.
    private func assertNothingStored(_ store: any MailStore, _ mailboxIDs: [MailboxID],
                                     file: StaticString = #filePath, line: UInt = #line) async throws {
        for mailboxID in mailboxIDs {
            let messages = try await store.messages(mailboxID: mailboxID)
            XCTAssertEqual(messages, [], "mailbox \(mailboxID)", file: file, line: line)
        }
        let queued = try await store.queuedMessages()
        XCTAssertEqual(queued, [], "nothing queued", file: file, line: line)
        XCTAssertEqual(bodyFileNames(), [], "no body file", file: file, line: line)
        XCTAssertEqual(spoolFiles(), [], "no spool file", file: file, line: line)
    }

    func testLocalCopiesAndQueuedCopyAreStoredTogether() async throws {
        let (store, _, inbox) = try await storeWithInbox()
        let inboxes = try await twoInboxes(store, inbox)
        let result = try await deliver(store, to: inboxes + [inbox.id])
        XCTAssertEqual(result.records.map(\.mailboxID), inboxes, "each mailbox once")
        for record in result.records {
            let body = try await store.messageBody(mailboxID: record.mailboxID, uid: record.uid)
            XCTAssertEqual(body, localBytes)
            XCTAssertEqual(record.size, localBytes.count)
        }
        let queued = try await XCTUnwrapAsync(try await store.queuedMessage(id: result.queued.id))
        XCTAssertEqual(queued.recipients.map(\.address), ["user@other.example", "u2@other.example"])
        XCTAssertEqual(queued.size, queuedBytes.count)
        let queuedBody = try await store.queuedMessageBody(id: result.queued.id)
        XCTAssertEqual(queuedBody, queuedBytes, "the queued copy keeps its own header bytes")
        XCTAssertEqual(bodyFileNames().count, 2, "one blob for the local copies, one for the queued copy")
        XCTAssertEqual(spoolFiles(), [])
    }

    /// The queue part fails inside the transaction (a recipient row is
    /// refused): no mailbox has the message and both files are gone.
    func testFaultInTheQueuePartLeavesNoLocalCopyAndNoFile() async throws {
        let (store, _, inbox) = try await sqliteStoreWithInbox()
        let inboxes = try await twoInboxes(store, inbox)
        try await store.pool.write { db in
            try db.execute(sql: """
                CREATE TRIGGER refuse_queue BEFORE INSERT ON outbound_recipient
                BEGIN SELECT RAISE(ABORT, 'disk full (test)'); END
                """)
        }
        do {
            _ = try await deliver(store, to: inboxes)
            XCTFail("the delivery succeeded")
        } catch is MailStoreError {}
        try await assertNothingStored(store, inboxes)
        // The store is fine afterwards: the same call succeeds once the fault is gone.
        try await store.pool.write { db in try db.execute(sql: "DROP TRIGGER refuse_queue") }
        let result = try await deliver(store, to: inboxes)
        XCTAssertEqual(result.records.count, 2)
        let status = try await store.mailboxStatus(id: inbox.id)
        XCTAssertEqual(status.messages, 1, "the counters took no part in the failed transaction")
    }

    /// The local part fails inside the transaction (Bob's row is refused,
    /// after Alice's): nothing is queued, Alice has no copy, no file is left.
    func testFaultInTheLocalPartLeavesNothingQueuedAndNoFile() async throws {
        let (store, _, inbox) = try await sqliteStoreWithInbox()
        let inboxes = try await twoInboxes(store, inbox)
        try await store.pool.write { [second = inboxes[1]] db in
            try db.execute(sql: """
                CREATE TRIGGER refuse_second BEFORE INSERT ON message WHEN NEW.mailbox_id = \(second)
                BEGIN SELECT RAISE(ABORT, 'disk full (test)'); END
                """)
        }
        do {
            _ = try await deliver(store, to: inboxes)
            XCTFail("the delivery succeeded")
        } catch is MailStoreError {}
        try await assertNothingStored(store, inboxes)
    }

    func testMissingMailboxQueuesNothing() async throws {
        let (store, _, inbox) = try await storeWithInbox()
        do {
            _ = try await deliver(store, to: [inbox.id, 987_654])
            XCTFail("the delivery succeeded")
        } catch let error as MailStoreError {
            XCTAssertEqual(error.kind, .notFound)
        }
        try await assertNothingStored(store, [inbox.id])
    }

    func testInvalidEnvelopeDeliversNothingLocally() async throws {
        let (store, _, inbox) = try await storeWithInbox()
        do {
            _ = try await deliver(store, to: [inbox.id], draft: outboundDraft(to: []))
            XCTFail("the delivery succeeded")
        } catch let error as QueueError {
            XCTAssertEqual(error, .noRecipients)
        }
        try await assertNothingStored(store, [inbox.id])
    }

    func testWithoutMailboxesItIsAnEnqueue() async throws {
        let (store, _, inbox) = try await storeWithInbox()
        let result = try await deliver(store, to: [])
        XCTAssertEqual(result.records, [])
        let queuedBody = try await store.queuedMessageBody(id: result.queued.id)
        XCTAssertEqual(queuedBody, queuedBytes)
        let messages = try await store.messages(mailboxID: inbox.id)
        XCTAssertEqual(messages, [])
        XCTAssertEqual(bodyFileNames().count, 1)
    }
}
