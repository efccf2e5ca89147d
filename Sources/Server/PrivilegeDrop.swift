import Foundation
import Logging
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Changing the user of the process for good: `tern serve` started as root
/// with `[server] user` binds its listeners, then becomes that user; an
/// admin command started as root becomes the data directory's owner, so
/// that every file it creates belongs to the service.
public enum PrivilegeDrop {
    /// The user `tern serve` must become, nil when it keeps its user: no
    /// `[server] user` (as root that logs a warning), or already that user.
    /// Started as another user than root or the configured one is an error.
    public static func target(for settings: ServerSettings, logger: Logger) throws -> SystemUser? {
        let current = SystemUser.current
        guard let name = settings.user else {
            if current.isRoot {
                logger.warning("running as root: set [server] user (e.g. \"tern\") so that Tern gives up root once its ports are bound")
            }
            return nil
        }
        guard let user = SystemUser.named(name, group: settings.group) else {
            if let group = settings.group, SystemUser.named(name) != nil {
                throw ServerError.unknownGroup(group)
            }
            throw ServerError.unknownUser(name)
        }
        if current.isRoot { return user.isRoot ? nil : user }
        guard current.uid == user.uid else {
            throw ServerError.wrongUser(configured: name, actual: current.name, uid: current.uid)
        }
        return nil
    }

    /// initgroups(3), setgid(2), setuid(2) — then checks that the process
    /// has exactly that uid and gid (real, effective and saved) and that
    /// setuid(0) fails, so root cannot be taken back.
    public static func become(_ user: SystemUser) throws {
        func failure(_ call: String) -> ServerError {
            .privilegeDropFailed("\(call) for \(user.name) failed: \(String(cString: strerror(errno)))")
        }
        #if canImport(Glibc)
        guard initgroups(user.name, user.gid) == 0 else { throw failure("initgroups") }
        #else
        guard initgroups(user.name, CInt(bitPattern: user.gid)) == 0 else { throw failure("initgroups") }
        #endif
        guard setgid(user.gid) == 0 else { throw failure("setgid") }
        guard setuid(user.uid) == 0 else { throw failure("setuid") }
        guard getuid() == user.uid, geteuid() == user.uid, getgid() == user.gid, getegid() == user.gid else {
            throw ServerError.privilegeDropFailed("still uid \(geteuid()) gid \(getegid()) after becoming \(user.name)")
        }
        if user.uid != 0, setuid(0) == 0 {
            throw ServerError.privilegeDropFailed("setuid(0) succeeded after becoming \(user.name)")
        }
        if let thread = threadWithOtherUID(than: user.uid) {
            throw ServerError.privilegeDropFailed("thread \(thread) of the process still runs as another user "
                + "(the change of user must happen before other threads start)")
        }
    }

    /// A thread of this process whose real, effective, saved or file-system
    /// uid is not `uid` (Linux /proc/self/task/*/status), if any.
    static func threadWithOtherUID(than uid: uid_t) -> String? {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        for task in tasks {
            guard let status = try? String(contentsOfFile: "/proc/self/task/\(task)/status", encoding: .utf8),
                  let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Uid:") }) else { continue }
            let ids = line.dropFirst(4).split(whereSeparator: { $0 == "\t" || $0 == " " })
            if ids.contains(where: { $0 != Substring("\(uid)") }) { return task }
        }
        return nil
    }
}
