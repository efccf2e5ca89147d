import Foundation
import MailCore
import XCTest
@testable import MailStore

/// `messageSortKeys` (v12): the keys kept with each message are the ones
/// its header gives (`MessageSortKeys(SortableMessage(header:))`), for every
/// way a message comes in; rows from before v12 have none.
final class SortKeysStoreTests: StoreTestCase {
    static let header = "Date: Tue, 2 Jan 2024 12:00:00 +0200\r\nFrom: =?utf-8?q?=C3=89mile?= <emile@x>\r\n"
        + "To: Bob <bob@x>\r\nCc: carol@x\r\nSubject: Re: [list] Caf\u{e9} plans\r\n"

    func expectedKeys(_ body: [UInt8], internalDate: Date) -> MessageSortKeys {
        MessageSortKeys(SortableMessage(id: 0, internalDate: MailDate(secondsSinceEpoch: Int64(internalDate.timeIntervalSince1970)),
                                        size: body.count, header: body))
    }

    func testKeysOfEveryWayIn() async throws {
        let (store, account, inbox) = try await storeWithInbox()
        let date = Date(timeIntervalSince1970: 1_700_000_000)
        let body = Array((Self.header + "\r\nHello\r\n").utf8)
        let appended = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: body, internalDate: date))
        let noDate = Array("Subject: no date\r\n\r\nx\r\n".utf8)
        let second = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: noDate, internalDate: date))
        let sentMailbox = try await store.mailbox(accountID: account.id, name: "Sent")
        let sent = try XCTUnwrap(sentMailbox)
        _ = try await store.copyMessages(from: inbox.id, uids: [appended.uid], to: sent.id)
        _ = try await store.deliverMessage(NewMessage(body: body, internalDate: date), to: [sent.id])

        let rows = try await store.messageSortKeys(mailboxID: inbox.id, uids: [second.uid, appended.uid, 999], keys: Set(SortKey.allCases))
        XCTAssertEqual(rows.map(\.uid), [appended.uid, second.uid], "ascending, missing skipped")
        XCTAssertEqual(rows[0].keys, expectedKeys(body, internalDate: date))
        XCTAssertEqual(rows[0].keys?.sentDate, 1_704_189_600, "the Date field in UTC")
        XCTAssertEqual(rows[0].keys?.subject, UnicodeCasemap.key("Café plans"))
        XCTAssertEqual(rows[0].keys?.displayFrom, UnicodeCasemap.key("Émile"))
        XCTAssertEqual(rows[0].size, body.count)
        XCTAssertEqual(rows[1].keys?.sentDate, 1_700_000_000, "no Date: the internal date")
        // Only the text keys asked for are read.
        let dateOnly = try await store.messageSortKeys(mailboxID: inbox.id, uids: [appended.uid], keys: [.date, .subject])
        XCTAssertEqual(dateOnly.first?.keys?.sentDate, 1_704_189_600)
        XCTAssertEqual(dateOnly.first?.keys?.subject, UnicodeCasemap.key("Café plans"))
        XCTAssertEqual(dateOnly.first?.keys?.from, [])
        let copies = try await store.messageSortKeys(mailboxID: sent.id, uids: [1, 2], keys: Set(SortKey.allCases))
        XCTAssertEqual(copies.map(\.keys), [expectedKeys(body, internalDate: date), expectedKeys(body, internalDate: date)],
                       "a copy keeps the keys, a delivery computes the same")
    }

    /// Rows that kept their header fields (v8) get their keys in the
    /// migration, computed as for a new message.
    func testMigrationFillsTheKeysOfRowsWithCachedFields() async throws {
        let cached = Self.header + "\r\n"
        try await writeOldDatabase(upTo: "v11-save-date", sql: """
            INSERT INTO account (id, address, password_hash, created_at) VALUES (1, 'alice@example.org', 'h', 0);
            INSERT INTO mailbox (id, account_id, name, uid_validity, uid_next, highest_modseq)
                VALUES (1, 1, 'INBOX', 7, 2, 1);
            INSERT INTO message (mailbox_id, uid, modseq, internal_date, size, content_hash, body_file, parsed_structure,
                                 cached_header_fields)
                VALUES (1, 1, 1, 1700000000, 300, 'h1', 'f1', x'7b7d', CAST('\(cached.replacingOccurrences(of: "'", with: "''"))' AS BLOB));
            """)
        let store = try openSQLiteStore(removeOrphanFiles: false)
        let rows = try await store.messageSortKeys(mailboxID: 1, uids: [1], keys: Set(SortKey.allCases))
        XCTAssertEqual(rows.first?.keys, expectedKeys(Array(cached.utf8), internalDate: Date(timeIntervalSince1970: 1_700_000_000)))
        XCTAssertEqual(rows.first?.keys?.sentDate, 1_704_189_600)
    }

    func testRowsFromBeforeTheMigrationHaveNoKeys() async throws {
        try await writeOldDatabase(upTo: "v11-save-date", sql: """
            INSERT INTO account (id, address, password_hash, created_at) VALUES (1, 'alice@example.org', 'h', 0);
            INSERT INTO mailbox (id, account_id, name, uid_validity, uid_next, highest_modseq)
                VALUES (1, 1, 'INBOX', 7, 2, 1);
            INSERT INTO message (mailbox_id, uid, modseq, internal_date, size, content_hash, body_file, parsed_structure)
                VALUES (1, 1, 1, 5, 27, 'h1', 'f1', x'7b7d');
            """)
        let store = try openSQLiteStore(removeOrphanFiles: false)
        let rows = try await store.messageSortKeys(mailboxID: 1, uids: [1], keys: Set(SortKey.allCases))
        XCTAssertEqual(rows, [MessageSortRow(uid: 1, size: 27, internalDate: Date(timeIntervalSince1970: 5), keys: nil)])
        do {
            _ = try await store.messageSortKeys(mailboxID: 42, uids: [1], keys: [])
            XCTFail("unknown mailbox")
        } catch let error as MailStoreError {
            XCTAssertEqual(error.kind, .notFound)
        }
    }
}
