import Foundation
import GRDB
import MailCore
import XCTest
@testable import MailStore

/// The per-mailbox counters (v6 migration): `mailboxStatus` must always
/// agree with the messages themselves, whichever operation changed them.
final class MailboxCounterTests: StoreTestCase {
    /// The counters as the messages say they should be.
    private func expectedStatus(_ store: SQLiteMailStore, _ mailboxID: MailboxID) async throws -> MailboxStatus {
        let value1 = try await store.mailbox(id: mailboxID)
        let mailbox = try XCTUnwrap(value1)
        let records = try await store.messages(mailboxID: mailboxID)
        return MailboxStatus(mailboxID: mailboxID, messages: records.count,
                             unseen: records.count { !$0.flags.contains(.seen) },
                             deleted: records.count { $0.flags.contains(.deleted) },
                             size: Int64(records.reduce(0) { $0 + $1.size }),
                             uidNext: mailbox.uidNext, uidValidity: mailbox.uidValidity,
                             highestModSeq: mailbox.highestModSeq)
    }

    private func assertCounters(_ store: SQLiteMailStore, _ mailboxID: MailboxID, _ message: String,
                                file: StaticString = #filePath, line: UInt = #line) async throws {
        let expected = try await expectedStatus(store, mailboxID)
        let status = try await store.mailboxStatus(id: mailboxID)
        XCTAssertEqual(status, expected, message, file: file, line: line)
    }

