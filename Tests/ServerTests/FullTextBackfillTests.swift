import Foundation
import GRDB
import Logging
import MailCore
import XCTest
@testable import MailStore
@testable import Server

/// `FullTextBackfill.run`: what the server does after start for messages
/// stored before the full-text index, in batches until none is left.
final class FullTextBackfillTests: XCTestCase {
    private var directory = ""

    override func setUp() {
        directory = NSTemporaryDirectory() + "tern-backfill-" + UUID().uuidString
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    func testIndexesEveryMessageInBatches() async throws {
        let store = try SQLiteMailStore(directory: directory, logger: Logger(label: "test"))
        try await store.addDomain("example.org")
        let account = try await store.createAccount(address: "alice@example.org", passwordHash: "x")
        let found = try await store.mailbox(accountID: account.id, name: "INBOX")
        let inbox = try XCTUnwrap(found)
        let count = FullTextBackfill.batchSize * 2 + 50
        let messages = (1...count).map { number in
            NewMessage(body: Array("Subject: \(number)\r\n\r\n\(number % 7 == 0 ? "sevenfold" : "plain") text\r\n".utf8),
                       internalDate: Date())
        }
        _ = try await store.appendMessages(mailboxID: inbox.id, messages)
        try await store.pool.write { db in try db.execute(sql: "DELETE FROM message_text") }
        let before = try await store.searchCandidates(mailboxID: inbox.id, field: .body, needle: Array("sevenfold".utf8))
        XCTAssertEqual(before?.count, count, "not indexed: every message a candidate")

        await FullTextBackfill.run(store: store, logger: Logger(label: "test"))

        let after = try await store.searchCandidates(mailboxID: inbox.id, field: .body, needle: Array("sevenfold".utf8))
        XCTAssertEqual(after, Set((1...count).filter { $0 % 7 == 0 }.map { MessageUID($0) }))
        let left = try await store.indexForFullTextSearch(after: 0, limit: 10)
        XCTAssertNil(left)
        try await store.close()
    }
}
