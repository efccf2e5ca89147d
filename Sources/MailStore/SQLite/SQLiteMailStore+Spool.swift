import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Spool files for arriving messages (`SpoolFile`) in `<dir>/spool`, on the
/// same file system as the body files the store adopts them as.
extension SQLiteMailStore {
    /// The body files behind the `BlobStore` protocol.
    public var blobs: FileBlobStore { FileBlobStore(files: bodies) }

    /// `<dir>/spool`: incoming messages being written.
    public var spoolDirectory: String { directory + "/spool" }

    public func makeSpoolFile(maximumSize: Int?) throws -> SpoolFile {
        try checkOpen()
        let bound = [maximumSize, maximumMessageSize].compactMap { $0 }.min()
        return try SpoolFile(directory: spoolDirectory, maximumSize: bound)
    }

    /// Removes every spool file no process holds open (its writer finished,
    /// crashed or was killed): unlike body files there is no grace period,
    /// since a live writer holds its file's lock. Run at start-up with the
    /// orphan sweep; returns how many.
    @discardableResult
    func removeAbandonedSpoolFiles() -> Int {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: spoolDirectory) else { return 0 }
        var removed = 0
        for name in names where name.hasSuffix(SpoolFile.suffix) {
            let path = spoolDirectory + "/" + name
            if SpoolFile.isAbandoned(path), unlink(path) == 0 { removed += 1 }
        }
        if removed > 0 {
            logger.info("removed abandoned spool files", metadata: ["count": "\(removed)", "directory": "\(spoolDirectory)"])
        }
        return removed
    }
}
