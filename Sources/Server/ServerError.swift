/// Errors that stop the server from starting.
public enum ServerError: Error, CustomStringConvertible, Equatable {
    case bindFailed(protocolName: String, address: String, port: Int, reason: String)
    case certificateUnwritable(path: String)
    case tlsFilesIncomplete
    case tlsLoadFailed(certificatePath: String, keyPath: String, reason: String)
    case noTLSContext(listener: String)
    case storeSetupFailed(reason: String)
    /// Another `tern serve` answers on the data directory's control socket.
    case controlSocketInUse(path: String)
    case controlSocketFailed(path: String, reason: String)
    /// `[server] user` names no user of this system.
    case unknownUser(String)
    /// `[server] group` names no group of this system.
    case unknownGroup(String)
    /// `tern serve` was started as neither root nor `[server] user`.
    case wrongUser(configured: String, actual: String, uid: UInt32)
    case privilegeDropFailed(String)
    /// The data directory cannot be created, read or written by the user the server runs as.
    case dataDirectory(DataDirectoryProblem)
    /// `[logging] file` cannot be opened for appending.
    case logFileUnwritable(path: String, user: String, reason: String)

    public var description: String {
        switch self {
        case let .bindFailed(protocolName, address, port, reason):
            let host = address.contains(":") ? "[\(address)]" : address
            return "cannot listen on \(host):\(port) (\(protocolName)): \(reason)"
        case let .certificateUnwritable(path):
            return "cannot write the generated certificate to \(path)"
        case .tlsFilesIncomplete:
            return "tls: set both certificate and key paths, or neither to use a generated self-signed certificate"
        case let .tlsLoadFailed(certificatePath, keyPath, reason):
            return "cannot load TLS certificate \(certificatePath) / key \(keyPath): \(reason)"
        case let .noTLSContext(listener):
            return "listener \(listener) needs TLS but no certificate is loaded"
        case let .storeSetupFailed(reason):
            return "cannot prepare the mail store: \(reason)"
        case let .controlSocketInUse(path):
            return "another tern serve is running on this data directory (its control socket \(path) answers)"
        case let .controlSocketFailed(path, reason):
            return "cannot create the control socket \(path): \(reason)"
        case let .unknownUser(name):
            return "[server] user \"\(name)\" does not exist (create it, e.g. useradd --system --home-dir "
                + "/var/lib/tern --shell /usr/sbin/nologin \(name))"
        case let .unknownGroup(name):
            return "[server] group \"\(name)\" does not exist"
        case let .wrongUser(configured, actual, uid):
            return "[server] user is \"\(configured)\" but tern serve was started as \(actual) (uid \(uid)): start it "
                + "as root (it binds its ports, then becomes \(configured)) or as \(configured)"
        case let .privilegeDropFailed(reason):
            return "cannot give up root: \(reason)"
        case let .dataDirectory(problem):
            return problem.description
        case let .logFileUnwritable(path, user, reason):
            return "cannot open the log file \(path) as user \(user): \(reason)"
        }
    }
}
