import Foundation
import Logging

/// The kinds of store Tern can keep its data in (`[store] backend`).
public enum StoreBackend: String, Sendable, Equatable, CaseIterable {
    /// SQLite metadata plus body files in the data directory (the default).
    case sqlite
    /// Reserved for the PostgreSQL store; refused until it is built.
    case postgresql
}

/// The `[store]` table of the configuration.
public struct StoreSettings: Sendable, Equatable {
    public var backend: StoreBackend

    public init(backend: StoreBackend = .sqlite) {
        self.backend = backend
    }
}

/// The one place a store is made: `tern serve` and every admin command
/// open theirs here, from `[store]` and the data directory, so nothing
/// outside this module names a backend's type.
public enum StoreFactory {
    /// How a caller wants the store opened.
    public struct Options: Sendable, Equatable {
        /// Delete body and temp files no row references that are older than
        /// the grace period (the server, at start, after a crash between
        /// fsync and commit).
        public var removeOrphanFiles: Bool
        /// The bound on a stored body in octets (`MailStoreError.messageTooLarge`), if any.
        public var maximumMessageSize: Int?

        public init(removeOrphanFiles: Bool = false, maximumMessageSize: Int? = nil) {
            self.removeOrphanFiles = removeOrphanFiles
            self.maximumMessageSize = maximumMessageSize
        }
    }

    /// Why `backend` cannot be used by this build, nil when it can
    /// (`tern config check` reports it; `open` throws it).
    public static func unavailability(of backend: StoreBackend) -> String? {
        switch backend {
        case .sqlite: nil
        case .postgresql: "store.backend \"postgresql\" is not available in this build yet (use \"sqlite\")"
        }
    }

    /// Opens (creating if needed) the store of `settings` for `dataDirectory`.
    public static func open(_ settings: StoreSettings, dataDirectory: String, logger: Logger,
                            options: Options = Options()) throws -> any MailStore {
        switch settings.backend {
        case .sqlite:
            return try SQLiteMailStore(directory: dataDirectory, logger: logger,
                                       removeOrphanFiles: options.removeOrphanFiles,
                                       maximumMessageSize: options.maximumMessageSize)
        case .postgresql:
            throw MailStoreError.storageFailure(unavailability(of: settings.backend) ?? "no such store")
        }
    }

    /// True when `dataDirectory` already holds a store, for commands that
    /// must open an existing store and never create one (sendmail, mailq)
    /// and for `restore`, which does not overwrite one unless forced.
    public static func storeExists(_ settings: StoreSettings, dataDirectory: String) -> Bool {
        switch settings.backend {
        case .sqlite: SQLiteMailStore.exists(in: dataDirectory)
        case .postgresql: false
        }
    }

    /// True when another process has the store open (a running `tern
    /// serve` or admin command), as far as the backend can tell.
    public static func isInUse(_ settings: StoreSettings, dataDirectory: String) -> Bool {
        switch settings.backend {
        case .sqlite: SQLiteMailStore.isOpenElsewhere(directory: dataDirectory)
        case .postgresql: false
        }
    }

    /// Checks a directory `MailStore.backup(to:)` wrote: the database is
    /// sound and every body it references is there. Throws
    /// `MailStoreError.storageFailure` saying what is wrong; returns what
    /// the backup holds.
    public static func verifyBackup(_ settings: StoreSettings, backup: String) throws -> StoreBackupSummary {
        if let reason = unavailability(of: settings.backend) { throw MailStoreError.storageFailure(reason) }
        return try SQLiteMailStore.verifyBackup(in: backup)
    }

    /// Replaces the store in `dataDirectory` with the backup in `backup`,
    /// after `verifyBackup`. The caller makes sure no process uses the
    /// data directory (`isInUse`, the control socket). A store already in
    /// `dataDirectory` is refused (`MailStoreError.storageFailure`) unless
    /// `replacingExisting`. Files of the data directory that are not the
    /// store's (certificate, control socket) stay.
    public static func restore(_ settings: StoreSettings, backup: String, into dataDirectory: String,
                               replacingExisting: Bool) throws -> StoreBackupSummary {
        let summary = try verifyBackup(settings, backup: backup)
        if !replacingExisting, storeExists(settings, dataDirectory: dataDirectory) {
            throw MailStoreError.storageFailure(
                "\(dataDirectory) already holds a store (restore over it with --force)")
        }
        try SQLiteMailStore.restore(from: backup, into: dataDirectory)
        return summary
    }
}
