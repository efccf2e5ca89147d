// DKIM signing by the queue runner (RFC 6376): authenticated mail only,
// signed once per message, for the sender's own domain.
import Foundation
import Logging
import MailCore
import MailStore
import Synchronization
import XCTest
@testable import SMTP

final class QueueRunnerDKIMTests: QueueRunnerTestCase {
    // MARK: DKIM

    func testAuthenticatedMailIsSignedOnceAndVerifies() async throws {
        let keys = DKIMKeyStore(dataDirectory: directory.path)
        let key = try DKIMPrivateKey.generate(.ed25519)
        try keys.save(key, domain: "example.org", selector: "s1")
        try await enqueue(["bob@remote.test", "carol@other.test"], user: "alice@example.org")
        await runner(dkim: keys).runOnce()
        let bodies = transport.calls.map(\.transaction.body)
        XCTAssertEqual(bodies.count, 2)
        XCTAssertEqual(bodies[0], bodies[1], "signed once per message")
        let signed = try XCTUnwrap(bodies.first)
        XCTAssertTrue(signed.starts(with: Array("DKIM-Signature:".utf8)))
        XCTAssertEqual(try DKIMTestVerifier.verify(signed, key: key.publicKey), .pass)
        let tags = DKIMTestVerifier.tags(ofField: String(decoding: signed, as: UTF8.self))
        XCTAssertEqual(tags["d"], "example.org")
        XCTAssertEqual(tags["s"], "s1")
        XCTAssertEqual(Array(signed.suffix(Self.body().count)), Self.body())
    }

    func testRelayedMailAndForeignFromAreNotSignedByTheWrongDomain() async throws {
        let keys = DKIMKeyStore(dataDirectory: directory.path)
        try keys.save(try DKIMPrivateKey.generate(.ed25519), domain: "example.org", selector: "s1")
        try keys.save(try DKIMPrivateKey.generate(.ed25519), domain: "bank.test", selector: "s1")
        // Relayed (no authenticated user): unchanged.
        try await enqueue(["a@remote.test"])
        // Authenticated, but From names a domain the user does not own:
        // signed for the sender's domain only.
        try await enqueue(["b@remote.test"], user: "alice@example.org", body: Self.body(from: "ceo@bank.test"))
        await runner(dkim: keys).runOnce()
        let byRecipient = Dictionary(uniqueKeysWithValues: transport.calls.map { ($0.recipients[0], $0.transaction.body) })
        XCTAssertEqual(byRecipient["a@remote.test"], Self.body())
        let forged = try XCTUnwrap(byRecipient["b@remote.test"])
        XCTAssertEqual(DKIMTestVerifier.tags(ofField: String(decoding: forged, as: UTF8.self))["d"], "example.org")
    }

    func testAuthenticatedMailWithoutKeyOrFromGoesOutUnsigned() async throws {
        let keys = DKIMKeyStore(dataDirectory: directory.path)
        try keys.save(try DKIMPrivateKey.generate(.ed25519), domain: "example.org", selector: "s1")
        let noFrom = Array("Subject: no author\r\n\r\nbody\r\n".utf8)
        try await enqueue(["a@remote.test"], user: "alice@example.org", body: noFrom)
        try await enqueue(["b@remote.test"], sender: "x@nokey.test", user: "x@nokey.test",
                          body: Self.body(from: "x@nokey.test"))
        await runner(dkim: keys).runOnce()
        let byRecipient = Dictionary(uniqueKeysWithValues: transport.calls.map { ($0.recipients[0], $0.transaction.body) })
        XCTAssertEqual(byRecipient["a@remote.test"], noFrom)
        XCTAssertEqual(byRecipient["b@remote.test"], Self.body(from: "x@nokey.test"))
    }
}
