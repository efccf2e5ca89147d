import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whether a user (not necessarily the one running `tern`) may read, write
/// or search a path, from the permission bits of the path and of every
/// directory above it. ACLs and read-only mounts are not considered: opening
/// the file still reports those.
enum FileAccess {
    /// The path in the way, with its owner and mode.
    struct Denial: Sendable, Equatable, CustomStringConvertible {
        var path: String
        var owner: String
        var mode: UInt32
        /// The path exists but is not a directory where one is needed.
        var notADirectory = false

        var octalMode: String { "0" + String(mode & 0o7777, radix: 8) }
        var description: String {
            notADirectory ? "\(path) is not a directory" : "\(path) belongs to \(owner), mode \(octalMode)"
        }

        init(path: String, info: stat, notADirectory: Bool = false) {
            self.path = path
            self.owner = SystemUser.withID(info.st_uid).name
            self.mode = UInt32(info.st_mode)
            self.notADirectory = notADirectory
        }
    }

    /// nil when `user` may use the existing `path` so; otherwise the first
    /// path in the way: a directory above it that cannot be searched, or
    /// the path itself.
    static func denial(_ path: String, for user: SystemUser, read: Bool, write: Bool,
                       execute: Bool = false) -> Denial? {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        if let blocked = searchDenial(above: absolute, for: user) { return blocked }
        guard let info = status(of: absolute) else { return nil }
        return allows(info, user, read: read, write: write, execute: execute) ? nil : Denial(path: absolute, info: info)
    }

    /// The first existing directory above `path` that `user` cannot search
    /// (or that is not a directory).
    static func searchDenial(above path: String, for user: SystemUser) -> Denial? {
        var ancestor = ""
        for component in path.split(separator: "/").dropLast() {
            ancestor += "/" + component
            guard let info = status(of: ancestor) else { return nil }
            guard isDirectory(info) else { return Denial(path: ancestor, info: info, notADirectory: true) }
            if !allows(info, user, read: false, write: false, execute: true) { return Denial(path: ancestor, info: info) }
        }
        return nil
    }

    /// The deepest existing directory at or above `path`.
    static func deepestExisting(_ path: String) -> (path: String, info: stat)? {
        var candidate = URL(fileURLWithPath: path).standardizedFileURL.path
        while true {
            if let info = status(of: candidate) { return (candidate, info) }
            guard candidate != "/" else { return nil }
            candidate = (candidate as NSString).deletingLastPathComponent
        }
    }

    /// What the permission bits grant `user` (root: everything, but
    /// execute on a file only when some execute bit is set).
    static func allows(_ info: stat, _ user: SystemUser, read: Bool, write: Bool, execute: Bool) -> Bool {
        let mode = UInt32(info.st_mode)
        if user.isRoot { return !execute || isDirectory(info) || mode & 0o111 != 0 }
        let bits: UInt32
        if info.st_uid == user.uid {
            bits = (mode >> 6) & 7
        } else if info.st_gid == user.gid || user.groups.contains(info.st_gid) {
            bits = (mode >> 3) & 7
        } else {
            bits = mode & 7
        }
        return (!read || bits & 4 != 0) && (!write || bits & 2 != 0) && (!execute || bits & 1 != 0)
    }

    /// stat(2), following symbolic links.
    static func status(of path: String) -> stat? {
        var info = stat()
        return stat(path, &info) == 0 ? info : nil
    }

    /// lstat(2): the link itself.
    static func linkStatus(of path: String) -> stat? {
        var info = stat()
        return lstat(path, &info) == 0 ? info : nil
    }

    static func isDirectory(_ info: stat) -> Bool { UInt32(info.st_mode) & UInt32(S_IFMT) == UInt32(S_IFDIR) }
    static func isSymbolicLink(_ info: stat) -> Bool { UInt32(info.st_mode) & UInt32(S_IFMT) == UInt32(S_IFLNK) }
}
