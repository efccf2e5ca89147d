#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A user of the system (passwd(5)) with the group and supplementary groups
/// a process running as it has: `[server] user`, the owner of a data
/// directory, or the user running `tern` now.
public struct SystemUser: Sendable, Equatable, CustomStringConvertible {
    public var name: String
    public var uid: uid_t
    /// The primary group, or `[server] group`.
    public var gid: gid_t
    /// Supplementary groups (initgroups(3)), for permission checks.
    public var groups: [gid_t]

    public init(name: String, uid: uid_t, gid: gid_t, groups: [gid_t] = []) {
        self.name = name
        self.uid = uid
        self.gid = gid
        self.groups = groups
    }

    /// The name, or `uid N` for a uid without a passwd entry.
    public var description: String { name }

    public var isRoot: Bool { uid == 0 }

    /// The user called `name`, with `group` (a group name) instead of the
    /// primary group when given; nil when there is no such user or group.
    public static func named(_ name: String, group: String? = nil) -> SystemUser? {
        guard var user = passwdEntry({ entry, buffer, size, result in getpwnam_r(name, &entry, buffer, size, &result) })
        else { return nil }
        if let group {
            guard let gid = groupID(named: group) else { return nil }
            user.gid = gid
        }
        user.groups = supplementaryGroups(name: user.name, gid: user.gid)
        return user
    }

    /// The user with this uid; one without a passwd entry is named `uid N`.
    public static func withID(_ uid: uid_t, gid: gid_t? = nil) -> SystemUser {
        if var user = passwdEntry({ entry, buffer, size, result in getpwuid_r(uid, &entry, buffer, size, &result) }) {
            if let gid { user.gid = gid }
            user.groups = supplementaryGroups(name: user.name, gid: user.gid)
            return user
        }
        return SystemUser(name: "uid \(uid)", uid: uid, gid: gid ?? gid_t(uid), groups: [])
    }

    /// The user this process runs as now (effective uid, gid and groups).
    public static var current: SystemUser {
        var user = withID(geteuid(), gid: getegid())
        let count = getgroups(0, nil)
        if count > 0 {
            var groups = [gid_t](repeating: 0, count: Int(count))
            let filled = getgroups(count, &groups)
            user.groups = Array(groups.prefix(Int(max(0, filled))))
        }
        return user
    }

    /// The id of the group called `name`.
    public static func groupID(named name: String) -> gid_t? {
        var entry = group()
        var result: UnsafeMutablePointer<group>?
        var buffer = [CChar](repeating: 0, count: 16 * 1024)
        let status = getgrnam_r(name, &entry, &buffer, buffer.count, &result)
        guard status == 0, let result else { return nil }
        return result.pointee.gr_gid
    }

    /// The name of group `gid`, or its number.
    public static func groupName(_ gid: gid_t) -> String {
        var entry = group()
        var result: UnsafeMutablePointer<group>?
        var buffer = [CChar](repeating: 0, count: 16 * 1024)
        let status = getgrgid_r(gid, &entry, &buffer, buffer.count, &result)
        guard status == 0, let result else { return "\(gid)" }
        return String(cString: result.pointee.gr_name)
    }

    private typealias PasswdLookup = (inout passwd, UnsafeMutablePointer<CChar>, Int,
                                      inout UnsafeMutablePointer<passwd>?) -> CInt

    private static func passwdEntry(_ lookup: PasswdLookup) -> SystemUser? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16 * 1024)
        return buffer.withUnsafeMutableBufferPointer { storage -> SystemUser? in
            let status = lookup(&entry, storage.baseAddress!, storage.count, &result)
            guard status == 0, let found = result else { return nil }
            return SystemUser(name: String(cString: found.pointee.pw_name), uid: found.pointee.pw_uid,
                              gid: found.pointee.pw_gid)
        }
    }

    /// getgrouplist(3): the groups a process of this user gets from initgroups(3).
    private static func supplementaryGroups(name: String, gid: gid_t) -> [gid_t] {
        var count: CInt = 64
        for _ in 0..<4 {
            var groups = [gid_t](repeating: 0, count: Int(count))
            #if canImport(Glibc)
            let status = getgrouplist(name, gid, &groups, &count)
            #else
            let status = groups.withUnsafeMutableBufferPointer { buffer in
                buffer.baseAddress!.withMemoryRebound(to: CInt.self, capacity: buffer.count) {
                    getgrouplist(name, CInt(bitPattern: gid), $0, &count)
                }
            }
            #endif
            if status >= 0 { return Array(groups.prefix(Int(count))) }
        }
        return [gid]
    }
}
