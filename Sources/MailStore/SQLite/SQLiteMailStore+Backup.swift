import Foundation
import GRDB
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Backup, verification and restore of a store directory.
///
/// A backup directory looks like a store directory: `tern.sqlite` (made
/// with SQLite's online backup API, journal mode DELETE, so it is one
/// self-contained file) and `messages/` with the body files its rows
/// reference (hard links on the same file system: body files are
/// immutable; copies elsewhere).
extension SQLiteMailStore {
    public func backup(to target: String) async throws -> StoreBackupSummary {
        try checkOpen()
        let pool = self.pool
        let bodies = self.bodies
        return try await Self.mapErrors {
            try await BlockingIO.run { try Self.writeBackup(from: pool, bodies: bodies, to: target) }
        }
    }

    /// 1. Without any lock, links every body file present now (nearly all
    ///    the copy will need). 2. In one write transaction on the live store
    ///    (writers wait meanwhile, readers do not): copies the database and
    ///    links the referenced bodies step 1 missed; no body a row
    ///    references can go away while the lock is held, because a file is
    ///    removed only after the commit that dropped its last reference.
    ///    3. Removes the files of step 1 the copy does not reference.
    static func writeBackup(from pool: DatabasePool, bodies: BodyFileStore,
                            to target: String) throws -> StoreBackupSummary {
        try prepareEmptyDirectory(target)
        let copies = try BodyFileStore(root: target + "/" + BodyFileStore.directoryName)
        for file in bodies.allFiles() where BodyFileStore.isValidFileName(file.name) {
            // A file removed since the listing is one no row needs.
            try? copies.importFile(from: file.path, named: file.name)
        }
        let databasePath = target + "/" + databaseFileName
        BodyFileStore.createPrivateFileIfMissing(databasePath)
        let destination = try DatabaseQueue(path: databasePath)
        // SQLite's backup cannot read through the connection holding the
        // write lock (SQLITE_LOCKED): a connection of its own reads.
        var sourceConfiguration = Configuration()
        sourceConfiguration.busyMode = .timeout(busyTimeout)
        let source = try DatabaseQueue(path: pool.path, configuration: sourceConfiguration)
        defer { try? source.close() }
        var referenced = Set<String>()
        var summary = StoreBackupSummary(messages: 0, queuedMessages: 0, bodyFiles: 0)
        try pool.write { db in
            try source.backup(to: destination)
            try destination.writeWithoutTransaction { try $0.execute(sql: "PRAGMA journal_mode = DELETE") }
            referenced = try Set(String.fetchAll(db, sql: Self.referencedBodyFiles))
            for name in referenced where !copies.exists(name) {
                guard bodies.exists(name) else {
                    throw MailStoreError.storageFailure(
                        "the body file \(name) of a stored message is missing: run `tern store check --repair` first")
                }
                try copies.importFile(from: try bodies.path(for: name), named: name)
            }
            summary.messages = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM message") ?? 0
            summary.queuedMessages = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbound_message") ?? 0
        }
        try destination.close()
        for file in copies.allFiles() where !referenced.contains(file.name) {
            unlink(file.path)
        }
        try copies.fsyncSubdirectories()
        try BodyFileStore.fsyncPath(databasePath)
        try BodyFileStore.fsyncPath(target)
        summary.bodyFiles = referenced.count
        return summary
    }

    /// Every body file name the metadata references.
    static let referencedBodyFiles = "SELECT body_file FROM message UNION SELECT body_file FROM outbound_message"

