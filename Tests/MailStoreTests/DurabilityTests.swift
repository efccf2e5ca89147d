import Foundation
import GRDB
import XCTest
@testable import MailStore

final class DurabilityTests: StoreTestCase {
    func testDatabaseSettings() async throws {
        let store = try openSQLiteStore()
        let (synchronous, journal, foreignKeys) = try await store.pool.writeWithoutTransaction { db in
            (try Int.fetchOne(db, sql: "PRAGMA synchronous"),
             try String.fetchOne(db, sql: "PRAGMA journal_mode"),
             try Int.fetchOne(db, sql: "PRAGMA foreign_keys"))
        }
        XCTAssertEqual(synchronous, 2, "synchronous=FULL")
        XCTAssertEqual(journal, "wal")
        XCTAssertEqual(foreignKeys, 1)
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory + "/tern.sqlite"))
        // Mail is private to the server's user.
        for path in [directory, directory + "/messages", directory + "/tern.sqlite"] {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            let mode = (attributes[.posixPermissions] as? Int ?? 0o777) & 0o077
            XCTAssertEqual(mode, 0, "\(path) must not be readable by group or others")
        }
        let migrations = try await store.pool.read { db in try Schema.migrator.appliedMigrations(db) }
        XCTAssertEqual(migrations, ["v1-initial", "v2-outbound-queue", "v3-queue-claims-and-delay-notices",
                                    "v4-subscriptions", "v5-account-disabled", "v6-mailbox-counters",
                                    "v7-search-text", "v8-header-cache", "v9-recent", "v10-quota", "v11-save-date", "v12-sort-keys",
                                    "v13-metadata", "v14-full-text"])
    }

    /// `exists(in:)` tells a store's directory from an empty or missing one
    /// (`tern sendmail` opens only an existing store).
    func testExistsOnlyWhereAStoreWasOpened() async throws {
        XCTAssertFalse(SQLiteMailStore.exists(in: directory + "/missing"))
        try FileManager.default.createDirectory(atPath: directory + "/empty", withIntermediateDirectories: true)
        XCTAssertFalse(SQLiteMailStore.exists(in: directory + "/empty"))
        try FileManager.default.createDirectory(atPath: directory + "/odd/tern.sqlite", withIntermediateDirectories: true)
        XCTAssertFalse(SQLiteMailStore.exists(in: directory + "/odd"), "a directory named like the database is none")
        let store = try openSQLiteStore()
        XCTAssertTrue(SQLiteMailStore.exists(in: directory))
        try await store.close()
        XCTAssertTrue(SQLiteMailStore.exists(in: directory), "still there once closed")
    }

    func testDataSurvivesCloseAndReopen() async throws {
        let (store, account, inbox) = try await sqliteStoreWithInbox()
        try await store.addDomain("example.org")
        try await store.addAlias(Alias(source: "root@example.org", destinations: ["alice@example.org"]))
        let box = try await store.createMailbox(accountID: account.id, name: "Projects/Tern", specialUse: nil)
        let record = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("persist"), flags: [.flagged]))
        try await store.close()

        let reopened = try openSQLiteStore()
        let domains = try await reopened.domains().map(\.name)
        XCTAssertEqual(domains, ["example.org"])
        let aliases = try await reopened.aliases()
        XCTAssertEqual(aliases.map(\.source), ["root@example.org"])
        let sameAccount = try await reopened.account(address: "alice@example.org")
        XCTAssertEqual(sameAccount, account)
        let sameBox = try await reopened.mailbox(accountID: account.id, name: "Projects/Tern")
        XCTAssertEqual(sameBox, box)
        let messages = try await reopened.messages(mailboxID: inbox.id)
        XCTAssertEqual(messages, [record])
        let body = try await reopened.messageBody(mailboxID: inbox.id, uid: record.uid)
        XCTAssertEqual(body, sampleMessage("persist"))
    }

    func testUIDsAreNeverReusedAfterExpungeAndReopen() async throws {
        let (store, _, inbox) = try await sqliteStoreWithInbox()
        for i in 1...3 {
            _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("m\(i)")))
        }
        _ = try await store.expunge(mailboxID: inbox.id, uids: [2, 3])
        try await store.close()

        let reopened = try openSQLiteStore()
        let next = try await reopened.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("m4")))
        XCTAssertEqual(next.uid, 4)
        _ = try await reopened.expunge(mailboxID: inbox.id, uids: [1, 4])
        let after = try await reopened.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("m5")))
        XCTAssertEqual(after.uid, 5)
        let mailbox = try await reopened.mailbox(id: inbox.id)
        XCTAssertEqual(mailbox?.uidNext, 6)
        XCTAssertEqual(mailbox?.uidValidity, inbox.uidValidity)
        let tombstones = try await reopened.changes(mailboxID: inbox.id, after: 0).filter { $0.kind == .expunged }
        XCTAssertEqual(tombstones.map(\.uid), [2, 3, 1, 4])
    }

    /// A crash between the body's fsync and the metadata commit leaves an
    /// unreferenced file: the start-up sweep removes it once it is older than
    /// the grace period, never a committed body, never a young file.
    func testOrphanFilesRemovedAtStartButCommittedMessagesStay() async throws {
        let (store, _, inbox) = try await sqliteStoreWithInbox()
        let kept = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("kept")))
        let committedFiles = bodyFileNames()
        XCTAssertEqual(committedFiles.count, 1)

        // Simulate the interrupted write: a durable body no row references,
        // and a leftover temp file, both back-dated past the grace period.
        let orphan = try store.bodies.writeDurably(sampleMessage("orphan"))
        let orphanPath = try store.bodies.path(for: orphan)
        let tempPath = try store.bodies.path(for: BodyFileStore.newFileName()) + BodyFileStore.tempSuffix
        try FileManager.default.createDirectory(atPath: (tempPath as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        XCTAssertTrue(FileManager.default.createFile(atPath: tempPath, contents: Data("partial".utf8)))
        let old = Date(timeIntervalSinceNow: -3600)
        for path in [orphanPath, tempPath] {
            try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: path)
        }
        // A young orphan may belong to another process mid-append: it stays.
        let young = try store.bodies.writeDurably(sampleMessage("in flight"))
        // The committed body is old too, but referenced.
        try FileManager.default.setAttributes([.modificationDate: old],
                                              ofItemAtPath: store.bodies.path(for: committedFiles[0]))
        try await store.close()

        // Without the option nothing is removed.
        let plain = try openSQLiteStore()
        XCTAssertEqual(bodyFileNames().count, 4)
        try await plain.close()

        let cleaned = try openSQLiteStore(removeOrphanFiles: true)
        let remaining = bodyFileNames()
        XCTAssertEqual(Set(remaining), Set([committedFiles[0], young]))
        XCTAssertFalse(FileManager.default.fileExists(atPath: orphanPath))
        XCTAssertFalse(FileManager.default.fileExists(atPath: tempPath))
        let body = try await cleaned.messageBody(mailboxID: inbox.id, uid: kept.uid)
        XCTAssertEqual(body, sampleMessage("kept"))
        let messages = try await cleaned.messages(mailboxID: inbox.id)
        XCTAssertEqual(messages, [kept])
    }

    func testOrphanSweepCountsAndSparesReferencedFiles() async throws {
        let (store, account, inbox) = try await sqliteStoreWithInbox()
        let archive = try await XCTUnwrapAsync(try await store.mailbox(accountID: account.id, name: "Archive"))
        _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("a")))
        _ = try await store.copyMessages(from: inbox.id, uids: [1], to: archive.id)
        _ = try store.bodies.writeDurably(sampleMessage("orphan 1"))
        _ = try store.bodies.writeDurably(sampleMessage("orphan 2"))
        XCTAssertEqual(try store.removeOrphanFiles(), 0, "young files are spared")
        XCTAssertEqual(try store.removeOrphanFiles(now: Date(timeIntervalSinceNow: 120)), 2)
        XCTAssertEqual(bodyFileNames().count, 1)
        let copy = try await store.messageBody(mailboxID: archive.id, uid: 1)
        XCTAssertEqual(copy, sampleMessage("a"))
    }

    func testBodyFileNamesAreRandomAndNotFromUserInput() async throws {
        let (store, account, _) = try await sqliteStoreWithInbox()
        let box = try await store.createMailbox(accountID: account.id, name: "evil name", specialUse: nil)
        _ = try await store.appendMessage(mailboxID: box.id, NewMessage(body: sampleMessage("x")))
        let names = bodyFileNames()
        XCTAssertEqual(names.count, 1)
        XCTAssertTrue(BodyFileStore.isValidFileName(names[0]))
        XCTAssertFalse(BodyFileStore.isValidFileName("../../etc/passwd"))
        XCTAssertFalse(BodyFileStore.isValidFileName("0123456789abcdef0123456789ABCDEF.eml"))
        XCTAssertThrowsError(try store.bodies.path(for: "../x.eml"))
    }

    func testConcurrentAppendsGetDistinctUIDs() async throws {
        let (store, _, inbox) = try await sqliteStoreWithInbox()
        let second = try openSQLiteStore()
        let uids = try await withThrowingTaskGroup(of: MessageUID.self) { group in
            for i in 0..<20 {
                let target = i.isMultiple(of: 2) ? store : second
                group.addTask {
                    try await target.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("c\(i)"))).uid
                }
            }
            return try await group.reduce(into: [MessageUID]()) { $0.append($1) }
        }
        XCTAssertEqual(uids.sorted(), Array(1...20))
        let mailbox = try await store.mailbox(id: inbox.id)
        XCTAssertEqual(mailbox?.uidNext, 21)
    }
}
