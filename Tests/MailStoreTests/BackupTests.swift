import Foundation
import Logging
import MailCore
import Synchronization
import XCTest
@testable import MailStore

/// `backup(to:)` and `StoreFactory.verifyBackup`/`restore`.
final class BackupTests: StoreTestCase {
    private var extraDirectories: [String] = []

    override func tearDown() async throws {
        try await super.tearDown()
        for path in extraDirectories { try? FileManager.default.removeItem(atPath: path) }
        extraDirectories = []
    }

    private func newDirectory(_ name: String) -> String {
        let path = NSTemporaryDirectory() + "tern-\(name)-" + UUID().uuidString
        extraDirectories.append(path)
        return path
    }

    private func open(_ path: String) throws -> any MailStore {
        var logger = Logger(label: "test.backup")
        logger.logLevel = .warning
        return try StoreFactory.open(StoreSettings(), dataDirectory: path, logger: logger)
    }

    /// Appends run from a second store instance on the same directory (as
    /// `tern serve` beside `tern backup`); every append that returned before
    /// the backup began is in the restored copy, byte for byte.
    func testBackupUnderConcurrentAppendsHoldsEveryAcknowledgedMessage() async throws {
        let (store, _, inbox) = try await storeWithInbox()
        let writer = try openStore()
        let acknowledged = Shared<[MessageUID: [UInt8]]>([:])
        let stop = Shared(false)
        let appender = Task {
            for index in 0..<2000 {
                if stop.value { break }
                let body = sampleMessage("concurrent \(index)")
                let record = try await writer.appendMessage(mailboxID: inbox.id, NewMessage(body: body))
                acknowledged.update { $0[record.uid] = body }
            }
        }
        while acknowledged.value.count < 40 { try await Task.sleep(for: .milliseconds(5)) }
        let before = acknowledged.value
        let backup = newDirectory("backup")
        let summary = try await store.backup(to: backup)
        stop.update { $0 = true }
        try await appender.value

        XCTAssertGreaterThanOrEqual(summary.messages, before.count)
        XCTAssertEqual(try StoreFactory.verifyBackup(StoreSettings(), backup: backup), summary)
        let restoredDirectory = newDirectory("restored")
        _ = try StoreFactory.restore(StoreSettings(), backup: backup, into: restoredDirectory, replacingExisting: false)
        let restored = try open(restoredDirectory)
        let messages = try await restored.messages(mailboxID: inbox.id)
        XCTAssertEqual(messages.count, summary.messages)
        let uids = Set(messages.map(\.uid))
        for (uid, body) in before {
            XCTAssertTrue(uids.contains(uid), "UID \(uid), acknowledged before the backup, is in it")
            let stored = try await restored.messageBody(mailboxID: inbox.id, uid: uid)
            XCTAssertEqual(stored, body)
        }
        for message in messages {
            _ = try await restored.messageBody(mailboxID: inbox.id, uid: message.uid)
        }
        let report = try await restored.check(repair: false)
        XCTAssertEqual(report.findings, [])
        try await restored.close()
    }

