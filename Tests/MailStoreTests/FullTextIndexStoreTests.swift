import Foundation
import GRDB
import MailCore
import XCTest
@testable import MailStore

/// `searchCandidates` (v14): every way in writes the index row, every way
/// out removes it, a copy copies it, rows from before v14 are candidates
/// always, and a needle shorter than a trigram cannot narrow.
final class FullTextIndexStoreTests: StoreTestCase {
    static func message(_ subject: String, body: String, extraHeader: String = "") -> [UInt8] {
        Array("Subject: \(subject)\r\nFrom: a@x\r\n\(extraHeader)Content-Type: text/plain; charset=utf-8\r\n\r\n\(body)\r\n".utf8)
    }

    func candidates(_ store: any MailStore, _ mailbox: MailboxID, _ field: FullTextField, _ needle: String) async throws
        -> Set<MessageUID>? {
        try await store.searchCandidates(mailboxID: mailbox, field: field, needle: SearchFolding.needle(Array(needle.utf8)))
    }

    func indexRows(_ store: SQLiteMailStore) async throws -> Int {
        try await store.pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM message_text") ?? 0 }
    }

    func testEveryWayInIsIndexedAndEveryWayOutRemoved() async throws {
        let (store, account, inbox) = try await sqliteStoreWithInbox()
        let date = Date(timeIntervalSince1970: 1_700_000_000)
        let hello = try await store.appendMessage(mailboxID: inbox.id,
            NewMessage(body: Self.message("Greeting", body: "Hello World", extraHeader: "X-Tag: Zebra\r\n"), internalDate: date))
        let other = try await store.appendMessages(mailboxID: inbox.id,
            [NewMessage(body: Self.message("Other", body: "nothing here"), internalDate: date)])
        _ = try await store.deliverMessage(NewMessage(body: Self.message("Deliv", body: "CAF\u{c9} cr\u{e8}me"), internalDate: date),
                                           to: [inbox.id])
        // Substrings of words, case-insensitive on the folded text.
        let ello = try await candidates(store, inbox.id, .body, "ELLO")
        XCTAssertEqual(ello, [hello.uid])
        let zebra = try await candidates(store, inbox.id, .header, "zebr")
        XCTAssertEqual(zebra, [hello.uid])
        let zebraInBody = try await candidates(store, inbox.id, .body, "zebr")
        XCTAssertEqual(zebraInBody, [])
        let zebraText = try await candidates(store, inbox.id, .text, "zebr")
        XCTAssertEqual(zebraText, [hello.uid])
        let cafe = try await candidates(store, inbox.id, .body, "caf\u{e9}")
        XCTAssertEqual(cafe, [3], "non-ASCII folded the way SEARCH folds")
        let cafeWithoutAccent = try await candidates(store, inbox.id, .body, "cafe")
        XCTAssertEqual(cafeWithoutAccent, [], "diacritics are kept (RFC 9051 compares characters)")
        let short = try await candidates(store, inbox.id, .body, "he")
        XCTAssertNil(short, "no trigram in a two-character needle")
        XCTAssertEqual(other.count, 1)

        // Copy and move carry the index row; expunge removes it.
        let sentMailbox = try await store.mailbox(accountID: account.id, name: "Sent")
        let sent = try XCTUnwrap(sentMailbox)
        _ = try await store.copyMessages(from: inbox.id, uids: [hello.uid], to: sent.id)
        let copied = try await candidates(store, sent.id, .body, "world")
        XCTAssertEqual(copied, [1])
        _ = try await store.moveMessages(from: sent.id, uids: [1], to: inbox.id)
        let moved = try await candidates(store, inbox.id, .body, "world")
        XCTAssertEqual(moved, [hello.uid, 4])
        let rowsBefore = try await indexRows(store)
        XCTAssertEqual(rowsBefore, 4)
        _ = try await store.expunge(mailboxID: inbox.id, uids: [hello.uid])
        let afterExpunge = try await indexRows(store)
        XCTAssertEqual(afterExpunge, 3)

        // Mailbox and account deletion (ON DELETE CASCADE) remove the rows.
        let trash = try await store.createMailbox(accountID: account.id, name: "Old", specialUse: nil)
        _ = try await store.copyMessages(from: inbox.id, uids: [4], to: trash.id)
        try await store.deleteMailbox(id: trash.id)
        let afterMailboxDelete = try await indexRows(store)
        XCTAssertEqual(afterMailboxDelete, 3)
        try await store.deleteAccount(id: account.id)
        let afterAccountDelete = try await indexRows(store)
        XCTAssertEqual(afterAccountDelete, 0)
    }

