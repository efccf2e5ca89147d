import Foundation
import MailCore
import XCTest
@testable import MailStore

/// The save date (RFC 8514): when a message was saved in its mailbox, by
/// append, delivery, copy or move; none for rows from before v11.
final class SaveDateTests: StoreTestCase {
    func testEveryWayInSetsTheSaveDate() async throws {
        let (store, account, inbox) = try await storeWithInbox()
        let before = Date().timeIntervalSince1970.rounded(.down)
        let old = Date(timeIntervalSince1970: 1_000_000_000)
        let appended = try await store.appendMessage(mailboxID: inbox.id,
                                                     NewMessage(body: sampleMessage("a"), internalDate: old))
        let saved = try XCTUnwrap(appended.savedDate)
        XCTAssertGreaterThanOrEqual(saved.timeIntervalSince1970, before)
        XCTAssertEqual(appended.internalDate, old, "the internal date is the client's, the save date now")
        let read = try await store.message(mailboxID: inbox.id, uid: appended.uid)
        XCTAssertEqual(read?.savedDate, saved)
        XCTAssertEqual(read, appended)

        let sent = try await store.mailbox(accountID: account.id, name: "Sent")
        let copies = try await store.copyMessages(from: inbox.id, uids: [appended.uid], to: try XCTUnwrap(sent).id)
        let copy = try await store.message(mailboxID: try XCTUnwrap(sent).id, uid: try XCTUnwrap(copies.first).1)
        XCTAssertNotNil(copy?.savedDate)
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(copy?.savedDate), saved)
        let delivered = try await store.deliverMessage(NewMessage(body: sampleMessage("b")), to: [inbox.id])
        XCTAssertNotNil(delivered.first?.savedDate)
    }

    func testRowsFromBeforeTheMigrationHaveNone() async throws {
        try await writeOldDatabase(upTo: "v10-quota", sql: """
            INSERT INTO account (id, address, password_hash, created_at) VALUES (1, 'alice@example.org', 'h', 0);
            INSERT INTO mailbox (id, account_id, name, uid_validity, uid_next, highest_modseq)
                VALUES (1, 1, 'INBOX', 7, 2, 1);
            INSERT INTO message (mailbox_id, uid, modseq, internal_date, size, content_hash, body_file, parsed_structure)
                VALUES (1, 1, 1, 0, 27, 'h1', 'f1', x'7b7d');
            """)
        let store = try openSQLiteStore(removeOrphanFiles: false)
        let record = try await store.message(mailboxID: 1, uid: 1)
        XCTAssertNotNil(record)
        XCTAssertNil(record?.savedDate)
    }
}
