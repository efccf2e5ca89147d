import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Message bodies as immutable files under `<dir>/messages/`.
///
/// A body's file name is a random 128-bit hex id, never derived from user
/// input; files fan out into 256 subdirectories by the id's first two hex
/// characters (`messages/3f/3fa9….eml`). A file is written under a `.tmp`
/// name, fsynced, renamed into place and its directory fsynced before the
/// metadata transaction that references it commits (DESIGN "Rules that keep
/// mail safe").
struct BodyFileStore: Sendable {
    /// The bodies' directory inside a store (or backup) directory.
    static let directoryName = "messages"
    static let bodySuffix = ".eml"
    static let tempSuffix = ".tmp"
    /// Mail is private: directories the store creates are for its owner only.
    static let directoryPermissions = 0o700
    static let filePermissions: mode_t = 0o600
    /// A read of at most this many octets (a POP3 or IMAP streaming piece,
    /// a typical whole message) runs on the calling thread, as the
    /// database's point reads do (`SQLiteMailStore.quickRead`): a pread(2)
    /// from the page cache costs microseconds, a trip to another thread and
    /// back tens of them. Larger reads go to `BlockingIO`.
    static let inlineReadLimit = 64 * 1024

    /// `<dir>/messages`
    let root: String

    init(root: String) throws {
        self.root = root
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true,
                attributes: [.posixPermissions: BodyFileStore.directoryPermissions])
    }

    /// The files under an existing root, without creating anything (to
    /// look into a backup).
    init(existingRoot root: String) {
        self.root = root
    }

    /// A fresh random id of 32 lower-case hex characters.
    static func newFileName() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64
        let low = generator.next() as UInt64
        return hex64(high) + hex64(low) + bodySuffix
    }

    private static func hex64(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// True for a name this store could have produced: guards every path
    /// built from a database value against traversal.
    static func isValidFileName(_ name: String) -> Bool {
        guard name.hasSuffix(bodySuffix) else { return false }
        let id = name.dropLast(bodySuffix.count)
        return id.count == 32 && id.allSatisfy { ("0"..."9").contains($0) || ("a"..."f").contains($0) }
    }

    func subdirectory(for fileName: String) -> String {
        root + "/" + String(fileName.prefix(2))
    }

    func path(for fileName: String) throws -> String {
        guard Self.isValidFileName(fileName) else {
            throw MailStoreError.storageFailure("invalid body file name")
        }
        return subdirectory(for: fileName) + "/" + fileName
    }

    /// Writes `bytes` durably under a new file name and returns that name.
    /// Temp file, fsync, rename, fsync of the directory.
    func writeDurably(_ bytes: [UInt8]) throws -> String {
        let fileName = Self.newFileName()
        try writeDurably(bytes, as: fileName)
        return fileName
    }

    /// Writes `bytes` durably under the given (valid) name.
    func writeDurably(_ bytes: [UInt8], as fileName: String) throws {
        let directory = subdirectory(for: fileName)
        let finalPath = try path(for: fileName)
        let tempPath = finalPath + Self.tempSuffix
        if !FileManager.default.fileExists(atPath: directory) {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                attributes: [.posixPermissions: BodyFileStore.directoryPermissions])
            try Self.fsyncPath(root)
        }
        let fd = open(tempPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, Self.filePermissions)
        guard fd >= 0 else { throw Self.posixError("open", tempPath) }
        do {
            try bytes.withUnsafeBytes { try Self.writeAll(fd: fd, $0, path: tempPath) }
            guard fsync(fd) == 0 else { throw Self.posixError("fsync", tempPath) }
            guard close(fd) == 0 else {
                throw Self.posixError("close", tempPath)
            }
        } catch {
            close(fd)
            unlink(tempPath)
            throw error
        }
        guard rename(tempPath, finalPath) == 0 else {
            let error = Self.posixError("rename", tempPath)
            unlink(tempPath)
            throw error
        }
        do {
            try Self.fsyncPath(directory)
        } catch {
            unlink(finalPath)
            throw error
        }
    }

    /// Puts the body file at `source` (another store's, immutable) into this
    /// store under the same name: a hard link when both are on one file
    /// system, else a durable copy. An existing file of that name is kept
    /// (names are random and never reused, so it holds the same bytes).
    /// The caller fsyncs the subdirectories (`fsyncSubdirectories`) after a
    /// batch of links.
    func importFile(from source: String, named fileName: String) throws {
        let target = try path(for: fileName)
        if FileManager.default.fileExists(atPath: target) { return }
        let directory = subdirectory(for: fileName)
        if !FileManager.default.fileExists(atPath: directory) {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                attributes: [.posixPermissions: BodyFileStore.directoryPermissions])
        }
        if link(source, target) == 0 { return }
        guard errno == EXDEV || errno == EPERM || errno == EMLINK else { throw Self.posixError("link", source) }
        let data = try Data(contentsOf: URL(fileURLWithPath: source))
        try writeDurably([UInt8](data), as: fileName)
    }

    /// fsyncs the root and every subdirectory: makes a batch of links durable.
    func fsyncSubdirectories() throws {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        for name in names where name.count == 2 {
            try Self.fsyncPath(root + "/" + name)
        }
        try Self.fsyncPath(root)
    }

    /// Makes a finished spool file a body file under a new name without
    /// copying: a hard link (same file system, the spool is already
    /// fsynced), then an fsync of the directory. The spool keeps its own
    /// name until it is closed.
    func adopt(_ spool: SpoolFile) throws -> String {
        guard spool.isFinished else { throw MailStoreError.storageFailure("spool file not finished") }
        let fileName = Self.newFileName()
        let directory = subdirectory(for: fileName)
        let finalPath = try path(for: fileName)
        try makeSubdirectory(directory)
        guard link(spool.path, finalPath) == 0 else { throw Self.posixError("link", finalPath) }
        do {
            try Self.fsyncPath(directory)
        } catch {
            unlink(finalPath)
            throw error
        }
        return fileName
    }

    private func makeSubdirectory(_ directory: String) throws {
        if !FileManager.default.fileExists(atPath: directory) {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                attributes: [.posixPermissions: BodyFileStore.directoryPermissions])
            try Self.fsyncPath(root)
        }
    }

    /// Up to `count` octets of the body at `offset` (fewer at its end),
    /// read with pread(2): only those bytes are read.
    func read(_ fileName: String, offset: Int, count: Int) throws -> [UInt8] {
        let path = try path(for: fileName)
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Self.posixError("open", path) }
        defer { close(fd) }
        return try Self.pread(fd: fd, path: path, offset: offset, count: count)
    }

    /// The size of a body file in octets.
    func size(_ fileName: String) throws -> Int {
        let path = try path(for: fileName)
        var info = stat()
        guard stat(path, &info) == 0 else { throw Self.posixError("stat", path) }
        return Int(info.st_size)
    }

    static func writeAll(fd: Int32, _ buffer: UnsafeRawBufferPointer, path: String) throws {
        var offset = 0
        while offset < buffer.count {
            let written = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw posixError("write", path)
            }
            offset += written
        }
    }

    static func pread(fd: Int32, path: String, offset: Int, count: Int) throws -> [UInt8] {
        guard offset >= 0, count >= 0 else { throw MailStoreError.storageFailure("invalid range") }
        var result = [UInt8](repeating: 0, count: count)
        var filled = 0
        try result.withUnsafeMutableBytes { raw in
            while filled < count {
                let got = Glibc.pread(fd, raw.baseAddress! + filled, count - filled, off_t(offset + filled))
                if got < 0 {
                    if errno == EINTR { continue }
                    throw posixError("pread", path)
                }
                if got == 0 { break }
                filled += got
            }
        }
        result.removeLast(count - filled)
        return result
    }

    /// Makes a durable copy of an existing body under a new name.
    func copy(_ fileName: String) throws -> String {
        try writeDurably(read(fileName))
    }

    /// The whole body, read straight into one array (no intermediate copy).
    func read(_ fileName: String) throws -> [UInt8] {
        let path = try path(for: fileName)
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Self.posixError("open", path) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw Self.posixError("fstat", path) }
        return try Self.pread(fd: fd, path: path, offset: 0, count: Int(info.st_size))
    }

    func exists(_ fileName: String) -> Bool {
        guard let path = try? path(for: fileName) else { return false }
        return FileManager.default.fileExists(atPath: path)
    }

    /// Removes body files; a missing file is not an error.
    func remove(_ fileNames: [String]) {
        for name in fileNames {
            guard let path = try? path(for: name) else { continue }
            unlink(path)
        }
    }

    /// A file under the root, as `allFiles()` lists it.
    struct File: Sendable {
        var name: String
        var path: String
        var modified: Date
    }

    /// Every body file and temp file with its modification date.
    func allFiles() -> [File] {
        let fileManager = FileManager.default
        guard let subdirectories = try? fileManager.contentsOfDirectory(atPath: root) else { return [] }
        var result: [File] = []
        for subdirectory in subdirectories.sorted() {
            let directory = root + "/" + subdirectory
            guard let names = try? fileManager.contentsOfDirectory(atPath: directory) else { continue }
            for name in names {
                let path = directory + "/" + name
                guard let attributes = try? fileManager.attributesOfItem(atPath: path),
                      attributes[.type] as? FileAttributeType == .typeRegular else { continue }
                let modified = attributes[.modificationDate] as? Date ?? Date()
                result.append(File(name: name, path: path, modified: modified))
            }
        }
        return result
    }

    /// Creates an empty file with mode 0600 unless one exists (O_EXCL: a
    /// file another process just created is never replaced).
    static func createPrivateFileIfMissing(_ path: String) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, filePermissions)
        if fd >= 0 { close(fd) }
    }

    static func fsyncPath(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw posixError("open", path) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw posixError("fsync", path) }
    }

    /// A failed call on `path`, temporary or not by errno (`MailStoreError.posix`).
    static func posixError(_ call: String, _ path: String) -> MailStoreError {
        .posix("\(call) \(path)", errno: errno)
    }
}