    /// A row stored before v14 has no index row: it is a candidate for
    /// every needle (the exact rule decides), so nothing is missed.
    func testRowsFromBeforeTheMigrationAreAlwaysCandidates() async throws {
        try await writeOldDatabase(upTo: "v12-sort-keys", sql: """
            INSERT INTO account (id, address, password_hash, created_at) VALUES (1, 'alice@example.org', 'h', 0);
            INSERT INTO mailbox (id, account_id, name, uid_validity, uid_next, highest_modseq)
                VALUES (1, 1, 'INBOX', 7, 2, 1);
            INSERT INTO message (mailbox_id, uid, modseq, internal_date, size, content_hash, body_file, parsed_structure)
                VALUES (1, 1, 1, 5, 27, 'h1', 'f1', x'7b7d');
            """)
        let store = try openSQLiteStore(removeOrphanFiles: false)
        _ = try await store.appendMessage(mailboxID: 1, NewMessage(body: Self.message("New", body: "fresh text"),
                                                                    internalDate: Date()))
        let fresh = try await candidates(store, 1, .body, "fresh")
        XCTAssertEqual(fresh, [1, 2])
        let none = try await candidates(store, 1, .text, "absent needle")
        XCTAssertEqual(none, [1])
        do {
            _ = try await candidates(store, 42, .body, "fresh")
            XCTFail("unknown mailbox")
        } catch let error as MailStoreError {
            guard case .mailboxNotFound = error else { return XCTFail("\(error)") }
        }
    }

    /// A quote in the needle is part of the phrase, not FTS5 syntax.
    func testNeedleWithFTSSyntaxIsLiteral() async throws {
        let (store, _, inbox) = try await storeWithInbox()
        _ = try await store.appendMessage(mailboxID: inbox.id,
            NewMessage(body: Self.message("q", body: "say \"hi\" OR NOT * there"), internalDate: Date()))
        let quoted = try await candidates(store, inbox.id, .body, "\"hi\" or")
        XCTAssertEqual(quoted, [1])
        let star = try await candidates(store, inbox.id, .body, "not * th")
        XCTAssertEqual(star, [1])
        let miss = try await candidates(store, inbox.id, .body, "\"hi\" and")
        XCTAssertEqual(miss, [])
    }

    /// The background pass indexes what has no index row (a message stored
    /// before v14), in batches from a position; an unreadable body gets an
    /// incomplete row and stays a candidate; then nothing is left.
    func testBackfillIndexesMessagesStoredBeforeTheIndex() async throws {
        let (store, _, inbox) = try await sqliteStoreWithInbox()
        for number in 1...5 {
            _ = try await store.appendMessage(mailboxID: inbox.id,
                NewMessage(body: Self.message("m\(number)", body: number == 3 ? "needle here" : "hay"), internalDate: Date()))
        }
        // As before v14: no index rows; message 5's body file is gone.
        try await store.pool.write { db in
            try db.execute(sql: "DELETE FROM message_text")
            try db.execute(sql: "UPDATE message SET body_file = 'missing' WHERE uid = 5")
        }
        let before = try await candidates(store, inbox.id, .body, "needle")
        XCTAssertEqual(before, [1, 2, 3, 4, 5])
        let first = try await store.indexForFullTextSearch(after: 0, limit: 2)
        let firstPosition = try XCTUnwrap(first)
        let halfway = try await candidates(store, inbox.id, .body, "needle")
        XCTAssertEqual(halfway, [3, 4, 5])
        var position = firstPosition
        while let next = try await store.indexForFullTextSearch(after: position, limit: 2) { position = next }
        let after = try await candidates(store, inbox.id, .body, "needle")
        XCTAssertEqual(after, [3, 5], "the unreadable message stays a candidate")
        let rows = try await indexRows(store)
        XCTAssertEqual(rows, 5)
        let again = try await store.indexForFullTextSearch(after: 0, limit: 100)
        XCTAssertNil(again, "nothing left to index")
    }

    /// Text over the limit is not indexed: always a candidate.
    func testOversizedTextIsAlwaysACandidate() async throws {
        let (store, _, inbox) = try await storeWithInbox()
        let long = String(repeating: "abcdefgh ", count: FullTextIndex.maximumIndexedCharacters / 9 + 1)
        _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: Self.message("big", body: long), internalDate: Date()))
        _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: Self.message("small", body: "tiny"), internalDate: Date()))
        let found = try await candidates(store, inbox.id, .body, "zzzzzz")
        XCTAssertEqual(found, [1])
    }
}
