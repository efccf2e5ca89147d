// The store's check-then-act operations, each one transaction (the
// contract at the top of `MailStore`): conditional STORE, expunge of
// `\Deleted`, MULTIAPPEND, delivery to several mailboxes, MOVE.
import Foundation
import GRDB
import MailCore
import XCTest
@testable import MailStore

final class AtomicOperationTests: StoreTestCase {
    func append(_ store: any MailStore, _ inbox: Mailbox, _ count: Int, flags: MessageFlags = []) async throws
        -> [MessageRecord] {
        var records: [MessageRecord] = []
        for index in 0..<count {
            records.append(try await store.appendMessage(
                mailboxID: inbox.id, NewMessage(body: sampleMessage("m\(index)"), flags: flags)))
        }
        return records
    }

    // MARK: Conditional STORE (RFC 7162 §3.1.3)

    func testUnchangedSinceRefusesMessagesChangedAfterIt() async throws {
        let (store, _, inbox) = try await storeWithInbox()
        let records = try await append(store, inbox, 3)
        let before = records.map(\.modSeq).max()!
        // Another client changes message 2 after the client's last look.
        let other = try await store.updateFlags(mailboxID: inbox.id, uids: [records[1].uid], operation: .add,
                                                flags: [.flagged], keywords: [], unchangedSince: nil)
        XCTAssertEqual(other.changed.map(\.uid), [records[1].uid])

        let result = try await store.updateFlags(mailboxID: inbox.id, uids: records.map(\.uid), operation: .add,
                                                 flags: [.seen], keywords: [], unchangedSince: before)
        XCTAssertEqual(result.modified, [records[1].uid])
        XCTAssertEqual(result.changed.map(\.uid), [records[0].uid, records[2].uid])
        let second = try await store.message(mailboxID: inbox.id, uid: records[1].uid)
        XCTAssertEqual(second?.flags, [.flagged], "the refused message keeps the other client's change")
        XCTAssertEqual(second?.modSeq, other.changed[0].modSeq)
        // The changed ones took the next MODSEQs, in UID order.
        XCTAssertEqual(result.changed.map(\.modSeq), [other.changed[0].modSeq + 1, other.changed[0].modSeq + 2])
    }

    func testUnchangedSinceEqualToTheModSeqPassesAndZeroAlwaysFails() async throws {
        let (store, _, inbox) = try await storeWithInbox()
        let record = try await append(store, inbox, 1)[0]
        let zero = try await store.updateFlags(mailboxID: inbox.id, uids: [record.uid], operation: .add,
                                               flags: [.seen], keywords: [], unchangedSince: 0)
        XCTAssertEqual(zero, FlagUpdateResult(changed: [], modified: [record.uid]))
        let equal = try await store.updateFlags(mailboxID: inbox.id, uids: [record.uid], operation: .add,
                                                flags: [.seen], keywords: [], unchangedSince: record.modSeq)
        XCTAssertEqual(equal.modified, [])
        XCTAssertEqual(equal.changed.map(\.uid), [record.uid])
        // A repeat is idempotent: nothing changes, no MODSEQ is taken, nothing is refused.
        let repeated = try await store.updateFlags(mailboxID: inbox.id, uids: [record.uid, 999], operation: .add,
                                                   flags: [.seen], keywords: [],
                                                   unchangedSince: equal.changed[0].modSeq)
        XCTAssertEqual(repeated, FlagUpdateResult(changed: [], modified: []))
        let mailbox = try await store.mailbox(id: inbox.id)
        XCTAssertEqual(mailbox?.highestModSeq, equal.changed[0].modSeq)
    }

    // MARK: Expunge of \Deleted

    func testExpungeDeletedRemovesOnlyDeletedMessagesAmongTheUIDs() async throws {
        let (store, _, inbox) = try await storeWithInbox()
        let records = try await append(store, inbox, 4)
        let uids = records.map(\.uid)
        _ = try await store.updateFlags(mailboxID: inbox.id, uids: Array(uids[0...2]), operation: .add,
                                        flags: [.deleted], keywords: [])
        let some = try await store.expungeDeleted(mailboxID: inbox.id, uids: [uids[3], uids[2], uids[1], 4711])
        XCTAssertEqual(some, [uids[1], uids[2]])
        let rest = try await store.expungeDeleted(mailboxID: inbox.id, uids: nil)
        XCTAssertEqual(rest, [uids[0]])
        let left = try await store.messages(mailboxID: inbox.id)
        XCTAssertEqual(left.map(\.uid), [uids[3]])
        let again = try await store.expungeDeleted(mailboxID: inbox.id, uids: nil)
        XCTAssertEqual(again, [], "idempotent")
        let changes = try await store.changes(mailboxID: inbox.id, after: 0)
        XCTAssertEqual(changes.filter { $0.kind == .expunged }.map(\.uid), [uids[1], uids[2], uids[0]])
        XCTAssertEqual(changes.map(\.modSeq), changes.map(\.modSeq).sorted(), "log rows in MODSEQ order")
    }

