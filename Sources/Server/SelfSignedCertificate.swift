import Crypto
import Foundation
import SwiftASN1
import X509

/// The self-signed certificate used when the configuration names no
/// certificate: generated on first start and kept in `<dataDirectory>/tls/`
/// so later starts (and clients that pinned it) reuse it. The certificate
/// records what it was made for in its subject alternative names: when
/// `host_name` or the local domains change, the next start (or SIGHUP)
/// makes a new one.
enum SelfSignedCertificate {
    struct Files: Equatable {
        var certificatePath: String
        var keyPath: String
    }

    /// Why `loadOrCreate` wrote new files.
    enum Creation: Equatable {
        /// The files were there and name the right hosts.
        case reused
        /// One of the files was missing.
        case created
        /// The certificate named other hosts (`host_name` or the local domains changed).
        case regenerated(previousNames: [String])
    }

    /// How long a generated certificate is valid: a local default, so long.
    static let validity: TimeInterval = 10 * 365 * 24 * 3600
    /// The organisation in the subject, by which Tern recognises a certificate it made.
    static let organization = "Tern self-signed"

    static func files(dataDirectory: String) -> Files {
        let directory = URL(fileURLWithPath: dataDirectory).appendingPathComponent("tls")
        return Files(certificatePath: directory.appendingPathComponent("cert.pem").path,
                     keyPath: directory.appendingPathComponent("key.pem").path)
    }

    /// The DNS names a generated certificate carries: the host name,
    /// "localhost", and `autoconfig.` and `autodiscover.` of each local
    /// domain (where mail clients look for their settings), lower case,
    /// without duplicates, in that order.
    static func dnsNames(hostName: String, localDomains: [String]) -> [String] {
        var names: [String] = []
        func add(_ name: String) {
            let lower = name.lowercased()
            if !names.contains(lower) { names.append(lower) }
        }
        add(hostName)
        add("localhost")
        for domain in localDomains {
            add("autoconfig." + domain)
            add("autodiscover." + domain)
        }
        return names
    }

    /// Returns the certificate files in the data directory, generating them
    /// when either is missing or when a certificate Tern generated names
    /// other hosts than `dnsNames(hostName:localDomains:)`. A certificate
    /// Tern did not make is never replaced.
    static func loadOrCreate(hostName: String, localDomains: [String] = [],
                             dataDirectory: String) throws -> (files: Files, created: Bool) {
        let (files, creation) = try ensure(hostName: hostName, localDomains: localDomains, dataDirectory: dataDirectory)
        return (files, creation != .reused)
    }

    /// `loadOrCreate`, saying why files were written.
    static func ensure(hostName: String, localDomains: [String], dataDirectory: String) throws -> (Files, Creation) {
        let files = files(dataDirectory: dataDirectory)
        let manager = FileManager.default
        let wanted = dnsNames(hostName: hostName, localDomains: localDomains)
        var creation = Creation.created
        if manager.fileExists(atPath: files.certificatePath), manager.fileExists(atPath: files.keyPath) {
            guard let existing = generatedNames(certificatePath: files.certificatePath),
                  Set(existing) != Set(wanted) else {
                return (files, .reused)
            }
            creation = .regenerated(previousNames: existing)
        }
        let (certificatePEM, keyPEM) = try generate(hostName: hostName, localDomains: localDomains)
        let directory = (files.certificatePath as NSString).deletingLastPathComponent
        try manager.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                    attributes: [.posixPermissions: 0o700])
        // Key first, mode 0600 from the start; each file written whole then renamed into place.
        try writeAtomically(Data(keyPEM.utf8), to: files.keyPath, permissions: 0o600)
        try writeAtomically(Data(certificatePEM.utf8), to: files.certificatePath, permissions: 0o644)
        return (files, creation)
    }

    /// The DNS names of a certificate Tern generated; nil for any other
    /// certificate (or a file that is not one), which is left alone.
    static func generatedNames(certificatePath: String) -> [String]? {
        guard let pem = try? String(contentsOfFile: certificatePath, encoding: .utf8),
              let certificate = try? Certificate(pemEncoded: pem),
              certificate.subject.description.contains("O=\(organization)"),
              let alternativeNames = try? certificate.extensions.subjectAlternativeNames else {
            return nil
        }
        return alternativeNames.compactMap { name in
            if case .dnsName(let dnsName) = name { return dnsName }
            return nil
        }
    }

    /// A new P-256 key and a certificate for it, signed by itself, as PEM.
    /// Subject alternative names (RFC 5280 §4.2.1.6): `dnsNames` and
    /// 127.0.0.1, so clients can verify it once trusted, also when they
    /// reach the server as autoconfig.DOMAIN or autodiscover.DOMAIN.
    static func generate(hostName: String, localDomains: [String] = [],
                         now: Date = Date()) throws -> (certificate: String, privateKey: String) {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName {
            CommonName(hostName)
            OrganizationName(organization)
        }
        var alternativeNames = dnsNames(hostName: hostName, localDomains: localDomains).map { GeneralName.dnsName($0) }
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
