import Foundation

/// Where message bodies live, apart from their metadata: immutable blobs
/// named by an opaque id, written from a spool file (never whole in
/// memory), shared by every message row that references them, and read by
/// range. The SQLite store keeps them as files (`FileBlobStore`); the
/// PostgreSQL store will add its own (a blob table) behind the same protocol.
///
/// **Durability.** `put` returns only after the blob is durable (fsynced);
/// the caller then commits the metadata that references the id, and on a
/// failed commit deletes the blob. A blob no metadata references is
/// removed by the store's start-up sweep.
public protocol BlobStore: Sendable {
    /// Makes the finished-or-not spool (finished here: flushed and fsynced)
    /// a durable blob and returns its id. The spool stays the caller's
    /// (closing it later does not touch the blob).
    func put(_ spool: SpoolFile) async throws -> String
    /// Stores `bytes` durably as a new blob and returns its id.
    func put(_ bytes: [UInt8]) async throws -> String
    /// The whole blob.
    func get(_ id: String) async throws -> [UInt8]
    /// Up to `length` octets from `offset` (fewer at the end of the blob,
    /// none past it), reading only those octets.
    func get(_ id: String, offset: Int, length: Int) async throws -> [UInt8]
    /// The blob's size in octets.
    func size(_ id: String) async throws -> Int
    /// Removes blobs; an unknown id is skipped. Only for blobs no committed
    /// metadata references any more.
    func delete(_ ids: [String]) async throws
}

/// Blobs as files under `<dir>/messages/` (see `BodyFileStore`): a spool
/// is adopted by a hard link, ranged reads use pread(2).
public struct FileBlobStore: BlobStore {
    let files: BodyFileStore

    init(files: BodyFileStore) {
        self.files = files
    }

    /// Blobs under `root` (a store's `<dir>/messages`).
    public init(root: String) throws {
        files = try BodyFileStore(root: root)
    }

    public func put(_ spool: SpoolFile) async throws -> String {
        let files = self.files
        return try await BlockingIO.run {
            try spool.finish()
            return try files.adopt(spool)
        }
    }

    public func put(_ bytes: [UInt8]) async throws -> String {
        let files = self.files
        return try await BlockingIO.run { try files.writeDurably(bytes) }
    }

    public func get(_ id: String) async throws -> [UInt8] {
        let files = self.files
        return try await BlockingIO.run { try files.read(id) }
    }

    public func get(_ id: String, offset: Int, length: Int) async throws -> [UInt8] {
        let files = self.files
        if length <= BodyFileStore.inlineReadLimit { return try files.read(id, offset: offset, count: length) }
        return try await BlockingIO.run { try files.read(id, offset: offset, count: length) }
    }

    public func size(_ id: String) async throws -> Int {
        let files = self.files
        return try await BlockingIO.run { try files.size(id) }
    }

    public func delete(_ ids: [String]) async throws {
        let files = self.files
        try await BlockingIO.run { files.remove(ids) }
    }
}