    func testExpungeDeletedKeepsAMessageUndeletedBeforeIt() async throws {
        let (store, _, inbox) = try await storeWithInbox()
        let records = try await append(store, inbox, 2, flags: [.deleted])
        // Another session takes \Deleted off message 1 after this one saw it set.
        _ = try await store.updateFlags(mailboxID: inbox.id, uids: [records[0].uid], operation: .remove,
                                        flags: [.deleted], keywords: [])
        let removed = try await store.expungeDeleted(mailboxID: inbox.id, uids: records.map(\.uid))
        XCTAssertEqual(removed, [records[1].uid])
        let left = try await store.messages(mailboxID: inbox.id)
        XCTAssertEqual(left.map(\.uid), [records[0].uid])
    }

    // MARK: MULTIAPPEND (RFC 3502)

    func testAppendMessagesStoresAllWithConsecutiveUIDs() async throws {
        let (store, _, inbox) = try await storeWithInbox()
        let messages = (0..<3).map { NewMessage(body: sampleMessage("multi \($0)"), flags: $0 == 1 ? [.seen] : []) }
        let records = try await store.appendMessages(mailboxID: inbox.id, messages)
        XCTAssertEqual(records.map(\.uid), [1, 2, 3])
        XCTAssertEqual(records.map(\.modSeq), [inbox.highestModSeq + 1, inbox.highestModSeq + 2,
                                               inbox.highestModSeq + 3])
        XCTAssertEqual(records[1].flags, [.seen])
        for (record, message) in zip(records, messages) {
            let body = try await store.messageBody(mailboxID: inbox.id, uid: record.uid)
            XCTAssertEqual(body, message.body)
        }
        let empty = try await store.appendMessages(mailboxID: inbox.id, [])
        XCTAssertEqual(empty, [])
    }

    /// The third message's row is refused inside the transaction: none of
    /// the three is stored and no body file stays.
    func testAppendMessagesIsAllOrNothing() async throws {
        let (store, _, inbox) = try await sqliteStoreWithInbox()
        try await store.pool.write { db in
            try db.execute(sql: """
                CREATE TRIGGER refuse_third BEFORE INSERT ON message WHEN NEW.uid = 3
                BEGIN SELECT RAISE(ABORT, 'disk full (test)'); END
                """)
        }
        let messages = (0..<3).map { NewMessage(body: sampleMessage("multi \($0)")) }
        do {
            _ = try await store.appendMessages(mailboxID: inbox.id, messages)
            XCTFail("the append succeeded")
        } catch let error as MailStoreError {
            XCTAssertEqual(error.kind, .storageFailure)
        }
        let left = try await store.messages(mailboxID: inbox.id)
        XCTAssertEqual(left, [])
        let mailbox = try await store.mailbox(id: inbox.id)
        XCTAssertEqual(mailbox?.uidNext, 1, "no UID was used")
        let changes = try await store.changes(mailboxID: inbox.id, after: 0)
        XCTAssertEqual(changes, [])
        XCTAssertEqual(bodyFileNames(), [])
    }

    func testAppendMessagesOverTheSizeBoundStoresNothing() async throws {
        let store = try SQLiteMailStore(directory: directory, logger: .init(label: "test"), maximumMessageSize: 100)
        defer { Task { try? await store.close() } }
        let account = try await store.createAccount(address: "a@example.org", passwordHash: "h")
        let inbox = try await XCTUnwrapAsync(try await store.mailbox(accountID: account.id, name: "INBOX"))
        let messages = [NewMessage(body: Array("Subject: a\r\n\r\nsmall\r\n".utf8)),
                        NewMessage(body: [UInt8](repeating: 65, count: 200))]
        do {
            _ = try await store.appendMessages(mailboxID: inbox.id, messages)
            XCTFail("the append succeeded")
        } catch let error as MailStoreError {
            XCTAssertEqual(error, .messageTooLarge(200))
            XCTAssertEqual(error.kind, .invalidRequest)
        }
        let left = try await store.messages(mailboxID: inbox.id)
        XCTAssertEqual(left, [])
        XCTAssertEqual(bodyFileNames(), [])
    }

