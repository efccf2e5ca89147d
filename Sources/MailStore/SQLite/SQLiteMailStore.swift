import Foundation
import GRDB
import Logging
import Synchronization

/// The embedded `MailStore`: metadata in SQLite (`<dir>/tern.sqlite`, WAL,
/// `synchronous=FULL`), message bodies as files under `<dir>/messages/`.
///
/// Several processes may open the same directory at once (the server and
/// `tern` admin commands): SQLite serialises their writes (busy timeout),
/// and each one's change notifications see the others' commits.
///
/// Body files are immutable and may be shared by several message rows
/// (COPY/MOVE reference the same file); a file is removed after the commit
/// of the transaction that removed its last reference.
public final class SQLiteMailStore: MailStore {
    /// A body file no row references is only removed at start-up when it is
    /// older than this: a younger one may belong to another process that is
    /// between its fsync and its commit.
    public static let orphanGracePeriod: TimeInterval = 60
    /// How long a writer waits for another process's write lock.
    public static let busyTimeout: TimeInterval = 10

    public let directory: String
    /// Appends of larger bodies fail with `MailStoreError.messageTooLarge`.
    public let maximumMessageSize: Int?
    let logger: Logger
    let pool: DatabasePool
    let bodies: BodyFileStore
    let notifier: ChangeNotifier
    /// Shares one commit among concurrent hot writes (`groupWrite`).
    let groupCommit: GroupCommit
    /// Where `write` runs its transactions.
    let writeQueue = DispatchQueue(label: "tern.mailstore.write")
    /// Bounds the bodies held whole at once to parse their structure.
    let parseBudget = MemoryBudget(limit: SQLiteMailStore.parseBudgetOctets)
    /// 48 MiB: one 40 MB message, or several small ones, at a time.
    public static let parseBudgetOctets = 48 << 20
    private let closed = Mutex(false)

    /// The metadata database in a store's directory.
    static let databaseFileName = "tern.sqlite"

