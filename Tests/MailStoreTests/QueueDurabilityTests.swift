import Foundation
import GRDB
import XCTest
@testable import MailStore

/// The queue across close/reopen, crashes, failed transactions and
/// several store instances (the server and `tern queue` at once).
final class QueueDurabilityTests: StoreTestCase {
    func testQueueSurvivesCloseAndReopen() async throws {
        let store = try openSQLiteStore()
        let first = try await store.enqueueOutbound(outboundDraft("first"))
        let second = try await store.enqueueOutbound(outboundDraft("second", to: ["z@remote.example"]))
        try await store.updateRecipient(queueID: first.id, address: "bob@remote.example", state: .queued,
                                        lastError: "421 busy", nextAttemptAt: Date(timeIntervalSinceNow: 600))
        let expected = try await store.queuedMessages()
        try await store.close()

        let reopened = try openSQLiteStore()
        let after = try await reopened.queuedMessages()
        XCTAssertEqual(after, expected)
        XCTAssertEqual(after.map(\.id), [first.id, second.id])
        let body = try await reopened.queuedMessageBody(id: second.id)
        XCTAssertEqual(body, sampleMessage("second"))
        let migrations = try await reopened.pool.read { db in try Schema.migrator.appliedMigrations(db) }
        XCTAssertEqual(migrations, ["v1-initial", "v2-outbound-queue", "v3-queue-claims-and-delay-notices",
                                    "v4-subscriptions", "v5-account-disabled", "v6-mailbox-counters",
                                    "v7-search-text", "v8-header-cache", "v9-recent", "v10-quota", "v11-save-date", "v12-sort-keys",
                                    "v13-metadata", "v14-full-text"])
    }

    /// A crash between the body's fsync and the commit leaves a file and no
    /// queue row; the start-up sweep removes it, never a queued body.
    func testCrashBetweenBodyAndCommitLeavesNoRowAndSweepRemovesFile() async throws {
        let store = try openSQLiteStore()
        let queued = try await store.enqueueOutbound(outboundDraft("queued"))
        let queuedFile = try XCTUnwrap(bodyFileNames().first)
        // The interrupted enqueue: the body is durable, the transaction never ran.
        let orphan = try store.bodies.writeDurably(sampleMessage("interrupted"))
        let old = Date(timeIntervalSinceNow: -3600)
        for name in [orphan, queuedFile] {
            try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: store.bodies.path(for: name))
        }
        try await store.close()

        let cleaned = try openSQLiteStore(removeOrphanFiles: true)
        XCTAssertEqual(bodyFileNames(), [queuedFile])
        let messages = try await cleaned.queuedMessages()
        XCTAssertEqual(messages.map(\.id), [queued.id])
        let body = try await cleaned.queuedMessageBody(id: queued.id)
        XCTAssertEqual(body, sampleMessage("queued"))
    }

    /// A failing transaction (here: the store's database refuses writes)
    /// leaves neither a row nor the body file.
    func testFailedTransactionRemovesTheBodyFile() async throws {
        let store = try openSQLiteStore()
        try await store.pool.write { db in
            try db.execute(sql: """
                CREATE TRIGGER refuse_queue BEFORE INSERT ON outbound_message
                BEGIN SELECT RAISE(ABORT, 'disk full (test)'); END
                """)
        }
        await assertQueueThrows(try await store.enqueueOutbound(outboundDraft())) { error in
            guard case .storageFailure? = error as? MailStoreError else {
                return XCTFail("expected storageFailure, got \(error)")
            }
        }
        XCTAssertEqual(bodyFileNames(), [])
        let messages = try await store.queuedMessages()
        XCTAssertEqual(messages, [])
    }

    func testConcurrentEnqueuesFromTwoInstances() async throws {
        let first = try openSQLiteStore()
        let second = try openSQLiteStore()
        let ids = try await withThrowingTaskGroup(of: String.self) { group in
            for i in 0..<20 {
                let store = i.isMultiple(of: 2) ? first : second
                let draft = outboundDraft("c\(i)", to: ["r\(i)@remote.example"])
                group.addTask { try await store.enqueueOutbound(draft).id }
            }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        XCTAssertEqual(Set(ids).count, 20)
        let all = try await first.queuedMessages()
        XCTAssertEqual(Set(all.map(\.id)), Set(ids))
        XCTAssertEqual(bodyFileNames().count, 20)
        for message in all {
            let body = try await second.queuedMessageBody(id: message.id)
            XCTAssertEqual(body, sampleMessage("c" + message.recipients[0].address.dropFirst().prefix { $0 != "@" }))
        }
    }

    func testTwoStoreInstancesSeeEachOthersQueue() async throws {
        let server = try openSQLiteStore()
        let admin = try openSQLiteStore()
        let queued = try await server.enqueueOutbound(outboundDraft())
        let seen = try await admin.queuedMessage(id: queued.id)
        XCTAssertEqual(seen, queued)
        try await admin.updateRecipient(queueID: queued.id, address: "bob@remote.example", state: .queued,
                                        lastError: "451", nextAttemptAt: Date(timeIntervalSinceNow: 3600))
        try await admin.retryNow(queueID: queued.id)
        let due = try await server.dueRecipients(now: Date(), limit: 5)
        XCTAssertEqual(due.first?.1.count, 2)
        try await admin.deleteQueuedMessage(id: queued.id)
        let gone = try await server.queuedMessages()
        XCTAssertEqual(gone, [])
        XCTAssertEqual(bodyFileNames(), [])
    }
}
