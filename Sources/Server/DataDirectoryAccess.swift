import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a user cannot use a data directory: it cannot be created, or the
/// directory or something the store keeps in it cannot be read or written.
public struct DataDirectoryProblem: Sendable, Equatable, CustomStringConvertible {
    /// The data directory, absolute.
    public var directory: String
    /// The user who cannot use it.
    public var user: String
    /// The directory does not exist and `user` cannot create it.
    public var missing: Bool
    /// What is in the way: the directory itself, an entry in it, a directory
    /// above it that cannot be searched, or the one it cannot be created in.
    var denial: FileAccess.Denial

    public var path: String { denial.path }
    /// The owner of `path`.
    public var owner: String { denial.owner }

    public var description: String {
        if denial.notADirectory {
            return "the data directory \(directory) cannot be used: \(denial)"
        }
        if missing {
            return "the data directory \(directory) cannot be created by user \(user) (\(denial))"
        }
        if path == directory {
            return "the data directory \(directory) cannot be written by user \(user) (it belongs to \(owner), "
                + "mode \(denial.octalMode))"
        }
        return "the data directory \(directory) cannot be used by user \(user): \(denial)"
    }
}

/// Whether a user can create, read and write a data directory and what the
/// store keeps in it: the database and its -wal/-shm files, and the
/// message, certificate and DKIM directories (see `FileAccess`).
public enum DataDirectoryAccess {
    /// The first problem `user` would have with `directory`, nil when none.
    public static func problem(directory: String, for user: SystemUser) -> DataDirectoryProblem? {
        let absolute = URL(fileURLWithPath: directory).standardizedFileURL.path
        func problem(_ denial: FileAccess.Denial, missing: Bool = false) -> DataDirectoryProblem {
            DataDirectoryProblem(directory: absolute, user: user.name, missing: missing, denial: denial)
        }
        if let blocked = FileAccess.searchDenial(above: absolute, for: user) { return problem(blocked) }
        guard let info = FileAccess.status(of: absolute) else {
            guard let (parent, parentInfo) = FileAccess.deepestExisting(absolute) else { return nil }
            guard FileAccess.isDirectory(parentInfo) else {
                return problem(FileAccess.Denial(path: parent, info: parentInfo, notADirectory: true))
            }
            if !FileAccess.allows(parentInfo, user, read: false, write: true, execute: true) {
                return problem(FileAccess.Denial(path: parent, info: parentInfo), missing: true)
            }
            return nil
        }
        guard FileAccess.isDirectory(info) else {
            return problem(FileAccess.Denial(path: absolute, info: info, notADirectory: true))
        }
        if !FileAccess.allows(info, user, read: true, write: true, execute: true) {
            return problem(FileAccess.Denial(path: absolute, info: info))
        }
        for path in entries(of: absolute) {
            guard let entry = FileAccess.linkStatus(of: path), !FileAccess.isSymbolicLink(entry) else { continue }
            let isDirectory = FileAccess.isDirectory(entry)
            if !FileAccess.allows(entry, user, read: true, write: true, execute: isDirectory) {
                return problem(FileAccess.Denial(path: path, info: entry))
            }
        }
        return nil
    }

    /// The owner of `path` (nil when it does not exist); a uid without a
    /// passwd entry gets the group of the path.
    public static func owner(of path: String) -> SystemUser? {
        guard let info = FileAccess.status(of: path) else { return nil }
        var user = SystemUser.withID(info.st_uid)
        if user.groups.isEmpty { user.gid = info.st_gid }
        return user
    }

    /// Creates a missing data directory (mode 0700, missing parents 0755)
    /// owned by `user`: root does this for the user it is about to become.
    /// An existing directory is left as it is.
    public static func createIfMissing(directory: String, ownedBy user: SystemUser) throws {
        let absolute = URL(fileURLWithPath: directory).standardizedFileURL.path
        guard FileAccess.status(of: absolute) == nil else { return }
        let manager = FileManager.default
        do {
            try manager.createDirectory(atPath: (absolute as NSString).deletingLastPathComponent,
                                        withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
            try manager.createDirectory(atPath: absolute, withIntermediateDirectories: false,
                                        attributes: [.posixPermissions: 0o700])
        } catch {
            throw ServerError.storeSetupFailed(reason: "cannot create the data directory \(absolute): "
                + "\(error.localizedDescription)")
        }
        guard chown(absolute, user.uid, user.gid) == 0 else {
            throw ServerError.storeSetupFailed(reason: "cannot give the data directory \(absolute) to \(user.name): "
                + String(cString: strerror(errno)))
        }
    }

    /// The direct entries of the directory, and the fan-out directories of `messages/`.
    private static func entries(of directory: String) -> [String] {
        let manager = FileManager.default
        var paths = ((try? manager.contentsOfDirectory(atPath: directory)) ?? []).sorted().map { directory + "/" + $0 }
        let messages = directory + "/messages"
        if let inner = try? manager.contentsOfDirectory(atPath: messages) {
            paths += inner.sorted().map { messages + "/" + $0 }
        }
        return paths
    }
}