    func testBackupCopiesQueueAndLeavesOutUnreferencedFiles() async throws {
        let (store, _, inbox) = try await sqliteStoreWithInbox()
        _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("kept")))
        let gone = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("gone")))
        _ = try await store.expunge(mailboxID: inbox.id, uids: [gone.uid])
        _ = try await store.enqueueOutbound(OutboundMessageDraft(
            sender: "alice@example.org", recipients: [.init(address: "x@remote.example")], body: sampleMessage("out")))
        _ = try store.bodies.writeDurably(sampleMessage("stray"))
        let backup = newDirectory("backup")
        let summary = try await store.backup(to: backup)
        XCTAssertEqual(summary, StoreBackupSummary(messages: 1, queuedMessages: 1, bodyFiles: 2))
        XCTAssertEqual(BodyFileStore(existingRoot: backup + "/messages").allFiles().count, 2)
        let restoredDirectory = newDirectory("restored")
        _ = try StoreFactory.restore(StoreSettings(), backup: backup, into: restoredDirectory, replacingExisting: false)
        let restored = try open(restoredDirectory)
        let queued = try await restored.queuedMessages()
        XCTAssertEqual(queued.count, 1)
        let body = try await restored.queuedMessageBody(id: queued[0].id)
        XCTAssertEqual(body, sampleMessage("out"))
        try await restored.close()
    }

    /// On the same file system the backup's bodies are hard links; on
    /// another (tmpfs /dev/shm, when it is one) they are copies.
    func testBackupLinksOnOneFileSystemAndCopiesAcross() async throws {
        let (store, _, inbox) = try await sqliteStoreWithInbox()
        _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("one")))
        let linked = newDirectory("linked")
        _ = try await store.backup(to: linked)
        let linkedFile = try XCTUnwrap(BodyFileStore(existingRoot: linked + "/messages").allFiles().first)
        XCTAssertEqual(try linkCount(linkedFile.path), 2, "a hard link to the live body")

        var shm = stat()
        var temporary = stat()
        guard stat("/dev/shm", &shm) == 0, stat(NSTemporaryDirectory(), &temporary) == 0,
              shm.st_dev != temporary.st_dev, access("/dev/shm", W_OK) == 0 else {
            throw XCTSkip("no second writable file system at /dev/shm")
        }
        let copied = "/dev/shm/tern-backup-" + UUID().uuidString
        extraDirectories.append(copied)
        _ = try await store.backup(to: copied)
        let copiedFile = try XCTUnwrap(BodyFileStore(existingRoot: copied + "/messages").allFiles().first)
        XCTAssertEqual(try linkCount(copiedFile.path), 1, "a copy")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: copiedFile.path)), Data(sampleMessage("one")))
        let restoredDirectory = newDirectory("restored")
        _ = try StoreFactory.restore(StoreSettings(), backup: copied, into: restoredDirectory, replacingExisting: false)
        let restored = try open(restoredDirectory)
        let body = try await restored.messageBody(mailboxID: inbox.id, uid: 1)
        XCTAssertEqual(body, sampleMessage("one"))
        try await restored.close()
    }

    private func linkCount(_ path: String) throws -> Int {
        var info = stat()
        guard stat(path, &info) == 0 else { throw MailStoreError.storageFailure("stat \(path)") }
        return Int(info.st_nlink)
    }

    func testBackupRefusesANonEmptyDirectory() async throws {
        let (store, _, _) = try await storeWithInbox()
        let backup = newDirectory("backup")
        try FileManager.default.createDirectory(atPath: backup, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: backup + "/something", contents: Data())
        do {
            _ = try await store.backup(to: backup)
            XCTFail("backed up into a non-empty directory")
        } catch MailStoreError.storageFailure(let reason) {
            XCTAssertTrue(reason.contains("not empty"), reason)
        }
    }

    func testRestoreVerifiesTheBackupAndRefusesAnExistingStore() async throws {
        let (store, _, inbox) = try await storeWithInbox()
        _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("one")))
        let backup = newDirectory("backup")
        _ = try await store.backup(to: backup)

        // Over an existing store only when forced.
        let target = newDirectory("target")
        try await open(target).close()
        XCTAssertThrowsError(try StoreFactory.restore(StoreSettings(), backup: backup, into: target,
                                                      replacingExisting: false)) { error in
            XCTAssertTrue("\(error)".contains("already holds a store"), "\(error)")
        }
        _ = try StoreFactory.restore(StoreSettings(), backup: backup, into: target, replacingExisting: true)
        let restored = try open(target)
        let restoredMessages = try await restored.messages(mailboxID: inbox.id)
        XCTAssertEqual(restoredMessages.count, 1)
        try await restored.close()

        // A backup missing a body is refused before anything is replaced.
        let body = try XCTUnwrap(BodyFileStore(existingRoot: backup + "/messages").allFiles().first)
        XCTAssertEqual(unlink(body.path), 0)
        XCTAssertThrowsError(try StoreFactory.verifyBackup(StoreSettings(), backup: backup)) { error in
            XCTAssertTrue("\(error)".contains("lacks 1 of its 1 body files"), "\(error)")
        }
        XCTAssertThrowsError(try StoreFactory.restore(StoreSettings(), backup: backup, into: target,
                                                      replacingExisting: true))
        let untouched = try open(target)
        let untouchedMessages = try await untouched.messages(mailboxID: inbox.id)
        XCTAssertEqual(untouchedMessages.count, 1)
        try await untouched.close()
        XCTAssertThrowsError(try StoreFactory.verifyBackup(StoreSettings(), backup: newDirectory("empty")))
    }

    func testFactoryOpensAndFindsStores() async throws {
        XCTAssertFalse(StoreFactory.storeExists(StoreSettings(), dataDirectory: directory))
        let store = try open(directory)
        XCTAssertTrue(store is SQLiteMailStore)
        XCTAssertTrue(StoreFactory.storeExists(StoreSettings(), dataDirectory: directory))
        try await store.close()
        XCTAssertNotNil(StoreFactory.unavailability(of: .postgresql))
        XCTAssertNil(StoreFactory.unavailability(of: .sqlite))
    }
}

/// A value tasks share.
final class Shared<Value: Sendable>: Sendable {
    private let storage: Mutex<Value>
    init(_ value: Value) { storage = Mutex(value) }
    var value: Value { storage.withLock { $0 } }
    func update(_ change: (inout Value) -> Void) { storage.withLock { change(&$0) } }
}
