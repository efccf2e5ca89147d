import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A message arriving (SMTP DATA/BDAT, later IMAP APPEND literals) written
/// to a temporary file as it comes, so no message is ever whole in memory
/// (DESIGN "Bodies are blobs, written from a spool file").
///
/// The file lives in the store's `spool/` directory, on the same file
/// system as the body files, so the store adopts it with a hard link
/// (`BlobStore.put(_:)`) instead of copying. Bytes go through a fixed
/// buffer of `bufferSize`; the SHA-256 content hash (`MessageContentHash`) and the
/// size are computed while writing; more than `maximumSize` octets throw
/// `MailStoreError.messageTooLarge` and remove the file. `finish()` flushes
/// and fsyncs. The file is removed by `abort()` or when the object goes
/// away, adopted or not (the adopted blob is another name of the same
/// inode). While open the file holds an exclusive `flock(2)`: the start-up
/// sweep removes every spool file nobody holds, so a crash leaves none
/// behind after the next start.
///
/// Used by one task at a time (a session); not thread-safe.
public final class SpoolFile: @unchecked Sendable {
    public static let bufferSize = 64 * 1024
    static let suffix = ".spool"

    public let path: String
    /// The bound on the octets written, if any.
    public let maximumSize: Int?
    /// Octets written so far (buffered or not).
    public private(set) var size = 0
    private var fd: Int32
    private var buffer: [UInt8] = []
    private var hasher = MessageContentHash.Hasher()
    private var digest: String?
    private var removed = false

    /// Creates a new, empty spool file in `directory` (created if missing, mode 0700).
    public init(directory: String, maximumSize: Int?) throws {
        if !FileManager.default.fileExists(atPath: directory) {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                attributes: [.posixPermissions: BodyFileStore.directoryPermissions])
        }
        let id = String(BodyFileStore.newFileName().dropLast(BodyFileStore.bodySuffix.count))
        let path = directory + "/" + id + Self.suffix
        let fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, BodyFileStore.filePermissions)
        guard fd >= 0 else { throw BodyFileStore.posixError("open", path) }
        // Held until close: the start-up sweep leaves a locked file alone.
        _ = flock(fd, LOCK_EX | LOCK_NB)
        self.path = path
        self.fd = fd
        self.maximumSize = maximumSize
        buffer.reserveCapacity(Self.bufferSize)
    }

    deinit {
        abort()
    }

    /// True once `finish()` has succeeded.
    public var isFinished: Bool { digest != nil }

    /// The content hash of everything written; set by `finish()`.
    public var contentHash: String? { digest }

    /// Appends bytes. Over `maximumSize`: the file is removed and
    /// `MailStoreError.messageTooLarge` thrown (later writes throw too).
    public func write(_ bytes: some Collection<UInt8>) throws {
        guard !removed, digest == nil else {
            throw MailStoreError.storageFailure("spool file \(path) is closed")
        }
        size += bytes.count
        if let maximumSize, size > maximumSize {
            abort()
            throw MailStoreError.messageTooLarge(size)
        }
        var rest = bytes[...]
        while !rest.isEmpty {
            let room = Self.bufferSize - buffer.count
            let piece = rest.prefix(room)
            buffer.append(contentsOf: piece)
            rest = rest.dropFirst(piece.count)
            if buffer.count == Self.bufferSize { try flush() }
        }
    }

    /// Flushes and fsyncs; returns the content hash. Idempotent.
    @discardableResult
    public func finish() throws -> String {
        if let digest { return digest }
        guard !removed else { throw MailStoreError.storageFailure("spool file \(path) was removed") }
        try flush()
        guard fsync(fd) == 0 else {
            let error = BodyFileStore.posixError("fsync", path)
            abort()
            throw error
        }
        let value = hasher.finalize()
        digest = value
        return value
    }

    /// Removes the file (a blob adopted from it stays). Idempotent.
    public func abort() {
        guard !removed else { return }
        removed = true
        unlink(path)
        close(fd)
        fd = -1
        buffer = []
    }

    /// Reads up to `count` octets at `offset` of what was written (after `finish()`).
    public func read(offset: Int, count: Int) throws -> [UInt8] {
        try BodyFileStore.pread(fd: fd, path: path, offset: offset, count: count)
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        do {
            try buffer.withUnsafeBytes { raw in
                hasher.update(raw)
                try BodyFileStore.writeAll(fd: fd, raw, path: path)
            }
        } catch {
            abort()
            throw error
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// True when no process holds the file at `path` (its writer closed or
    /// crashed): the sweep may remove it.
    static func isAbandoned(_ path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return flock(fd, LOCK_EX | LOCK_NB) == 0
    }
}
