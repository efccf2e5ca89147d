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

    public var description: String {
        switch self {
        case let .bindFailed(protocolName, address, port, reason):
            return "cannot listen for \(protocolName) on \(address):\(port): \(reason)"
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
        }
    }
}
