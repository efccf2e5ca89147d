import Foundation
import GRDB
import Logging
import MailCore
import XCTest
@testable import MailStore

/// Opens a store on a data directory. Every test of the `MailStore`
/// contract gets its store through one, so another backend (PostgreSQL)
/// runs the same suite by supplying its own factory: two calls with the
/// same directory must give two instances on the same data ("two nodes").
/// (Not the product's `StoreFactory`, through which `sqlite` opens.)
typealias TestStoreFactory = @Sendable (_ directory: String) throws -> any MailStore

enum StoreFactories {
    /// The embedded store: SQLite and body files in the directory, made
    /// by the product's factory as `tern serve` makes it.
    static let sqlite: TestStoreFactory = { directory in
        var logger = Logger(label: "test.mailstore")
        logger.logLevel = .warning
        return try StoreFactory.open(StoreSettings(backend: .sqlite), dataDirectory: directory, logger: logger)
    }
}

/// A fresh temporary data directory per test, removed afterwards.
///
/// `openStore()` and `storeWithInbox()` give the backend under test through
/// `storeFactory` (the contract tests use only them); the tests of
/// SQLite's own mechanics (files, migrations, its connection pool) use
/// `openSQLiteStore()` and `sqliteStoreWithInbox()`.
class StoreTestCase: XCTestCase {
    var directory = ""
    private var opened: [any MailStore] = []

    /// The backend the contract tests run against.
    var storeFactory: TestStoreFactory { StoreFactories.sqlite }

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "tern-store-test-" + UUID().uuidString
    }

    override func tearDown() async throws {
        for store in opened {
            try? await store.close()
        }
        opened = []
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A new instance of the backend under test on this test's data
    /// directory (a second call: a second "node" on the same data).
    func openStore() throws -> any MailStore {
        let store = try storeFactory(directory)
        opened.append(store)
        return store
    }

    /// The SQLite store itself, for tests of its own mechanics.
    func openSQLiteStore(removeOrphanFiles: Bool = false) throws -> SQLiteMailStore {
        var logger = Logger(label: "test.mailstore")
        logger.logLevel = .warning
        let store = try SQLiteMailStore(directory: directory, logger: logger, removeOrphanFiles: removeOrphanFiles)
        opened.append(store)
        return store
    }

    /// A data directory as an older release left it: the schema migrated
    /// up to `migration` only, then `sql` run; for the migration tests.
    func writeOldDatabase(upTo migration: String, sql: String) async throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let queue = try DatabaseQueue(path: directory + "/tern.sqlite")
        try Schema.migrator.migrate(queue, upTo: migration)
        try await queue.write { db in try db.execute(sql: sql) }
        try queue.close()
    }

    /// A store with one account; returns it with the account's INBOX.
    func storeWithInbox() async throws -> (any MailStore, Account, Mailbox) {
        let store = try openStore()
        let (account, inbox) = try await createAlice(in: store)
        return (store, account, inbox)
    }

    /// `storeWithInbox` on the SQLite store itself.
    func sqliteStoreWithInbox() async throws -> (SQLiteMailStore, Account, Mailbox) {
        let store = try openSQLiteStore()
        let (account, inbox) = try await createAlice(in: store)
        return (store, account, inbox)
    }

    private func createAlice(in store: any MailStore) async throws -> (Account, Mailbox) {
        let account = try await store.createAccount(address: "alice@example.org", passwordHash: "$6$x$y")
        let inbox = try await store.mailbox(accountID: account.id, name: "INBOX")
        return (account, try XCTUnwrap(inbox))
    }

    /// Body files currently on disk (including temp files).
    func bodyFileNames() -> [String] {
        let root = directory + "/messages"
        let subdirectories = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return subdirectories.flatMap { sub in
            ((try? FileManager.default.contentsOfDirectory(atPath: root + "/" + sub)) ?? [])
        }.sorted()
    }
}

func sampleMessage(_ subject: String, id: String? = nil) -> [UInt8] {
    var text = "From: bob@example.org\r\nTo: alice@example.org\r\nSubject: \(subject)\r\n"
    if let id { text += "Message-ID: <\(id)>\r\n" }
    text += "\r\nBody of \(subject)\r\n"
    return Array(text.utf8)
}

/// Waits for the next element of the stream, at most `seconds`; true when one came.
func nextWakeUp(_ iterator: inout AsyncStream<Void>.AsyncIterator, within seconds: Double) async -> Bool {
    let box = IteratorBox(iterator)
    let result = await withTaskGroup(of: Bool.self) { group in
        group.addTask { await box.next() }
        group.addTask {
            try? await Task.sleep(for: .seconds(seconds))
            return false
        }
        let first = await group.next() ?? false
        group.cancelAll()
        return first
    }
    iterator = box.iterator
    return result
}

/// Lets a child task advance an iterator owned by the test.
final class IteratorBox: @unchecked Sendable {
    var iterator: AsyncStream<Void>.AsyncIterator
    init(_ iterator: AsyncStream<Void>.AsyncIterator) { self.iterator = iterator }
    func next() async -> Bool { await iterator.next() != nil }
}
