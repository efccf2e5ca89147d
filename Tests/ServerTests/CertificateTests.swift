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

    func testRandomPasswordsAreBase32AndDiffer() {
        let first = StoreSetup.randomPassword()
        let second = StoreSetup.randomPassword()
        XCTAssertEqual(first.count, 16)
        XCTAssertTrue(first.allSatisfy { "abcdefghijklmnopqrstuvwxyz234567".contains($0) })
        XCTAssertNotEqual(first, second)
    }
}
