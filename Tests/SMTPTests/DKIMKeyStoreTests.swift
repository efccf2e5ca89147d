import Crypto
import Foundation
import XCTest
@testable import SMTP

/// Key generation, PEM storage, the DNS record and the key store.
final class DKIMKeyStoreTests: XCTestCase {
    private var directory: String!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("dkim-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        if let directory { try? FileManager.default.removeItem(atPath: directory) }
    }

    func testPEMRoundTripForBothAlgorithms() throws {
        for algorithm in DKIMAlgorithm.allCases {
            let key = try DKIMPrivateKey.generate(algorithm)
            let loaded = try DKIMPrivateKey(pemRepresentation: key.pemRepresentation)
            XCTAssertEqual(loaded.algorithm, algorithm)
            XCTAssertEqual(loaded.publicKey.dnsKeyData, key.publicKey.dnsKeyData)
            let publicKey = try DKIMPublicKey(pemRepresentation: key.publicKey.pemRepresentation)
            XCTAssertEqual(publicKey.dnsKeyData, key.publicKey.dnsKeyData)
            // What one key signs the other's public key verifies.
            let data = Array("header data".utf8)
            XCTAssertTrue(publicKey.isValidSignature(try loaded.signature(forHeaderData: data), forHeaderData: data))
            XCTAssertFalse(publicKey.isValidSignature(try loaded.signature(forHeaderData: data),
                                                      forHeaderData: data + [0x20]))
        }
    }

    func testEd25519PEMIsPKCS8AsOpenSSLWritesIt() throws {
        // RFC 8410 §10.3 example private key.
        let pem = """
            -----BEGIN PRIVATE KEY-----
            MC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC
            -----END PRIVATE KEY-----
            """
        let key = try DKIMPrivateKey(pemRepresentation: pem)
        XCTAssertEqual(key.algorithm, .ed25519)
        XCTAssertEqual(key.pemRepresentation.trimmingCharacters(in: .newlines), pem)
        // RFC 8410 §10.1: its public key.
        XCTAssertEqual(key.publicKey.pemRepresentation.trimmingCharacters(in: .newlines), """
            -----BEGIN PUBLIC KEY-----
            MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=
            -----END PUBLIC KEY-----
            """)
    }

    func testRSAKeyIs2048BitsAndRecordIsSplitInto255CharacterStrings() throws {
        let key = try DKIMPrivateKey.generate(.rsa)
        // The SubjectPublicKeyInfo of a 2048-bit RSA key (exponent 65537) is 294 bytes.
        XCTAssertEqual(key.publicKey.dnsKeyData.count, 294)
        let record = key.publicKey.dnsRecord(domain: "example.com", selector: "tern202611")
        XCTAssertEqual(record.name, "tern202611._domainkey.example.com.")
        XCTAssertTrue(record.value.hasPrefix("v=DKIM1; k=rsa; p=MIIBIjAN"), record.value)
        XCTAssertGreaterThan(record.strings.count, 1)
        XCTAssertTrue(record.strings.allSatisfy { $0.utf8.count <= 255 })
        XCTAssertEqual(record.strings.joined(), record.value)
        XCTAssertTrue(record.zoneFileLine.hasPrefix("tern202611._domainkey.example.com. IN TXT \"v=DKIM1; k=rsa; p="))
    }

    func testEd25519RecordHoldsTheRawKey() throws {
        let key = try DKIMPrivateKey.generate(.ed25519)
        let record = key.publicKey.dnsRecord(domain: "example.com", selector: "s")
        XCTAssertEqual(record.strings.count, 1)
        let p = try XCTUnwrap(record.value.components(separatedBy: "p=").last)
        XCTAssertEqual(Data(base64Encoded: p)?.count, 32)
        XCTAssertTrue(record.value.hasPrefix("v=DKIM1; k=ed25519; p="))
    }

    func testStoreSavesWithModesAndLoadsNewestKey() throws {
        let keys = DKIMKeyStore(dataDirectory: directory)
        XCTAssertNil(try keys.signingKey(domain: "example.com"))
        let first = try DKIMPrivateKey.generate(.ed25519)
        try keys.save(first, domain: "Example.com", selector: "old")
        let keyPath = directory + "/dkim/example.com.old.key"
        let attributes = try FileManager.default.attributesOfItem(atPath: keyPath)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory + "/dkim/example.com.old.pub"))
        // Back-date the first key so the second is clearly newer.
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: 1_000_000)],
                                              ofItemAtPath: keyPath)
        let second = try DKIMPrivateKey.generate(.ed25519)
        try keys.save(second, domain: "example.com", selector: "new")
        // Another domain whose name starts the same way is not mixed in.
        try keys.save(try DKIMPrivateKey.generate(.ed25519), domain: "example.com.au", selector: "x")
        XCTAssertEqual(try keys.selectors(domain: "example.com"), ["new", "old"])
        let signing = try XCTUnwrap(try keys.signingKey(domain: "EXAMPLE.COM."))
        XCTAssertEqual(signing.selector, "new")
        XCTAssertEqual(signing.key.publicKey.dnsKeyData, second.publicKey.dnsKeyData)
        XCTAssertEqual(try keys.privateKey(domain: "example.com", selector: "old").publicKey.dnsKeyData,
                       first.publicKey.dnsKeyData)
    }

    func testStoreRefusesOverwriteAndBadNames() throws {
        let keys = DKIMKeyStore(dataDirectory: directory)
        try keys.save(try DKIMPrivateKey.generate(.ed25519), domain: "example.com", selector: "s")
        XCTAssertThrowsError(try keys.save(try DKIMPrivateKey.generate(.ed25519), domain: "example.com", selector: "s")) {
            guard case .keyExists = $0 as? DKIMError else { return XCTFail("\($0)") }
        }
        let replacement = try DKIMPrivateKey.generate(.ed25519)
        try keys.save(replacement, domain: "example.com", selector: "s", replace: true)
        XCTAssertEqual(try keys.publicKey(domain: "example.com", selector: "s").dnsKeyData,
                       replacement.publicKey.dnsKeyData)
        for (domain, selector) in [("../../etc", "s"), ("example.com", "../x"), ("a/b", "s"), ("example.com", "s."),
                                   ("example.com", "a.b"), ("example.com", "-s")] {
            XCTAssertThrowsError(try keys.save(replacement, domain: domain, selector: selector), "\(domain) \(selector)")
        }
        XCTAssertThrowsError(try keys.privateKey(domain: "example.com", selector: "missing")) {
            XCTAssertEqual($0 as? DKIMError, .keyNotFound(domain: "example.com", selector: "missing"))
        }
    }

    func testGarbagePEMIsRejected() {
        for text in ["", "not a key", "-----BEGIN PRIVATE KEY-----\n!!!\n-----END PRIVATE KEY-----\n",
                     "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEINTu\n-----END PRIVATE KEY-----\n"] {
            XCTAssertThrowsError(try DKIMPrivateKey(pemRepresentation: text), text)
            XCTAssertThrowsError(try DKIMPublicKey(pemRepresentation: text), text)
        }
    }
}
