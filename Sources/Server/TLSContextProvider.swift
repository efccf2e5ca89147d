import Foundation
import Logging
import NIOSSL

/// Holds the current server TLS context. New connections (and STARTTLS
/// upgrades) take whatever is current; `reload()` (on SIGHUP) swaps in a
/// context built from the files as they are now.
final class TLSContextProvider: Sendable {
    let certificatePath: String
    let keyPath: String
    private let context: LockedBox<NIOSSLContext>

    init(certificatePath: String, keyPath: String) throws {
        self.certificatePath = certificatePath
        self.keyPath = keyPath
        self.context = LockedBox(try Self.makeContext(certificatePath: certificatePath, keyPath: keyPath))
    }

    /// The files named by the configuration, or the generated self-signed pair.
    static func forConfiguration(_ configuration: TernConfiguration, logger: Logger) throws -> TLSContextProvider {
        switch (configuration.tls.certificatePath, configuration.tls.keyPath) {
        case let (certificate?, key?):
            return try TLSContextProvider(certificatePath: certificate, keyPath: key)
        case (nil, nil):
            let (files, created) = try SelfSignedCertificate.loadOrCreate(
                hostName: configuration.hostName, dataDirectory: configuration.dataDirectory)
            if created {
                logger.notice("generated a self-signed certificate for \(configuration.hostName)",
                              metadata: ["certificate": "\(files.certificatePath)"])
            }
            return try TLSContextProvider(certificatePath: files.certificatePath, keyPath: files.keyPath)
        default:
            throw ServerError.tlsFilesIncomplete
        }
    }

    var current: NIOSSLContext { context.withLock { $0 } }

    /// Reads the files again; on failure the old context stays in use.
    func reload() throws {
        let fresh = try Self.makeContext(certificatePath: certificatePath, keyPath: keyPath)
        context.withLock { $0 = fresh }
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
