import Crypto
import Foundation
import XCTest
@testable import SMTP

/// An independent verifier: Python's dkimpy checks Tern-signed messages, with
/// the public key handed to it through its `dnsfunc` hook (no DNS).
/// Needs `pip install dkimpy pynacl`; skipped without them unless CI=true.
final class DKIMPythonVerifierTests: XCTestCase {
    private static let script = """
        import sys, dkim
        message = open(sys.argv[1], 'rb').read()
        record = open(sys.argv[2], 'rb').read()
        expected = sys.argv[3].rstrip('.')
        def dnsfunc(name, timeout=5):
            if isinstance(name, bytes):
                name = name.decode()
            return record if name.rstrip('.') == expected else None
        ok = dkim.verify(message, dnsfunc=dnsfunc)
        print('pass' if ok else 'fail')
        sys.exit(0 if ok else 1)
        """

    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("dkimpy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let (status, output) = try run(["-c", "import dkim, nacl"])
        if status != 0 {
            let message = "Python dkimpy/pynacl missing (pip install dkimpy pynacl): \(output)"
            if ProcessInfo.processInfo.environment["CI"] == "true" {
                XCTFail(message)
            }
            throw XCTSkip(message)
        }
    }

    override func tearDownWithError() throws {
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }

    func testDkimpyVerifiesRSASignature() throws {
        try checkWithDkimpy(try DKIMPrivateKey.generate(.rsa))
    }

    func testDkimpyVerifiesEd25519Signature() throws {
        try checkWithDkimpy(try DKIMPrivateKey.generate(.ed25519))
    }

    func testDkimpyVerifiesKeyLoadedFromKeyStore() throws {
        let keys = DKIMKeyStore(dataDirectory: directory.path)
        try keys.save(try DKIMPrivateKey.generate(.rsa), domain: "example.com", selector: "tern202611")
        let loaded = try XCTUnwrap(try keys.signingKey(domain: "example.com"))
        XCTAssertEqual(loaded.selector, "tern202611")
        try checkWithDkimpy(loaded.key, selector: loaded.selector,
                            publishedKey: try keys.publicKey(domain: "example.com", selector: "tern202611"))
    }

    func testDkimpyRejectsTamperedMessage() throws {
        let key = try DKIMPrivateKey.generate(.ed25519)
        var signed = try DKIMSigner().sign(message: DKIMTests.sampleMessage, domain: "example.com",
                                           selector: "sel", key: key)
        signed += Array("Appended line.\r\n".utf8)
        let (status, output) = try dkimpyVerify(signed, record: key.publicKey.dnsRecord(domain: "example.com",
                                                                                        selector: "sel"))
        XCTAssertNotEqual(status, 0, output)
        XCTAssertTrue(output.contains("fail"), output)
    }

    private func checkWithDkimpy(_ key: DKIMPrivateKey, selector: String = "sel",
                                 publishedKey: DKIMPublicKey? = nil) throws {
        let signed = try DKIMSigner().sign(message: DKIMTests.sampleMessage, domain: "example.com",
                                           selector: selector, key: key)
        let record = (publishedKey ?? key.publicKey).dnsRecord(domain: "example.com", selector: selector)
        let (status, output) = try dkimpyVerify(signed, record: record)
        XCTAssertEqual(status, 0, "dkimpy: \(output)\n\(String(decoding: signed, as: UTF8.self))")
        XCTAssertTrue(output.contains("pass"), output)
    }

    /// Runs dkimpy on `message` with `record` as the only TXT record (the
    /// record's character-strings joined, as a DNS client returns them).
    private func dkimpyVerify(_ message: [UInt8], record: DKIMDNSRecord) throws -> (Int32, String) {
        let messageFile = directory.appendingPathComponent("message.eml")
        let recordFile = directory.appendingPathComponent("record.txt")
        let scriptFile = directory.appendingPathComponent("verify.py")
        try Data(message).write(to: messageFile)
        try Data(record.strings.joined().utf8).write(to: recordFile)
        try Data(DKIMPythonVerifierTests.script.utf8).write(to: scriptFile)
        return try run([scriptFile.path, messageFile.path, recordFile.path, record.name])
    }

    private func run(_ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }
}
