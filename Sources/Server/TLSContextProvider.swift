import Foundation
import Logging
import NIOSSL

/// Holds the current server TLS context. New connections (and STARTTLS
/// upgrades) take whatever is current; `reload()` (on SIGHUP) swaps in a
/// context built from the files as they are now, and `apply(_:)` one built
/// from the files a new configuration names.
final class TLSContextProvider: Sendable {
    private struct State {
        var certificatePath: String
        var keyPath: String
        var context: NIOSSLContext
    }

    private let state: LockedBox<State>

    init(certificatePath: String, keyPath: String) throws {
        state = LockedBox(State(certificatePath: certificatePath, keyPath: keyPath,
                                context: try Self.makeContext(certificatePath: certificatePath, keyPath: keyPath)))
    }

    /// The files named by the configuration, or the generated self-signed pair.
    static func forConfiguration(_ configuration: TernConfiguration, logger: Logger) throws -> TLSContextProvider {
        let (certificate, key) = try files(for: configuration, logger: logger)
        return try TLSContextProvider(certificatePath: certificate, keyPath: key)
    }

    var certificatePath: String { state.withLock { $0.certificatePath } }
    var keyPath: String { state.withLock { $0.keyPath } }
    var current: NIOSSLContext { state.withLock { $0.context } }

    /// Reads the files again; on failure the old context stays in use.
    func reload() throws {
        let (certificatePath, keyPath) = state.withLock { ($0.certificatePath, $0.keyPath) }
        try use(certificatePath: certificatePath, keyPath: keyPath)
    }

    /// Follows a new configuration: its `[tls]` files, or the generated pair
    /// (made again when `host_name` or the local domains changed). On
    /// failure the old context stays in use.
    func apply(_ configuration: TernConfiguration, logger: Logger) throws {
        let (certificate, key) = try Self.files(for: configuration, logger: logger)
        try use(certificatePath: certificate, keyPath: key)
    }

    private func use(certificatePath: String, keyPath: String) throws {
        let fresh = try Self.makeContext(certificatePath: certificatePath, keyPath: keyPath)
        state.withLock { $0 = State(certificatePath: certificatePath, keyPath: keyPath, context: fresh) }
    }

    /// The configured certificate and key, or the generated ones (written
    /// when missing or made for other names). A configured pair is never touched.
    static func files(for configuration: TernConfiguration, logger: Logger) throws -> (String, String) {
        switch (configuration.tls.certificatePath, configuration.tls.keyPath) {
        case let (certificate?, key?):
            return (certificate, key)
        case (nil, nil):
            let (files, creation) = try SelfSignedCertificate.ensure(
                hostName: configuration.hostName, localDomains: configuration.localDomains,
                dataDirectory: configuration.dataDirectory)
            let names = SelfSignedCertificate.dnsNames(hostName: configuration.hostName,
                                                        localDomains: configuration.localDomains)
            switch creation {
            case .reused:
                break
            case .created:
                logger.notice("generated a self-signed certificate for \(configuration.hostName)",
                              metadata: ["certificate": "\(files.certificatePath)",
                                         "names": "\(names.joined(separator: ","))"])
            case .regenerated(let previous):
                logger.notice("generated a new self-signed certificate: host_name or local_domains changed",
                              metadata: ["certificate": "\(files.certificatePath)",
                                         "names": "\(names.joined(separator: ","))",
                                         "previous": "\(previous.joined(separator: ","))"])
            }
            return (files.certificatePath, files.keyPath)
        default:
            throw ServerError.tlsFilesIncomplete
        }
    }

    static func makeContext(certificatePath: String, keyPath: String) throws -> NIOSSLContext {
        do {
            let chain = try NIOSSLCertificate.fromPEMFile(certificatePath)
            guard !chain.isEmpty else {
                throw ServerError.tlsLoadFailed(certificatePath: certificatePath, keyPath: keyPath,
                                                reason: "no certificate in the file")
            }
            let key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
            var configuration = TLSConfiguration.makeServerConfiguration(
                certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
            configuration.minimumTLSVersion = .tlsv12
            return try NIOSSLContext(configuration: configuration)
        } catch let error as ServerError {
            throw error
        } catch {
            throw ServerError.tlsLoadFailed(certificatePath: certificatePath, keyPath: keyPath, reason: "\(error)")
        }
    }
}
