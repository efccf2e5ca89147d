import Foundation
import GRDB
import Logging
import XCTest
@testable import MailStore

final class QueueTests: StoreTestCase {
    func testEnqueueAndReadBack() async throws {
        let store = try openStore()
        let before = Date()
        let draft = OutboundMessageDraft(
            sender: "alice@example.org",
            recipients: [
                .init(address: "bob@remote.example",
                      originalRecipient: OriginalRecipientAddress(addressType: "rfc822", address: "bob@remote.example"),
                      notify: [.success, .failure]),
                .init(address: "carol@other.example", notify: .never),
                .init(address: "dave@other.example"),
                .init(address: "bob@remote.example", notify: .never),
            ],
            ret: .headers, envelopeID: "env-1", authenticatedUser: "alice@example.org", smtpUTF8: true,
            bodyType: .eightBitMIME, body: sampleMessage("hello"))
        let queued = try await store.enqueueOutbound(draft)

        XCTAssertEqual(queued.id.count, 16)
        XCTAssertTrue(queued.id.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        XCTAssertEqual(queued.sender, "alice@example.org")
        XCTAssertEqual(queued.size, sampleMessage("hello").count)
        XCTAssertEqual(queued.ret, .headers)
        XCTAssertEqual(queued.envelopeID, "env-1")
        XCTAssertEqual(queued.authenticatedUser, "alice@example.org")
        XCTAssertTrue(queued.smtpUTF8)
        XCTAssertEqual(queued.bodyType, .eightBitMIME)
        XCTAssertGreaterThanOrEqual(queued.createdAt, before.addingTimeInterval(-0.01))
        // The repeated address is stored once, with its first parameters.
        XCTAssertEqual(queued.recipients.map(\.address),
                       ["bob@remote.example", "carol@other.example", "dave@other.example"])
        XCTAssertEqual(queued.recipients[0].notify, [.success, .failure])
        XCTAssertEqual(queued.recipients[0].originalRecipient?.addressType, "rfc822")
        XCTAssertEqual(queued.recipients[1].notify, .never)
        XCTAssertNil(queued.recipients[2].notify)
        XCTAssertNil(queued.recipients[2].originalRecipient)
        for recipient in queued.recipients {
            XCTAssertEqual(recipient.state, .queued)
            XCTAssertEqual(recipient.attempts, 0)
            XCTAssertNil(recipient.lastError)
            XCTAssertNil(recipient.lastAttemptAt)
        }

        let read = try await store.queuedMessage(id: queued.id)
        XCTAssertEqual(read, queued)
        let all = try await store.queuedMessages()
        XCTAssertEqual(all, [queued])
        let body = try await store.queuedMessageBody(id: queued.id)
        XCTAssertEqual(body, sampleMessage("hello"))
        XCTAssertEqual(bodyFileNames().count, 1)
        XCTAssertTrue(BodyFileStore.isValidFileName(bodyFileNames()[0]))
    }

    func testNullSenderAndEmptyQueue() async throws {
        let store = try openStore()
        let empty = try await store.queuedMessages()
        XCTAssertEqual(empty, [])
        let missing = try await store.queuedMessage(id: "0123456789abcdef")
        XCTAssertNil(missing)
        let queued = try await store.enqueueOutbound(outboundDraft(sender: "", to: ["x@remote.example"]))
        let read = try await store.queuedMessage(id: queued.id)
        XCTAssertEqual(read?.sender, "")
        XCTAssertEqual(read?.bodyType, .sevenBit)
        XCTAssertNil(read?.ret)
    }

    func testBadInputIsRefused() async throws {
        let store = try openStore()
        await assertQueueThrows(try await store.enqueueOutbound(outboundDraft(to: []))) { error in
            XCTAssertEqual(error as? QueueError, .noRecipients)
        }
        for id in ["nope", "../../etc/passwd", "0123456789abcdef", "' OR 1=1 --"] {
            await assertQueueThrows(try await store.queuedMessageBody(id: id)) { error in
                XCTAssertEqual(error as? QueueError, .messageNotFound(id))
            }
            await assertQueueThrows(try await store.retryNow(queueID: id)) { error in
                XCTAssertEqual(error as? QueueError, .messageNotFound(id))
            }
            await assertQueueThrows(try await store.deleteQueuedMessage(id: id)) { error in
                XCTAssertEqual(error as? QueueError, .messageNotFound(id))
            }
            await assertQueueThrows(try await store.updateRecipient(
                queueID: id, address: "a@b", state: .delivered, lastError: nil, nextAttemptAt: nil)) { error in
                XCTAssertEqual(error as? QueueError, .messageNotFound(id))
            }
        }
        let queued = try await store.enqueueOutbound(outboundDraft())
        await assertQueueThrows(try await store.updateRecipient(
            queueID: queued.id, address: "nobody@remote.example", state: .failed, lastError: "x",
            nextAttemptAt: nil)) { error in
            XCTAssertEqual(error as? QueueError, .recipientNotFound(queueID: queued.id, address: "nobody@remote.example"))
        }
        let injections: [OutboundMessageDraft] = [
            outboundDraft(sender: "a@b.example>\r\nRCPT TO:<victim@c.example"),
            outboundDraft(to: ["x@remote.example\r\nDATA"]),
            outboundDraft(to: ["ok@remote.example", ""]),
            outboundDraft(to: ["nul\u{0}@remote.example"]),
            OutboundMessageDraft(sender: "a@b.example", recipients: [.init(address: "x@remote.example")],
                                 envelopeID: "id\nQUIT", body: sampleMessage("x")),
            OutboundMessageDraft(sender: "a@b.example", recipients: [
                .init(address: "x@remote.example",
                      originalRecipient: OriginalRecipientAddress(addressType: "rfc822", address: "y\r\n")),
            ], body: sampleMessage("x")),
        ]
        for bad in injections {
            await assertQueueThrows(try await store.enqueueOutbound(bad)) { error in
                guard case .invalidEnvelope? = error as? QueueError else {
                    return XCTFail("expected invalidEnvelope, got \(error)")
                }
            }
        }
        XCTAssertEqual(bodyFileNames().count, 1, "refused drafts leave no body file")
        let count = try await store.queuedMessages().count
        XCTAssertEqual(count, 1)
    }

    /// Delivered and failed are final: a late or repeated update cannot make
    /// a delivered recipient due again (no second delivery).
    func testFinalStatesStayFinalAndErrorsAreBounded() async throws {
        let store = try openStore()
        let queued = try await store.enqueueOutbound(outboundDraft())
        try await store.updateRecipient(queueID: queued.id, address: "bob@remote.example", state: .delivered,
                                        lastError: nil, nextAttemptAt: nil)
        try await store.updateRecipient(queueID: queued.id, address: "carol@other.example", state: .failed,
                                        lastError: String(repeating: "5", count: 100_000), nextAttemptAt: nil)
        for address in ["bob@remote.example", "carol@other.example"] {
            for state in QueuedRecipientState.allCases {
                await assertQueueThrows(try await store.updateRecipient(
                    queueID: queued.id, address: address, state: state, lastError: "late",
                    nextAttemptAt: Date())) { error in
                    XCTAssertEqual(error as? QueueError, .recipientFinished(queueID: queued.id, address: address))
                }
            }
        }
        try await store.retryNow(queueID: queued.id)
        let due = try await store.dueRecipients(now: Date(timeIntervalSinceNow: 1), limit: 10)
        XCTAssertTrue(due.isEmpty)
        let read = try await XCTUnwrapAsync(try await store.queuedMessage(id: queued.id))
        XCTAssertEqual(read.recipients.map(\.state), [.delivered, .failed])
        XCTAssertEqual(read.recipients.map(\.attempts), [1, 1])
        XCTAssertNil(read.recipients[0].lastError)
        XCTAssertEqual(read.recipients[1].lastError?.count, SQLiteMailStore.maximumErrorLength)
    }

    func testSizeLimitApplies() async throws {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let store = try SQLiteMailStore(directory: directory, logger: logger, maximumMessageSize: 10)
        await assertQueueThrows(try await store.enqueueOutbound(outboundDraft())) { error in
            XCTAssertEqual(error as? MailStoreError, .messageTooLarge(sampleMessage("out").count))
        }
        try await store.close()
        XCTAssertEqual(bodyFileNames(), [])
    }

    func testEachRecipientIsTrackedOnItsOwn() async throws {
        let store = try openSQLiteStore()
        let queued = try await store.enqueueOutbound(outboundDraft(to: ["a@one.example", "b@two.example", "c@three.example"]))
        let later = Date(timeIntervalSinceNow: 300)
        try await store.updateRecipient(queueID: queued.id, address: "a@one.example", state: .delivering,
                                        lastError: nil, nextAttemptAt: nil)
        var read = try await XCTUnwrapAsync(try await store.queuedMessage(id: queued.id))
        XCTAssertEqual(read.recipients[0].state, .delivering)
        XCTAssertEqual(read.recipients[0].attempts, 0, "starting an attempt does not count it")
        XCTAssertNil(read.recipients[0].lastAttemptAt)

        try await store.updateRecipient(queueID: queued.id, address: "a@one.example", state: .delivered,
                                        lastError: nil, nextAttemptAt: nil)
        try await store.updateRecipient(queueID: queued.id, address: "b@two.example", state: .queued,
                                        lastError: "451 4.7.1 try later", nextAttemptAt: later)
        try await store.updateRecipient(queueID: queued.id, address: "c@three.example", state: .failed,
                                        lastError: "550 5.1.1 no such user", nextAttemptAt: nil)
        read = try await XCTUnwrapAsync(try await store.queuedMessage(id: queued.id))
        XCTAssertEqual(read.recipients.map(\.state), [.delivered, .queued, .failed])
        XCTAssertEqual(read.recipients.map(\.attempts), [1, 1, 1])
        XCTAssertNotNil(read.recipients[0].lastAttemptAt)
        XCTAssertNil(read.recipients[0].lastError)
        XCTAssertEqual(read.recipients[1].lastError, "451 4.7.1 try later")
        XCTAssertEqual(read.recipients[1].nextAttemptAt.timeIntervalSince1970, later.timeIntervalSince1970,
                       accuracy: 0.001)
        XCTAssertEqual(read.recipients[2].lastError, "550 5.1.1 no such user")
        XCTAssertFalse(read.isFinished)

        // A second failed attempt counts again; a nil error keeps the last one.
        try await store.updateRecipient(queueID: queued.id, address: "b@two.example", state: .queued,
                                        lastError: nil, nextAttemptAt: nil)
        read = try await XCTUnwrapAsync(try await store.queuedMessage(id: queued.id))
        XCTAssertEqual(read.recipients[1].attempts, 2)
        XCTAssertEqual(read.recipients[1].lastError, "451 4.7.1 try later")

        // Finished messages stay until removed explicitly.
        let noneFinished = try await store.removeFinishedQueuedMessages()
        XCTAssertEqual(noneFinished, [])
        try await store.updateRecipient(queueID: queued.id, address: "b@two.example", state: .delivered,
                                        lastError: nil, nextAttemptAt: nil)
        read = try await XCTUnwrapAsync(try await store.queuedMessage(id: queued.id))
        XCTAssertTrue(read.isFinished)
        let other = try await store.enqueueOutbound(outboundDraft("other"))
        XCTAssertEqual(bodyFileNames().count, 2)
        let removed = try await store.removeFinishedQueuedMessages()
        XCTAssertEqual(removed, [queued.id])
        let remaining = try await store.queuedMessages().map(\.id)
        XCTAssertEqual(remaining, [other.id])
        XCTAssertEqual(bodyFileNames().count, 1)
        let recipientRows = try await store.pool.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbound_recipient WHERE message_id = ?",
                             arguments: [queued.id])
        }
        XCTAssertEqual(recipientRows, 0)
    }

    func testDueRecipientsRespectNextAttemptAndGroupByMessage() async throws {
        let store = try openStore()
        let now = Date()
        let first = try await store.enqueueOutbound(outboundDraft("1", to: ["a@one.example", "b@one.example", "c@two.example"]))
        let second = try await store.enqueueOutbound(outboundDraft("2", to: ["d@three.example"]))
        let third = try await store.enqueueOutbound(outboundDraft("3", to: ["e@four.example"]))
        let soon = Date(timeIntervalSinceNow: 60)
        try await store.updateRecipient(queueID: first.id, address: "b@one.example", state: .queued,
                                        lastError: "451", nextAttemptAt: soon)
        try await store.updateRecipient(queueID: first.id, address: "c@two.example", state: .delivering,
                                        lastError: nil, nextAttemptAt: nil)
        try await store.updateRecipient(queueID: third.id, address: "e@four.example", state: .failed,
                                        lastError: "550", nextAttemptAt: nil)

        let due = try await store.dueRecipients(now: Date(), limit: 10)
        XCTAssertEqual(due.map(\.0.id), [first.id, second.id])
        XCTAssertEqual(due[0].1.map(\.address), ["a@one.example"])
        XCTAssertEqual(due[0].0.recipients.count, 3, "the message comes with all its recipients")
        XCTAssertEqual(due[1].1.map(\.address), ["d@three.example"])

        let limited = try await store.dueRecipients(now: Date(), limit: 1)
        XCTAssertEqual(limited.map(\.0.id), [first.id])
        let none = try await store.dueRecipients(now: now.addingTimeInterval(-3600), limit: 10)
        XCTAssertTrue(none.isEmpty)
        let zero = try await store.dueRecipients(now: Date(), limit: 0)
        XCTAssertTrue(zero.isEmpty)

        // Once its time has come, the deferred recipient joins its message's group.
        let later = try await store.dueRecipients(now: soon.addingTimeInterval(1), limit: 10)
        XCTAssertEqual(later.first?.0.id, first.id)
        XCTAssertEqual(later.first?.1.map(\.address), ["a@one.example", "b@one.example"])
    }

    func testRetryNowAndInterruptedDeliveries() async throws {
        let store = try openStore()
        let queued = try await store.enqueueOutbound(outboundDraft(to: ["a@one.example", "b@two.example", "c@three.example"]))
        let tomorrow = Date(timeIntervalSinceNow: 86400)
        try await store.updateRecipient(queueID: queued.id, address: "a@one.example", state: .queued,
                                        lastError: "451", nextAttemptAt: tomorrow)
        try await store.updateRecipient(queueID: queued.id, address: "b@two.example", state: .delivered,
                                        lastError: nil, nextAttemptAt: nil)
        try await store.updateRecipient(queueID: queued.id, address: "c@three.example", state: .delivering,
                                        lastError: nil, nextAttemptAt: tomorrow)
        var due = try await store.dueRecipients(now: Date(), limit: 10)
        XCTAssertTrue(due.isEmpty)

        try await store.retryNow(queueID: queued.id)
        due = try await store.dueRecipients(now: Date(), limit: 10)
        XCTAssertEqual(due.first?.1.map(\.address), ["a@one.example"], "delivered and in-flight ones are not retried")
        let read = try await XCTUnwrapAsync(try await store.queuedMessage(id: queued.id))
        XCTAssertEqual(read.recipients[0].attempts, 1, "retry does not count an attempt")

        // After a crash, `delivering` means unknown: it is tried again.
        let requeued = try await store.requeueInterruptedDeliveries()
        XCTAssertEqual(requeued, 1)
        due = try await store.dueRecipients(now: Date(), limit: 10)
        XCTAssertEqual(due.first?.1.map(\.address), ["a@one.example", "c@three.example"])
        let again = try await store.requeueInterruptedDeliveries()
        XCTAssertEqual(again, 0)
    }

    func testDeleteRemovesRowsAndBodyFile() async throws {
        let (store, _, inbox) = try await sqliteStoreWithInbox()
        let kept = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("kept")))
        let queued = try await store.enqueueOutbound(outboundDraft())
        let other = try await store.enqueueOutbound(outboundDraft("other"))
        XCTAssertEqual(bodyFileNames().count, 3)
        try await store.deleteQueuedMessage(id: queued.id)
        XCTAssertEqual(bodyFileNames().count, 2)
        let left = try await store.queuedMessage(id: queued.id)
        XCTAssertNil(left)
        await assertQueueThrows(try await store.queuedMessageBody(id: queued.id)) { error in
            XCTAssertEqual(error as? QueueError, .messageNotFound(queued.id))
        }
        let rows = try await store.pool.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbound_recipient WHERE message_id = ?",
                             arguments: [queued.id])
        }
        XCTAssertEqual(rows, 0)
        let otherBody = try await store.queuedMessageBody(id: other.id)
        XCTAssertEqual(otherBody, sampleMessage("other"))
        let keptBody = try await store.messageBody(mailboxID: inbox.id, uid: kept.uid)
        XCTAssertEqual(keptBody, sampleMessage("kept"))
    }
}

/// Asserts that `expression` throws and hands the error to `check`.
func assertQueueThrows<T>(_ expression: @autoclosure () async throws -> T, file: StaticString = #filePath,
                          line: UInt = #line, _ check: (Error) -> Void) async {
    do {
        _ = try await expression()
        XCTFail("expected an error", file: file, line: line)
    } catch {
        check(error)
    }
}

/// A draft from alice to two remote recipients (or `recipients`).
func outboundDraft(_ subject: String = "out", sender: String = "alice@example.org",
                   to recipients: [String] = ["bob@remote.example", "carol@other.example"]) -> OutboundMessageDraft {
    OutboundMessageDraft(sender: sender, recipients: recipients.map { OutboundMessageDraft.Recipient(address: $0) },
                         body: sampleMessage(subject))
}
