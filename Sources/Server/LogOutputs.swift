import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where log lines go; one `write` per line so lines never interleave.
protocol LogOutput: Sendable {
    func write(line: String)
}

final class StandardErrorOutput: LogOutput {
    static let shared = StandardErrorOutput()
    private let lock = NSLock()
    func write(line: String) {
        lock.lock()
        defer { lock.unlock() }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}

/// `[logging] file`: lines appended with one write(2) each (O_APPEND, so
/// several writers never overwrite each other). `reopen()` opens the path
/// again, for logrotate, which renames the file and then signals.
final class LogFileOutput: LogOutput {
    let path: String
    private let descriptor: LockedBox<CInt>

    /// Opens (creating, mode 0640) `path` for appending. Running as root, a
    /// file root owns is given to `owner`, the user the server will become.
    init(path: String, owner: SystemUser? = nil) throws {
        self.path = path
        descriptor = LockedBox(try Self.open(path, owner: owner))
    }

    func write(line: String) {
        let bytes = Array((line + "\n").utf8)
        descriptor.withLock { descriptor in
            var offset = 0
            while offset < bytes.count {
                let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + offset, bytes.count - offset) }
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }

    /// Opens the path again and switches to it; the old descriptor is
    /// closed. On failure the old one stays.
    func reopen() throws {
        let fresh = try Self.open(path, owner: nil)
        let old = descriptor.withLock { descriptor -> CInt in
            defer { descriptor = fresh }
            return descriptor
        }
        Glibc.close(old)
    }

    func close() {
        descriptor.withLock { descriptor in
            if descriptor >= 0 { Glibc.close(descriptor) }
            descriptor = -1
        }
    }

    private static func open(_ path: String, owner: SystemUser?) throws -> CInt {
        let descriptor = Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard descriptor >= 0 else {
            let reason = String(cString: strerror(errno))
            throw ServerError.logFileUnwritable(path: path, user: SystemUser.current.name, reason: reason)
        }
        var info = stat()
        if let owner, geteuid() == 0, fstat(descriptor, &info) == 0, info.st_uid == 0 {
            _ = fchown(descriptor, owner.uid, owner.gid)
        }
        return descriptor
    }
}

/// systemd.exec(5): `$JOURNAL_STREAM` is `DEVICE:INODE` of the stream
/// systemd connected to the journal; standard error is the journal when
/// its fstat(2) matches.
enum JournalStream {
    static func isStandardError(environment: [String: String] = ProcessInfo.processInfo.environment,
                                descriptor: CInt = STDERR_FILENO) -> Bool {
        guard let value = environment["JOURNAL_STREAM"] else { return false }
        let parts = value.split(separator: ":")
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return false }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return false }
        return UInt64(info.st_dev) == device && UInt64(info.st_ino) == inode
    }
}
