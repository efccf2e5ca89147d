import Foundation
import GRDB
import MailCore
import XCTest
@testable import MailStore

/// `check(repair:)`: for each `StoreDamageKind` a fixture damages a sound
/// store on purpose; the check finds it (and only it), the repair mends
/// it, and a second check finds nothing.
final class StoreCheckTests: StoreTestCase {
    /// A store with three INBOX messages and one queued message.
    private func populatedStore() async throws -> (SQLiteMailStore, Mailbox) {
        let (store, _, inbox) = try await sqliteStoreWithInbox()
        for index in 1...3 {
            _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("m\(index)")))
        }
        _ = try await store.enqueueOutbound(OutboundMessageDraft(
            sender: "alice@example.org", recipients: [.init(address: "x@remote.example")], body: sampleMessage("out")))
        return (store, inbox)
    }

    private func bodyPath(_ store: SQLiteMailStore, _ sql: String) async throws -> String {
        let name = try await store.pool.read { db in try XCTUnwrap(String.fetchOne(db, sql: sql)) }
        return try store.bodies.path(for: name)
    }

    /// Damages `store` as `kind` says; returns the store to check (a
    /// fixture that rewrites the database reopens it).
    private func damage(_ kind: StoreDamageKind, _ store: SQLiteMailStore, _ inbox: Mailbox) async throws
        -> SQLiteMailStore {
        switch kind {
        case .integrity:
            // The index's entries keyed by another column than its definition
            // says: what a torn index page looks like to integrity_check.
            try await store.close()
            let path = directory + "/tern.sqlite"
            let real = "CREATE INDEX message_by_body_file ON message(body_file)"
            for (definition, thenReindex) in [("CREATE INDEX message_by_body_file ON message(size)", true),
                                              (real, false)] {
                let queue = try DatabaseQueue(path: path)
                try await queue.writeWithoutTransaction { db in
                    try db.execute(sql: "PRAGMA writable_schema = ON")
                    try db.execute(sql: "UPDATE sqlite_master SET sql = ? WHERE name = 'message_by_body_file'",
                                   arguments: [definition])
                    try db.execute(sql: "PRAGMA writable_schema = OFF")
                }
                try queue.close()
                if thenReindex {
                    let again = try DatabaseQueue(path: path)
                    try await again.writeWithoutTransaction { try $0.execute(sql: "REINDEX message_by_body_file") }
                    try again.close()
                }
            }
            return try openSQLiteStore()
        case .danglingRow:
            try await store.pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA foreign_keys = OFF")
                try db.execute(sql: "INSERT INTO change_log (mailbox_id, modseq, uid, kind) VALUES (999, 1, 1, 'added')")
                try db.execute(sql: "PRAGMA foreign_keys = ON")
            }
        case .missingMessageBody:
            let path = try await bodyPath(store, "SELECT body_file FROM message WHERE uid = 2")
            XCTAssertEqual(unlink(path), 0)
        case .missingQueuedBody:
            let path = try await bodyPath(store, "SELECT body_file FROM outbound_message")
            XCTAssertEqual(unlink(path), 0)
        case .mailboxSequence:
            try await store.pool.write { db in
                try db.execute(sql: "UPDATE mailbox SET uid_next = 2, highest_modseq = 1 WHERE id = ?",
                               arguments: [inbox.id])
            }
        case .mailboxCounters:
            try await store.pool.write { db in
                try db.execute(sql: "UPDATE mailbox SET message_count = 7, unseen_count = 0 WHERE id = ?",
                               arguments: [inbox.id])
            }
        case .unreferencedBody:
            let stray = try store.bodies.writeDurably(sampleMessage("stray"))
            let old = Date(timeIntervalSinceNow: -2 * SQLiteMailStore.orphanGracePeriod)
            try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: store.bodies.path(for: stray))
            // A young stray may be a delivery between fsync and commit: left alone.
            _ = try store.bodies.writeDurably(sampleMessage("young"))
        }
        return store
    }

    private func checkFindsAndRepairs(_ kind: StoreDamageKind) async throws -> SQLiteMailStore {
        let (sound, inbox) = try await populatedStore()
        let clean = try await sound.check(repair: false)
        XCTAssertEqual(clean.findings, [], "a new store is sound")
        let store = try await damage(kind, sound, inbox)
        let found = try await store.check(repair: false)
        XCTAssertFalse(found.findings.isEmpty, "\(kind) is found")
        XCTAssertEqual(Set(found.findings.map(\.kind)), [kind], "\(found.findings)")
        XCTAssertTrue(found.findings.allSatisfy { !$0.repaired })
        let repaired = try await store.check(repair: true)
        XCTAssertEqual(repaired.findings.map(\.detail), found.findings.map(\.detail))
        XCTAssertEqual(repaired.unrepaired, [], "\(kind) is mended")
        let after = try await store.check(repair: false)
        XCTAssertEqual(after.findings, [], "nothing left after the repair of \(kind)")
        return store
    }

    func testEveryKindOfDamageIsFoundAndMended() async throws {
        for kind in StoreDamageKind.allCases {
            try await tearDown()
            try setUpWithError()
            _ = try await checkFindsAndRepairs(kind)
        }
    }

    /// A repair beside a writer (the server while `tern store check
    /// --repair` runs) finds nothing and takes nothing: bodies between
    /// fsync and commit are young, rows are read inside the transaction.
    func testRepairBesideConcurrentAppendsTakesNothing() async throws {
        let (store, inbox) = try await populatedStore()
        let writer = try openStore()
        let appender = Task {
            var uids: [MessageUID] = []
            for index in 0..<60 {
                let record = try await writer.appendMessage(mailboxID: inbox.id,
                                                            NewMessage(body: sampleMessage("beside \(index)")))
                uids.append(record.uid)
            }
            return uids
        }
        var reports: [StoreCheckReport] = []
        for _ in 0..<5 { reports.append(try await store.check(repair: true)) }
        let appended = try await appender.value
        XCTAssertEqual(reports.flatMap(\.findings), [])
        let messages = try await store.messages(mailboxID: inbox.id)
        XCTAssertEqual(messages.count, 3 + appended.count)
        for uid in appended { _ = try await store.messageBody(mailboxID: inbox.id, uid: uid) }
    }

    func testMessageWithoutBodyIsExpungedVisibly() async throws {
        let store = try await checkFindsAndRepairs(.missingMessageBody)
        let found = try await store.mailbox(accountID: 1, name: "INBOX")
        let inbox = try XCTUnwrap(found)
        let left = try await store.messages(mailboxID: inbox.id)
        XCTAssertEqual(left.map(\.uid), [1, 3])
        // Three appends took MODSEQs 2...4; the repair's expunge takes 5.
        let changes = try await store.changes(mailboxID: inbox.id, after: 4)
        XCTAssertEqual(changes.map(\.kind), [.expunged])
        XCTAssertEqual(changes.map(\.uid), [2])
        XCTAssertEqual(inbox.highestModSeq, changes.last?.modSeq)
    }

    func testMailboxSequenceIsRaised() async throws {
        let store = try await checkFindsAndRepairs(.mailboxSequence)
        let found = try await store.mailbox(accountID: 1, name: "INBOX")
        let inbox = try XCTUnwrap(found)
        XCTAssertEqual(inbox.uidNext, 4)
        XCTAssertEqual(inbox.highestModSeq, 4)
        let next = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("next")))
        XCTAssertEqual(next.uid, 4, "no UID is reused")
    }

    func testMailboxCountersAreRecounted() async throws {
        let store = try await checkFindsAndRepairs(.mailboxCounters)
        let found = try await store.mailbox(accountID: 1, name: "INBOX")
        let inbox = try XCTUnwrap(found)
        let status = try await store.mailboxStatus(id: inbox.id)
        let records = try await store.messages(mailboxID: inbox.id)
        XCTAssertEqual(status.messages, records.count)
        XCTAssertEqual(status.unseen, records.count { !$0.flags.contains(.seen) })
    }

    func testQueuedMessageWithoutBodyIsRemoved() async throws {
        let store = try await checkFindsAndRepairs(.missingQueuedBody)
        let queued = try await store.queuedMessages()
        XCTAssertEqual(queued.count, 0)
    }

    func testOnlyOldStrayFilesAreRemoved() async throws {
        let store = try await checkFindsAndRepairs(.unreferencedBody)
        // Three messages, the queued one, and the young stray.
        XCTAssertEqual(store.bodies.allFiles().count, 5)
    }
}