    // MARK: Delivery to several mailboxes

    func testDeliverMessageStoresOneBodyForEveryMailbox() async throws {
        let (store, alice, inbox) = try await sqliteStoreWithInbox()
        let bob = try await store.createAccount(address: "bob@example.org", passwordHash: "h")
        let bobInbox = try await XCTUnwrapAsync(try await store.mailbox(accountID: bob.id, name: "INBOX"))
        let aliceArchive = try await XCTUnwrapAsync(try await store.mailbox(accountID: alice.id, name: "Archive"))
        let body = sampleMessage("for three")
        let records = try await store.deliverMessage(NewMessage(body: body),
                                                     to: [inbox.id, bobInbox.id, inbox.id, aliceArchive.id])
        XCTAssertEqual(records.map(\.mailboxID), [inbox.id, bobInbox.id, aliceArchive.id], "each mailbox once")
        XCTAssertEqual(Set(records.map(\.contentHash)).count, 1)
        XCTAssertEqual(bodyFileNames().count, 1, "one shared body file")
        for record in records {
            let stored = try await store.messageBody(mailboxID: record.mailboxID, uid: record.uid)
            XCTAssertEqual(stored, body)
        }
        // Expunging one copy keeps the shared file for the others.
        _ = try await store.expunge(mailboxID: inbox.id, uids: [records[0].uid])
        let bobBody = try await store.messageBody(mailboxID: bobInbox.id, uid: records[1].uid)
        XCTAssertEqual(bobBody, body)
        _ = try await store.expunge(mailboxID: bobInbox.id, uids: [records[1].uid])
        _ = try await store.expunge(mailboxID: aliceArchive.id, uids: [records[2].uid])
        XCTAssertEqual(bodyFileNames(), [], "the last reference removes the file")
    }

    /// The store fails in the middle of a delivery to three accounts (the
    /// second account's row is refused): no account has the message.
    func testDeliverMessageFailingInTheMiddleStoresNothing() async throws {
        let (store, _, inbox) = try await sqliteStoreWithInbox()
        var inboxes = [inbox.id]
        for name in ["bob", "carol"] {
            let account = try await store.createAccount(address: "\(name)@example.org", passwordHash: "h")
            inboxes.append(try await XCTUnwrapAsync(try await store.mailbox(accountID: account.id, name: "INBOX")).id)
        }
        try await store.pool.write { [second = inboxes[1]] db in
            try db.execute(sql: """
                CREATE TRIGGER refuse_second BEFORE INSERT ON message WHEN NEW.mailbox_id = \(second)
                BEGIN SELECT RAISE(ABORT, 'disk full (test)'); END
                """)
        }
        do {
            _ = try await store.deliverMessage(NewMessage(body: sampleMessage("x")), to: inboxes)
            XCTFail("the delivery succeeded")
        } catch is MailStoreError {}
        for mailboxID in inboxes {
            let messages = try await store.messages(mailboxID: mailboxID)
            XCTAssertEqual(messages, [])
        }
        XCTAssertEqual(bodyFileNames(), [])
    }

    func testDeliverMessageToAMissingMailboxStoresNothing() async throws {
        let (store, _, inbox) = try await storeWithInbox()
        do {
            _ = try await store.deliverMessage(NewMessage(body: sampleMessage("x")), to: [inbox.id, 987_654])
            XCTFail("the delivery succeeded")
        } catch let error as MailStoreError {
            XCTAssertEqual(error.kind, .notFound)
        }
        let messages = try await store.messages(mailboxID: inbox.id)
        XCTAssertEqual(messages, [])
    }

    // MARK: MOVE (RFC 6851)

