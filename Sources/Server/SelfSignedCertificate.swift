import Crypto
import Foundation
import SwiftASN1
import X509

/// The self-signed certificate used when the configuration names no
/// certificate: generated on first start for the host name and kept in
/// `<dataDirectory>/tls/` so later starts (and clients that pinned it) reuse it.
enum SelfSignedCertificate {
    struct Files: Equatable {
        var certificatePath: String
        var keyPath: String
    }

    /// How long a generated certificate is valid: a local default, so long.
    static let validity: TimeInterval = 10 * 365 * 24 * 3600

    static func files(dataDirectory: String) -> Files {
        let directory = URL(fileURLWithPath: dataDirectory).appendingPathComponent("tls")
        return Files(certificatePath: directory.appendingPathComponent("cert.pem").path,
                     keyPath: directory.appendingPathComponent("key.pem").path)
    }

    /// Returns the certificate files in the data directory, generating them
    /// when either is missing. `created` is true when new files were written.
    static func loadOrCreate(hostName: String, dataDirectory: String) throws -> (files: Files, created: Bool) {
        let files = files(dataDirectory: dataDirectory)
        let manager = FileManager.default
        if manager.fileExists(atPath: files.certificatePath), manager.fileExists(atPath: files.keyPath) {
            return (files, false)
        }
        let (certificatePEM, keyPEM) = try generate(hostName: hostName)
        let directory = (files.certificatePath as NSString).deletingLastPathComponent
        try manager.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                    attributes: [.posixPermissions: 0o700])
        // Key first, mode 0600 from the start; each file written whole then renamed into place.
        try writeAtomically(Data(keyPEM.utf8), to: files.keyPath, permissions: 0o600)
        try writeAtomically(Data(certificatePEM.utf8), to: files.certificatePath, permissions: 0o644)
        return (files, true)
    }

    /// A new P-256 key and a certificate for it, signed by itself, as PEM.
    /// Subject alternative names (RFC 5280 §4.2.1.6): the host name,
    /// "localhost" and 127.0.0.1, so local clients can verify it once trusted.
    static func generate(hostName: String, now: Date = Date()) throws -> (certificate: String, privateKey: String) {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName {
            CommonName(hostName)
            OrganizationName("Tern self-signed")
        }
        var alternativeNames: [GeneralName] = [.dnsName(hostName)]
        if hostName.lowercased() != "localhost" { alternativeNames.append(.dnsName("localhost")) }
        alternativeNames.append(.ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1])))
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.notCertificateAuthority)
            Critical(KeyUsage(digitalSignature: true))
            try ExtendedKeyUsage([.serverAuth])
            SubjectAlternativeNames(alternativeNames)
        }
        let certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: Certificate.PublicKey(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600),
            notValidAfter: now.addingTimeInterval(validity),
            issuer: name,
            subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: extensions,
            issuerPrivateKey: Certificate.PrivateKey(key))
        return (try certificate.serializeAsPEM().pemString, key.pemRepresentation)
    }

    private static func writeAtomically(_ data: Data, to path: String, permissions: Int) throws {
        let temporary = path + ".tmp"
        let manager = FileManager.default
        try? manager.removeItem(atPath: temporary)
        guard manager.createFile(atPath: temporary, contents: data, attributes: [.posixPermissions: permissions]) else {
            throw ServerError.certificateUnwritable(path: temporary)
        }
        if manager.fileExists(atPath: path) { try manager.removeItem(atPath: path) }
        try manager.moveItem(atPath: temporary, toPath: path)
    }
}