    func testCountersFollowAppendFlagsAndExpunge() async throws {
        let (store, _, inbox) = try await sqliteStoreWithInbox()
        let empty = try await store.mailboxStatus(id: inbox.id)
        XCTAssertEqual([empty.messages, empty.unseen, empty.deleted], [0, 0, 0])
        XCTAssertEqual(empty.size, 0)
        let a = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("a")))
        let b = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("bb"), flags: .seen))
        let c = try await store.appendMessage(mailboxID: inbox.id,
                                              NewMessage(body: sampleMessage("ccc"), flags: [.seen, .deleted]))
        let status = try await store.mailboxStatus(id: inbox.id)
        XCTAssertEqual([status.messages, status.unseen, status.deleted], [3, 1, 1])
        XCTAssertEqual(status.size, Int64(a.size + b.size + c.size))
        XCTAssertEqual(status.uidNext, 4)
        XCTAssertEqual(status.highestModSeq, c.modSeq)
        try await assertCounters(store, inbox.id, "after appends")

        _ = try await store.updateFlags(mailboxID: inbox.id, uids: [a.uid, b.uid], operation: .add,
                                        flags: [.seen, .deleted], keywords: [])
        try await assertCounters(store, inbox.id, "after +FLAGS")
        let value2 = try await store.mailboxStatus(id: inbox.id).deleted
        XCTAssertEqual(value2, 3)
        _ = try await store.updateFlags(mailboxID: inbox.id, uids: [c.uid], operation: .remove,
                                        flags: [.seen, .deleted], keywords: [])
        try await assertCounters(store, inbox.id, "after -FLAGS")
        _ = try await store.updateFlags(mailboxID: inbox.id, uids: [a.uid], operation: .replace,
                                        flags: [.flagged], keywords: ["$Label"])
        try await assertCounters(store, inbox.id, "after FLAGS (replace)")
        _ = try await store.updateFlags(mailboxID: inbox.id, uids: [b.uid], operation: .add, flags: [.answered],
                                        keywords: ["x"])
        try await assertCounters(store, inbox.id, "a change of other flags")

        _ = try await store.expunge(mailboxID: inbox.id, uids: [a.uid, 99])
        try await assertCounters(store, inbox.id, "after expunge")
        let after = try await store.mailboxStatus(id: inbox.id)
        XCTAssertEqual(after.messages, 2)
        XCTAssertEqual(after.size, Int64(b.size + c.size))
    }

    func testCountersFollowCopyMoveAndRename() async throws {
        let (store, alice, inbox) = try await sqliteStoreWithInbox()
        let value3 = try await store.mailbox(accountID: alice.id, name: "Archive")
        let archive = try XCTUnwrap(value3)
        let records = try await store.appendCopies(mailboxID: inbox.id,
                                                   of: NewMessage(body: sampleMessage("bulk"), flags: .deleted),
                                                   count: 5)
        _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("seen"), flags: .seen))
        try await assertCounters(store, inbox.id, "after bulk append")

        _ = try await store.copyMessages(from: inbox.id, uids: records.prefix(2).map(\.uid), to: archive.id)
        try await assertCounters(store, inbox.id, "copy leaves the source")
        try await assertCounters(store, archive.id, "copy fills the target")
        let value4 = try await store.mailboxStatus(id: archive.id).messages
        XCTAssertEqual(value4, 2)

        _ = try await store.moveMessages(from: inbox.id, uids: [records[2].uid, records[3].uid, 6], to: archive.id)
        try await assertCounters(store, inbox.id, "move empties the source")
        try await assertCounters(store, archive.id, "move fills the target")
        let value5 = try await store.mailboxStatus(id: inbox.id).messages
        XCTAssertEqual(value5, 3, "uids 1, 2 and 5 stay")
        let value6 = try await store.mailboxStatus(id: archive.id).messages
        XCTAssertEqual(value6, 5)

        _ = try await store.moveMessages(from: archive.id, uids: [1], to: archive.id)
        try await assertCounters(store, archive.id, "a move within the mailbox")

        // Renaming INBOX moves its messages into the new mailbox.
        try await store.renameMailbox(id: inbox.id, to: "Old")
        let value7 = try await store.mailbox(accountID: alice.id, name: "Old")
        let old = try XCTUnwrap(value7)
        try await assertCounters(store, inbox.id, "INBOX after rename")
        try await assertCounters(store, old.id, "the mailbox INBOX moved into")
        let value8 = try await store.mailboxStatus(id: inbox.id).messages
        XCTAssertEqual(value8, 0)
        let value9 = try await store.mailboxStatus(id: old.id).messages
        XCTAssertEqual(value9, 3)
    }

    func testDeletedMailboxHasNoStatusAndOthersStay() async throws {
        let (store, alice, inbox) = try await sqliteStoreWithInbox()
        let work = try await store.createMailbox(accountID: alice.id, name: "Work", specialUse: nil)
        _ = try await store.appendMessage(mailboxID: work.id, NewMessage(body: sampleMessage("w")))
        _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("i")))
        _ = try await store.copyMessages(from: work.id, uids: [1], to: inbox.id)
        try await store.deleteMailbox(id: work.id)
        do {
            _ = try await store.mailboxStatus(id: work.id)
            XCTFail("a deleted mailbox has no status")
        } catch let error as MailStoreError {
            XCTAssertEqual(error, .mailboxNotFound(String(work.id)))
        }
        try await assertCounters(store, inbox.id, "the other mailbox keeps its counts")
        let value10 = try await store.mailboxStatus(id: inbox.id).messages
        XCTAssertEqual(value10, 2)
    }

    func testStatusesOfAnAccountInOneRead() async throws {
        let (store, alice, inbox) = try await sqliteStoreWithInbox()
        let bob = try await store.createAccount(address: "bob@example.org", passwordHash: "h")
        _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("a")))
        let statuses = try await store.mailboxStatuses(accountID: alice.id)
        let mailboxes = try await store.mailboxes(accountID: alice.id)
        XCTAssertEqual(Set(statuses.keys), Set(mailboxes.map(\.id)))
        for mailbox in mailboxes {
            let single = try await store.mailboxStatus(id: mailbox.id)
            XCTAssertEqual(statuses[mailbox.id], single)
        }
        XCTAssertEqual(statuses[inbox.id]?.messages, 1)
        let bobs = try await store.mailboxStatuses(accountID: bob.id)
        XCTAssertTrue(Set(bobs.keys).isDisjoint(with: statuses.keys), "only the account's own mailboxes")
        let value11 = try await store.mailboxStatuses(accountID: 999)
        XCTAssertEqual(value11, [:])
    }

    /// A v5 database with messages gets its counters filled from the rows,
    /// and the triggers keep them from then on.
    func testMigrationFromV5FillsCounters() async throws {
        try await writeOldDatabase(upTo: "v5-account-disabled", sql: """
            INSERT INTO account (id, address, password_hash, created_at) VALUES (1, 'a@x.org', 'h', 0);
            INSERT INTO mailbox (id, account_id, name, uid_validity, uid_next, highest_modseq)
                VALUES (1, 1, 'INBOX', 7, 4, 9), (2, 1, 'Empty', 8, 1, 1);
            INSERT INTO message (mailbox_id, uid, modseq, flags, internal_date, size, content_hash, body_file,
                                 parsed_structure)
                VALUES (1, 1, 2, 0, 0, 100, 'h1', 'f1', x'7b7d'),
                       (1, 2, 5, 1, 0, 200, 'h2', 'f2', x'7b7d'),
                       (1, 3, 9, 9, 0, 300, 'h3', 'f3', x'7b7d');
            """)
        let store = try openSQLiteStore()
        let status = try await store.mailboxStatus(id: 1)
        XCTAssertEqual(status, MailboxStatus(mailboxID: 1, messages: 3, unseen: 1, deleted: 1, size: 600,
                                             uidNext: 4, uidValidity: 7, highestModSeq: 9))
        let empty = try await store.mailboxStatus(id: 2)
        XCTAssertEqual([empty.messages, empty.unseen, empty.deleted], [0, 0, 0])
        _ = try await store.updateFlags(mailboxID: 1, uids: [1], operation: .add, flags: .seen, keywords: [])
        _ = try await store.appendMessage(mailboxID: 1, NewMessage(body: sampleMessage("new")))
        try await assertCounters(store, 1, "triggers run on a migrated database")
        let value12 = try await store.mailboxStatus(id: 1).unseen
        XCTAssertEqual(value12, 1)
    }

    /// A refused change leaves the counters of both mailboxes as they were.
    func testRefusedMoveLeavesCounters() async throws {
        let (store, alice, inbox) = try await sqliteStoreWithInbox()
        _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("a")))
        let before = try await store.mailboxStatus(id: inbox.id)
        let other = try await store.createAccount(address: "bob@example.org", passwordHash: "h")
        let value13 = try await store.mailbox(accountID: other.id, name: "INBOX")
        let foreign = try XCTUnwrap(value13)
        do {
            // A move to another account's mailbox is refused inside the transaction.
            _ = try await store.moveMessages(from: inbox.id, uids: [1], to: foreign.id)
            XCTFail("moved across accounts")
        } catch {}
        let value14 = try await store.mailboxStatus(id: inbox.id)
        XCTAssertEqual(value14, before)
        let value15 = try await store.mailboxStatus(id: foreign.id).messages
        XCTAssertEqual(value15, 0)
        _ = alice
    }
}