    func testMoveIsOneTransaction() async throws {
        let (store, account, inbox) = try await sqliteStoreWithInbox()
        let records = try await append(store, inbox, 2)
        let archive = try await XCTUnwrapAsync(try await store.mailbox(accountID: account.id, name: "Archive"))
        // The expunge half fails: the copy half must not stay either.
        try await store.pool.write { db in
            try db.execute(sql: """
                CREATE TRIGGER refuse_delete BEFORE DELETE ON message
                BEGIN SELECT RAISE(ABORT, 'I/O error (test)'); END
                """)
        }
        do {
            _ = try await store.moveMessages(from: inbox.id, uids: records.map(\.uid), to: archive.id)
            XCTFail("the move succeeded")
        } catch is MailStoreError {}
        let source = try await store.messages(mailboxID: inbox.id)
        XCTAssertEqual(source, records)
        let target = try await store.messages(mailboxID: archive.id)
        XCTAssertEqual(target, [])
        let archiveNow = try await store.mailbox(id: archive.id)
        XCTAssertEqual(archiveNow?.uidNext, archive.uidNext)

        try await store.pool.write { db in try db.execute(sql: "DROP TRIGGER refuse_delete") }
        let pairs = try await store.moveMessages(from: inbox.id, uids: records.map(\.uid), to: archive.id)
        XCTAssertEqual(pairs.map(\.0), records.map(\.uid))
        let moved = try await store.messages(mailboxID: archive.id)
        XCTAssertEqual(moved.map(\.uid), pairs.map(\.1))
        let emptied = try await store.messages(mailboxID: inbox.id)
        XCTAssertEqual(emptied, [])
    }

    // MARK: Error classes

    func testErrorKinds() {
        XCTAssertEqual(MailStoreError.mailboxNotFound("x").kind, .notFound)
        XCTAssertEqual(MailStoreError.messageNotFound(3).kind, .notFound)
        XCTAssertEqual(MailStoreError.accountExists("x").kind, .conflict)
        XCTAssertEqual(MailStoreError.conflict("x").kind, .conflict)
        XCTAssertEqual(MailStoreError.invalidMailboxName("x").kind, .invalidRequest)
        XCTAssertEqual(MailStoreError.temporarilyUnavailable("x").kind, .temporarilyUnavailable)
        XCTAssertEqual(MailStoreError.storageFailure("x").kind, .storageFailure)
        XCTAssertTrue(MailStoreError.isTemporary(MailStoreError.temporarilyUnavailable("busy")))
        XCTAssertFalse(MailStoreError.isTemporary(MailStoreError.storageFailure("corrupt")))
        XCTAssertFalse(MailStoreError.isTemporary(CancellationError()))
        XCTAssertEqual(MailStoreError.posix("write x", errno: ENOSPC).kind, .temporarilyUnavailable)
        XCTAssertEqual(MailStoreError.posix("write x", errno: EIO).kind, .temporarilyUnavailable)
        XCTAssertEqual(MailStoreError.posix("open x", errno: EACCES).kind, .storageFailure)
    }

    func testDatabaseErrorsAreClassified() {
        for code in [ResultCode.SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_IOERR, .SQLITE_FULL] {
            XCTAssertEqual(SQLiteMailStore.classify(DatabaseError(resultCode: code)).kind, .temporarilyUnavailable,
                           "\(code)")
        }
        for code in [ResultCode.SQLITE_CONSTRAINT, .SQLITE_CORRUPT, .SQLITE_MISUSE, .SQLITE_ERROR] {
            XCTAssertEqual(SQLiteMailStore.classify(DatabaseError(resultCode: code)).kind, .storageFailure, "\(code)")
        }
    }

    /// Another writer holds the database's write lock: a write that cannot
    /// get it (here at once; the store waits `busyTimeout` first) fails with
    /// SQLITE_BUSY, which is `temporarilyUnavailable`; once the lock is
    /// released the store writes again.
    func testLockedDatabaseIsTemporarilyUnavailable() async throws {
        let (store, _, inbox) = try await sqliteStoreWithInbox()
        var configuration = Configuration()
        configuration.busyMode = .immediateError
        // The holder keeps its transaction open between two accesses.
        configuration.allowsUnsafeTransactions = true
        let holder = try DatabaseQueue(path: directory + "/tern.sqlite", configuration: configuration)
        try holder.inDatabase { db in try db.execute(sql: "BEGIN IMMEDIATE") }
        let impatient = try DatabaseQueue(path: directory + "/tern.sqlite", configuration: configuration)
        do {
            try impatient.inDatabase { db in
                try db.execute(sql: "UPDATE mailbox SET highest_modseq = highest_modseq WHERE id = ?",
                               arguments: [inbox.id])
            }
            XCTFail("wrote while another connection held the write lock")
        } catch let error as DatabaseError {
            XCTAssertEqual(SQLiteMailStore.classify(error).kind, .temporarilyUnavailable, "\(error)")
        }
        try holder.inDatabase { db in try db.execute(sql: "ROLLBACK") }
        try impatient.close()
        try holder.close()
        let record = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("after")))
        XCTAssertEqual(record.uid, 1)
    }
}
