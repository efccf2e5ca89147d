import Foundation
import Logging

/// The part of `tern serve`'s start that may need root: bind every
/// listener (ports below 1024), create a missing data directory for
/// `[server] user`, and become that user for good.
///
/// setuid(2) changes only the threads that are alive and running; the
/// Swift runtime parks the process's first thread before any `async` code
/// runs (libdispatch's dispatch_main), and that thread would keep root. So
/// `tern` performs this synchronously on its first thread before it starts
/// anything else (`TernEntry`), and hands the result to the server through
/// `prepared`; `PrivilegeDrop.become` checks every thread of the process.
public struct PrivilegedStart: Sendable {
    /// The configuration the sockets were bound for.
    public let configuration: TernConfiguration
    /// The user the process became, nil when it kept its user.
    public let user: SystemUser?
    let sockets: ListeningSockets

    /// Binds, prepares the data directory, changes user; logs the warning
    /// about running as root without `[server] user`.
    public static func perform(_ configuration: TernConfiguration, logger: Logger) throws -> PrivilegedStart {
        let user = try PrivilegeDrop.target(for: configuration.server, logger: logger)
        let sockets = try ListeningSockets.bind(configuration)
        do {
            if let user {
                try DataDirectoryAccess.createIfMissing(directory: configuration.dataDirectory, ownedBy: user)
                try PrivilegeDrop.become(user)
                logger.notice("listeners bound; now running as \(user.name)",
                              metadata: ["uid": "\(user.uid)", "gid": "\(user.gid)"])
            }
        } catch {
            sockets.closeUnused()
            throw error
        }
        return PrivilegedStart(configuration: configuration, user: user, sockets: sockets)
    }

    private static let handoff = LockedBox<PrivilegedStart?>(nil)

    /// The start performed before the server was made, for it to take once.
    public static var prepared: PrivilegedStart? {
        get { handoff.withLock { $0 } }
        set { handoff.withLock { $0 = newValue } }
    }

    /// Takes `prepared` (nil afterwards).
    public static func takePrepared() -> PrivilegedStart? {
        handoff.withLock { prepared in
            defer { prepared = nil }
            return prepared
        }
    }
}