    /// Creates `directory` (mode 0700) or accepts it when empty.
    static func prepareEmptyDirectory(_ directory: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw MailStoreError.storageFailure("\(directory) is not a directory")
            }
            let entries = try FileManager.default.contentsOfDirectory(atPath: directory)
            guard entries.isEmpty else {
                throw MailStoreError.storageFailure("\(directory) is not empty: a backup goes into a new directory")
            }
            return
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
            attributes: [.posixPermissions: BodyFileStore.directoryPermissions])
    }

    // MARK: Verify and restore

    /// Opens the backup's database read-only: `PRAGMA integrity_check` must
    /// say ok, `PRAGMA foreign_key_check` nothing, and every referenced body
    /// must be in its `messages/`.
    static func verifyBackup(in directory: String) throws -> StoreBackupSummary {
        guard exists(in: directory) else {
            throw MailStoreError.storageFailure("\(directory) holds no backup (no \(databaseFileName))")
        }
        var configuration = Configuration()
        configuration.readonly = true
        do {
            let queue = try DatabaseQueue(path: directory + "/" + databaseFileName, configuration: configuration)
            defer { try? queue.close() }
            let (summary, names) = try queue.read { db in
                let integrity = try String.fetchAll(db, sql: "PRAGMA integrity_check")
                guard integrity == ["ok"] else {
                    throw MailStoreError.storageFailure("the backup's database is damaged: "
                        + integrity.prefix(3).joined(separator: "; "))
                }
                guard try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").isEmpty else {
                    throw MailStoreError.storageFailure("the backup's database has rows without their parent row")
                }
                let names = try String.fetchAll(db, sql: Self.referencedBodyFiles)
                let summary = StoreBackupSummary(
                    messages: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM message") ?? 0,
                    queuedMessages: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbound_message") ?? 0,
                    bodyFiles: names.count)
                return (summary, names)
            }
            let bodies = BodyFileStore(existingRoot: directory + "/" + BodyFileStore.directoryName)
            let missing = names.filter { !bodies.exists($0) }
            if let first = missing.first {
                throw MailStoreError.storageFailure(
                    "the backup lacks \(missing.count) of its \(names.count) body files (e.g. \(first))")
            }
            return summary
        } catch let error as MailStoreError {
            throw error
        } catch {
            throw MailStoreError.storageFailure("cannot read the backup in \(directory): \(error)")
        }
    }

    /// Builds the store from the (verified) backup in a staging directory
    /// inside `directory`, then swaps it in: the old database and its
    /// -wal/-shm files and `messages/` move aside and are deleted after
    /// the new ones are in place. A crash in between leaves a
    /// `.restore-*` directory; restoring again with force mends it.
    static func restore(from backup: String, into directory: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                attributes: [.posixPermissions: BodyFileStore.directoryPermissions])
            let staging = directory + "/.restore-" + UUID().uuidString.lowercased()
            try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: false,
                attributes: [.posixPermissions: BodyFileStore.directoryPermissions])
            defer { try? FileManager.default.removeItem(atPath: staging) }
            let source = BodyFileStore(existingRoot: backup + "/" + BodyFileStore.directoryName)
            let copies = try BodyFileStore(root: staging + "/" + BodyFileStore.directoryName)
            for file in source.allFiles() where BodyFileStore.isValidFileName(file.name) {
                try copies.importFile(from: file.path, named: file.name)
            }
            try copies.fsyncSubdirectories()
            var readOnly = Configuration()
            readOnly.readonly = true
            let backupQueue = try DatabaseQueue(path: backup + "/" + databaseFileName, configuration: readOnly)
            let stagedPath = staging + "/" + databaseFileName
            BodyFileStore.createPrivateFileIfMissing(stagedPath)
            let staged = try DatabaseQueue(path: stagedPath)
            try backupQueue.backup(to: staged)
            try staged.writeWithoutTransaction { try $0.execute(sql: "PRAGMA journal_mode = DELETE") }
            try staged.close()
            try backupQueue.close()
            try BodyFileStore.fsyncPath(stagedPath)

            let old = staging + "/old"
            try FileManager.default.createDirectory(atPath: old, withIntermediateDirectories: false)
            let databasePath = directory + "/" + databaseFileName
            for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: databasePath + suffix) {
                try FileManager.default.moveItem(atPath: databasePath + suffix, toPath: old + "/db" + suffix)
            }
            let messages = directory + "/" + BodyFileStore.directoryName
            if FileManager.default.fileExists(atPath: messages) {
                try FileManager.default.moveItem(atPath: messages, toPath: old + "/messages")
            }
            try FileManager.default.moveItem(atPath: copies.root, toPath: messages)
            try FileManager.default.moveItem(atPath: stagedPath, toPath: databasePath)
            try BodyFileStore.fsyncPath(directory)
        } catch let error as MailStoreError {
            throw error
        } catch {
            throw MailStoreError.storageFailure("restore into \(directory): \(error)")
        }
    }

    /// True when another process has the database open: each SQLite
    /// connection in WAL mode holds a read lock on the "dead man switch"
    /// byte of the `-shm` file (offset 128, SQLite's os_unix.c
    /// `UNIX_SHM_DMS`) while it is open. POSIX locks belong to the process,
    /// so call it only from a process that does not have the store open
    /// (closing the probe's descriptor would drop that process's locks).
    static func isOpenElsewhere(directory: String) -> Bool {
        let fd = open(directory + "/" + databaseFileName + "-shm", O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { closeDescriptor(fd) }
        var probe = flock()
        probe.l_type = Int16(F_WRLCK)
        probe.l_whence = Int16(SEEK_SET)
        probe.l_start = 128
        probe.l_len = 1
        guard fcntl(fd, F_GETLK, &probe) == 0 else { return false }
        return probe.l_type != Int16(F_UNLCK)
    }
}

/// `close(2)` (inside the store's extensions `close` is the store's own method).
private func closeDescriptor(_ fd: Int32) {
    close(fd)
}