    /// True when `directory` holds a store (its database file), for
    /// commands that must open an existing store and never create one.
    public static func exists(in directory: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: directory + "/" + databaseFileName, isDirectory: &isDirectory)
            && !isDirectory.boolValue
    }

    /// Opens (creating if needed) the store in `directory`.
    /// - Parameters:
    ///   - removeOrphanFiles: delete body and temp files no row references
    ///     that are older than `orphanGracePeriod` (the server does this at
    ///     start to clean up after a crash between fsync and commit).
    ///   - maximumMessageSize: the bound on a stored body in octets, if any.
    public init(directory: String, logger: Logger, removeOrphanFiles: Bool = false,
                maximumMessageSize: Int? = nil) throws {
        self.directory = directory
        self.maximumMessageSize = maximumMessageSize
        self.logger = logger
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                attributes: [.posixPermissions: BodyFileStore.directoryPermissions])
            bodies = try BodyFileStore(root: directory + "/" + BodyFileStore.directoryName)
            var configuration = Configuration()
            configuration.foreignKeysEnabled = true
            configuration.busyMode = .timeout(Self.busyTimeout)
            configuration.prepareDatabase { db in
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }
            let databasePath = directory + "/" + Self.databaseFileName
            // A new database file is private; SQLite gives its -wal and -shm
            // files the same mode. An existing file keeps the admin's mode.
            BodyFileStore.createPrivateFileIfMissing(databasePath)
            pool = try DatabasePool(path: databasePath, configuration: configuration)
            // GRDB sets synchronous=NORMAL when it enables WAL on the writer
            // connection, after prepareDatabase: set FULL again.
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }
            try Schema.migrator.migrate(pool)
        } catch let error as MailStoreError {
            throw error
        } catch {
            throw MailStoreError.storageFailure("cannot open store in \(directory): \(error)")
        }
        notifier = ChangeNotifier(pool: pool, logger: logger)
        groupCommit = GroupCommit(pool: pool)
        if removeOrphanFiles {
            try self.removeOrphanFiles()
            removeAbandonedSpoolFiles()
        }
    }

    public func close() async throws {
        let wasClosed = closed.withLock { closed in
            defer { closed = true }
            return closed
        }
        guard !wasClosed else { return }
        notifier.close()
        do {
            try pool.close()
        } catch {
            throw MailStoreError.storageFailure("close: \(error)")
        }
    }

    public func changeNotifications(mailboxID: MailboxID) -> AsyncStream<Void> {
        if closed.withLock({ $0 }) {
            return AsyncStream { $0.finish() }
        }
        return notifier.subscribe(mailboxID: mailboxID)
    }

    // MARK: Database access

    func checkOpen() throws {
        if closed.withLock({ $0 }) {
            throw MailStoreError.storageFailure("the store is closed")
        }
    }

    /// One write transaction; database errors become `storageFailure`.
    func write<T: Sendable>(_ updates: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try checkOpen()
        try Task.checkCancellation()
        let pool = self.pool
        // GRDB's synchronous write on a thread of its own: one hop there and
        // one back (GRDB's async write takes more, see `read`). One serial
        // queue: writes wait for SQLite's one writer anyway, so waiting
        // writers hold one thread, not one each.
        return try await Self.mapErrors { try await BlockingIO.run(on: self.writeQueue) { try pool.write(updates) } }
    }

    /// One write that may share its transaction, and its commit's fsync,
    /// with concurrent ones (`GroupCommit`): it runs in its own savepoint,
    /// all or nothing, and returns only after the shared commit. Errors are
    /// mapped as by `write`.
    ///
    /// Only the hot writes take this path: `appendMessage(s)` (IMAP APPEND,
    /// imports), `deliverMessage` (every local SMTP recipient),
    /// `enqueueOutbound` (every relayed message) and the queue runner's
    /// `claimRecipients` and `updateRecipient(s)`. They are small, come
    /// many at once under load, and each waits for its fsync before an SMTP
    /// `250` or an IMAP `OK`, so sharing one is where the time goes. The
    /// other writes (flag changes, expunges, copies, mailbox and account
    /// changes, repairs) stay one transaction each through `write`: they
    /// are rarer, and some are large (`STORE 1:*` or an expunge on a big
    /// mailbox, deleting an account, `store check --repair`); in a batch a
    /// delivery queued before such a write would wait for it to finish, and
    /// a disk-full failure half-way through it would fail the delivery too.
    /// Both paths go through GRDB's one writer connection, so every
    /// transaction still commits after the one before it.
    func groupWrite<T: Sendable>(_ updates: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try checkOpen()
        return try await Self.mapErrors { try await self.groupCommit.write(updates) }
    }

    /// One read transaction on a snapshot, run on a thread of its own (the
    /// caller's task waits, its thread goes on): for reads whose size grows
    /// with the mailbox or the account (whole-mailbox summaries, envelope
    /// and body batches, lists). One hop there and one back; GRDB's own
    /// async read takes four (its semaphore actor, then its reader actor),
    /// each a thread wake-up that costs more than a point read itself.
    /// Database errors are mapped as by `mapErrors`.
    func read<T: Sendable>(_ value: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try checkOpen()
        let pool = self.pool
        return try await Self.mapErrors { try await BlockingIO.run { try pool.read(value) } }
    }

    /// One read transaction on a snapshot, run on the calling thread: for
    /// the short reads of every command (rows by key, a mailbox's counters,
    /// the change log after a MODSEQ, a bounded UID batch), which take
    /// microseconds in SQLite and would spend far more in thread hops.
    /// In WAL mode a reader never waits for the writer, so this never
    /// blocks on another transaction (at worst, all GRDB readers busy, on
    /// the pool's semaphore until one returns). Errors are mapped as by `read`.
    ///
    /// The transaction is begun and committed with cached statements: GRDB's
    /// `read` compiles four statements around each read (query-only mode
    /// on and off, BEGIN, COMMIT), several times the cost of a point read.
    func quickRead<T>(_ value: (Database) throws -> T) throws -> T {
        try checkOpen()
        do {
            return try pool.unsafeRead { db in
                try db.cachedStatement(sql: "BEGIN DEFERRED TRANSACTION").execute()
                do {
                    let result = try value(db)
                    try db.cachedStatement(sql: "COMMIT").execute()
                    return result
                } catch {
                    try? db.rollback()
                    throw error
                }
            }
        } catch {
            throw Self.mapError(error)
        }
    }

    /// Rows a read by UID set may name and still run on the calling thread
    /// (`quickRead`): a FETCH batch or a synchronisation's few changes.
    static let quickReadRowLimit = 1_024

    /// A read by a set of `rows` keys: `quickRead` for a small set, `read`
    /// (its own thread) for a large one.
    func read<T: Sendable>(rows: Int, _ value: @escaping @Sendable (Database) throws -> T) async throws -> T {
        if rows <= Self.quickReadRowLimit { return try quickRead(value) }
        return try await read(value)
    }

    static func mapErrors<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            throw mapError(error)
        }
    }

    /// The store's own errors and cancellation pass; a database error is
    /// classified; anything else is a `storageFailure`.
    static func mapError(_ error: any Error) -> any Error {
        switch error {
        case is MailStoreError, is QueueError, is CancellationError: error
        case let error as DatabaseError: classify(error)
        default: MailStoreError.storageFailure("\(error)")
        }
    }

    /// The contract's class of a database error: a busy or locked database
    /// (another writer held the lock past `busyTimeout`), a full disk, an
    /// I/O error or a file that cannot be opened now may pass, so they are
    /// `temporarilyUnavailable`; anything else (a constraint, a corrupt
    /// file, a misuse) is a `storageFailure`. Either way SQLite rolled the
    /// transaction back.
    static func classify(_ error: DatabaseError) -> MailStoreError {
        switch error.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_IOERR, .SQLITE_FULL, .SQLITE_CANTOPEN, .SQLITE_NOMEM,
             .SQLITE_PROTOCOL, .SQLITE_INTERRUPT:
            return .temporarilyUnavailable("\(error)")
        default:
            return .storageFailure("\(error)")
        }
    }

    /// Removes body files after the commit that dropped their last reference.
    func removeBodyFiles(_ fileNames: [String]) async {
        guard !fileNames.isEmpty else { return }
        let bodies = self.bodies
        _ = try? await BlockingIO.run { bodies.remove(fileNames) }
    }

    // MARK: Orphan files

    /// Deletes body files that no message row and no queued message
    /// references, and temp files, both only when older than
    /// `orphanGracePeriod`. Returns how many.
    @discardableResult
    func removeOrphanFiles(now: Date = Date()) throws -> Int {
        let files = bodies.allFiles()
        let orphans: [BodyFileStore.File]
        do {
            orphans = try pool.read { db in try Self.orphans(among: files, now: now, db) }
        } catch {
            throw MailStoreError.storageFailure("orphan scan: \(error)")
        }
        var removed = 0
        for file in orphans where unlink(file.path) == 0 { removed += 1 }
        logger.info("removed orphan message files", metadata: [
            "count": "\(removed)", "directory": "\(bodies.root)",
        ])
        return removed
    }

    /// The orphans among `files` (listed beforehand): temp files, and body
    /// files no row references, both older than `orphanGracePeriod` (a
    /// younger one may belong to a writer between its fsync and its commit).
    /// Files of other names are not the store's and never orphans.
    static func orphans(among files: [BodyFileStore.File], now: Date, _ db: Database) throws
        -> [BodyFileStore.File] {
        try files.filter { file in
            guard now.timeIntervalSince(file.modified) > orphanGracePeriod else { return false }
            if file.name.hasSuffix(BodyFileStore.tempSuffix) { return true }
            return try BodyFileStore.isValidFileName(file.name) && !isReferenced(file.name, db)
        }
    }
}
