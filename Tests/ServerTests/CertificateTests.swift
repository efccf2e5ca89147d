import Foundation
import NIOSSL
import X509
import XCTest
@testable import Server

final class CertificateTests: XCTestCase {
    private var directory: String!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tern-cert-\(UUID().uuidString)").path
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    func testGeneratedCertificateNamesHostLocalhostAndLoopback() throws {
        let (pem, keyPEM) = try SelfSignedCertificate.generate(hostName: "mail.example.org")
        let certificate = try Certificate(pemEncoded: pem)
        let names = try XCTUnwrap(certificate.extensions.subjectAlternativeNames)
        XCTAssertTrue(names.contains(.dnsName("mail.example.org")))
        XCTAssertTrue(names.contains(.dnsName("localhost")))
        XCTAssertTrue(names.contains { if case .ipAddress(let bytes) = $0 { return Array(bytes.bytes) == [127, 0, 0, 1] }; return false })
        XCTAssertEqual(certificate.subject, certificate.issuer)
        XCTAssertGreaterThan(certificate.notValidAfter, Date().addingTimeInterval(365 * 24 * 3600))
        XCTAssertTrue(keyPEM.contains("PRIVATE KEY"))
        // The pair is usable by NIOSSL.
        XCTAssertNoThrow(try NIOSSLContext(configuration: .makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMBytes(Array(pem.utf8)).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(keyPEM.utf8), format: .pem)))))
    }

    func testLoadOrCreateWritesOnceWithPrivateKeyMode0600ThenReuses() throws {
        let first = try SelfSignedCertificate.loadOrCreate(hostName: "localhost", dataDirectory: directory)
        XCTAssertTrue(first.created)
        XCTAssertTrue(first.files.certificatePath.hasSuffix("/tls/cert.pem"))
        let attributes = try FileManager.default.attributesOfItem(atPath: first.files.keyPath)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
        let certificateBytes = try Data(contentsOf: URL(fileURLWithPath: first.files.certificatePath))

        let second = try SelfSignedCertificate.loadOrCreate(hostName: "localhost", dataDirectory: directory)
        XCTAssertFalse(second.created)
        XCTAssertEqual(second.files, first.files)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: second.files.certificatePath)), certificateBytes)
    }

    func testMissingKeyRegeneratesThePair() throws {
        let first = try SelfSignedCertificate.loadOrCreate(hostName: "localhost", dataDirectory: directory)
        let before = try String(contentsOfFile: first.files.certificatePath, encoding: .utf8)
        try FileManager.default.removeItem(atPath: first.files.keyPath)
        let again = try SelfSignedCertificate.loadOrCreate(hostName: "localhost", dataDirectory: directory)
        XCTAssertTrue(again.created)
        XCTAssertNotEqual(try String(contentsOfFile: again.files.certificatePath, encoding: .utf8), before)
    }

    func testProviderUsesGeneratedFilesAndReloadKeepsOldContextOnBadFiles() throws {
        var configuration = TernConfiguration.localDefaults
        configuration.dataDirectory = directory
        let provider = try TLSContextProvider.forConfiguration(configuration, logger: .init(label: "test"))
        let before = provider.current
        try provider.reload()
        XCTAssertFalse(provider.current === before, "reload builds a new context")

        let kept = provider.current
        try "not a certificate".write(toFile: provider.certificatePath, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try provider.reload()) { error in
            guard case ServerError.tlsLoadFailed = error else { return XCTFail("unexpected \(error)") }
        }
        XCTAssertTrue(provider.current === kept)
    }

    func testHalfConfiguredTLSFilesAreRejected() {
        var configuration = TernConfiguration.localDefaults
        configuration.dataDirectory = directory
        configuration.tls = TLSFiles(certificatePath: "/nonexistent/cert.pem", keyPath: nil)
        XCTAssertThrowsError(try TLSContextProvider.forConfiguration(configuration, logger: .init(label: "test"))) {
            XCTAssertEqual($0 as? ServerError, .tlsFilesIncomplete)
        }
    }

    func testConfiguredMissingFilesNameThePaths() {
        var configuration = TernConfiguration.localDefaults
        configuration.tls = TLSFiles(certificatePath: "/nonexistent/cert.pem", keyPath: "/nonexistent/key.pem")
        XCTAssertThrowsError(try TLSContextProvider.forConfiguration(configuration, logger: .init(label: "test"))) {
            XCTAssertTrue("\($0)".contains("/nonexistent/cert.pem"))
        }
    }

    /// The generated certificate names the autoconfig/autodiscover hosts of
    /// every local domain (where mail clients look for their settings).
    func testGeneratedCertificateNamesAutoconfigHostsOfLocalDomains() throws {
        let (files, created) = try SelfSignedCertificate.loadOrCreate(
            hostName: "mail.example.org", localDomains: ["example.org", "Example.NET"], dataDirectory: directory)
        XCTAssertTrue(created)
        XCTAssertEqual(SelfSignedCertificate.generatedNames(certificatePath: files.certificatePath), [
            "mail.example.org", "localhost", "autoconfig.example.org", "autodiscover.example.org",
            "autoconfig.example.net", "autodiscover.example.net",
        ])
    }

    /// host_name or local_domains changed: a new pair; the same names in
    /// another order: the old one.
    func testCertificateFollowsHostNameAndLocalDomains() throws {
        let first = try SelfSignedCertificate.ensure(hostName: "mail.example.org", localDomains: ["example.org"],
                                                     dataDirectory: directory)
        XCTAssertEqual(first.1, .created)
        let pem = try String(contentsOfFile: first.0.certificatePath, encoding: .utf8)
        let key = try String(contentsOfFile: first.0.keyPath, encoding: .utf8)

        let same = try SelfSignedCertificate.ensure(hostName: "MAIL.example.org", localDomains: ["example.org"],
                                                    dataDirectory: directory)
        XCTAssertEqual(same.1, .reused)
        XCTAssertEqual(try String(contentsOfFile: first.0.certificatePath, encoding: .utf8), pem)

        let domains = try SelfSignedCertificate.ensure(hostName: "mail.example.org",
                                                       localDomains: ["example.org", "example.net"],
                                                       dataDirectory: directory)
        XCTAssertEqual(domains.1, .regenerated(previousNames: [
            "mail.example.org", "localhost", "autoconfig.example.org", "autodiscover.example.org",
        ]))
        XCTAssertNotEqual(try String(contentsOfFile: first.0.certificatePath, encoding: .utf8), pem)
        XCTAssertNotEqual(try String(contentsOfFile: first.0.keyPath, encoding: .utf8), key)

        let host = try SelfSignedCertificate.ensure(hostName: "mx.example.org",
                                                    localDomains: ["example.org", "example.net"],
                                                    dataDirectory: directory)
        guard case .regenerated = host.1 else { return XCTFail("\(host.1)") }
        let certificate = try Certificate(pemEncoded: try String(contentsOfFile: host.0.certificatePath, encoding: .utf8))
        XCTAssertTrue(certificate.subject.description.contains("CN=mx.example.org"), certificate.subject.description)
        let mode = try FileManager.default.attributesOfItem(atPath: host.0.keyPath)[.posixPermissions] as? NSNumber
        XCTAssertEqual(mode?.intValue, 0o600)
    }

    /// A certificate Tern did not make (a real one put in tls/) is never replaced.
    func testForeignCertificateInTheDataDirectoryIsLeftAlone() throws {
        let files = SelfSignedCertificate.files(dataDirectory: directory)
        try FileManager.default.createDirectory(atPath: directory + "/tls", withIntermediateDirectories: true)
        try Self.foreignCertificate.write(toFile: files.certificatePath, atomically: true, encoding: .utf8)
        try Self.foreignKey.write(toFile: files.keyPath, atomically: true, encoding: .utf8)
        let pem = Self.foreignCertificate
        XCTAssertNil(SelfSignedCertificate.generatedNames(certificatePath: files.certificatePath))
        let result = try SelfSignedCertificate.ensure(hostName: "other.example.org", localDomains: ["example.org"],
                                                      dataDirectory: directory)
        XCTAssertEqual(result.1, .reused)
        XCTAssertEqual(try String(contentsOfFile: files.certificatePath, encoding: .utf8), pem)
    }

    /// `apply` follows a configuration: generated → configured files → a
    /// regenerated pair for a new host name; configured files are never written.
    func testProviderApplyFollowsTheConfiguration() throws {
        var configuration = TernConfiguration.localDefaults
        configuration.dataDirectory = directory
        let provider = try TLSContextProvider.forConfiguration(configuration, logger: .init(label: "test"))
        let generated = provider.certificatePath
        XCTAssertTrue(generated.hasSuffix("/tls/cert.pem"))

        let elsewhere = directory + "/configured"
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
        let (pem, keyPEM) = try SelfSignedCertificate.generate(hostName: "configured.example.org")
        try pem.write(toFile: elsewhere + "/cert.pem", atomically: true, encoding: .utf8)
        try keyPEM.write(toFile: elsewhere + "/key.pem", atomically: true, encoding: .utf8)
        configuration.tls = TLSFiles(certificatePath: elsewhere + "/cert.pem", keyPath: elsewhere + "/key.pem")
        configuration.hostName = "mail.example.org"
        try provider.apply(configuration, logger: .init(label: "test"))
        XCTAssertEqual(provider.certificatePath, elsewhere + "/cert.pem")
        XCTAssertEqual(try String(contentsOfFile: elsewhere + "/cert.pem", encoding: .utf8), pem)

        configuration.tls = TLSFiles()
        try provider.apply(configuration, logger: .init(label: "test"))
        XCTAssertEqual(provider.certificatePath, generated)
        XCTAssertEqual(SelfSignedCertificate.generatedNames(certificatePath: generated)?.first, "mail.example.org")
    }

    /// `openssl req -x509 -subj "/CN=mail.example.org/O=Example Org"` (not made by Tern).
    static let foreignCertificate = """
    -----BEGIN CERTIFICATE-----
    MIIB1jCCAXygAwIBAgIUJyvdzxoQhSmwdeBUa3qSA+w3JQQwCgYIKoZIzj0EAwIw
    MTEZMBcGA1UEAwwQbWFpbC5leGFtcGxlLm9yZzEUMBIGA1UECgwLRXhhbXBsZSBP
    cmcwIBcNMjYxMjAzMDg1MTU1WhgPMjEyNjExMDkwODUxNTVaMDExGTAXBgNVBAMM
    EG1haWwuZXhhbXBsZS5vcmcxFDASBgNVBAoMC0V4YW1wbGUgT3JnMFkwEwYHKoZI
    zj0CAQYIKoZIzj0DAQcDQgAE16CPruan6ahlUdKI749KN/fjTE0IJJlFjunqQYAj
    Tf7KvUWBuhuN+2CDCwrLXXIgbqp+y4uYzVoyhTEP7JuOtqNwMG4wHQYDVR0OBBYE
    FFLzihGAMXNrcuk0E9Jh3OqGsJoPMB8GA1UdIwQYMBaAFFLzihGAMXNrcuk0E9Jh
    3OqGsJoPMA8GA1UdEwEB/wQFMAMBAf8wGwYDVR0RBBQwEoIQbWFpbC5leGFtcGxl
    Lm9yZzAKBggqhkjOPQQDAgNIADBFAiEA+OI8ApHsy5ONDqHv4nbTmOVbXrNO6aTC
    tqcJPxQxhTECIHwSmTog/Z0pm8sF5ju/c4KcZnBxygRjHOstNzhQK9lV
    -----END CERTIFICATE-----
    """
    static let foreignKey = """
    -----BEGIN PRIVATE KEY-----
    MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgDHWqRT97CgrNfdKK
    NDcFwbcXUkPUwOkhqwIQoMnh4SOhRANCAATXoI+u5qfpqGVR0ojvj0o39+NMTQgk
    mUWO6epBgCNN/sq9RYG6G437YIMLCstdciBuqn7Li5jNWjKFMQ/sm462
    -----END PRIVATE KEY-----
    """

    func testRandomPasswordsAreBase32AndDiffer() {
        let first = StoreSetup.randomPassword()
        let second = StoreSetup.randomPassword()
        XCTAssertEqual(first.count, 16)
        XCTAssertTrue(first.allSatisfy { "abcdefghijklmnopqrstuvwxyz234567".contains($0) })
        XCTAssertNotEqual(first, second)
    }
}
