// NIOSMTPClient and TLS (RFC 3207 STARTTLS per policy, RFC 8314 implicit
// TLS) and AUTH PLAIN (RFC 4954), against ScriptedSMTPServer with a
// throw-away certificate made by openssl.
import Foundation
import Logging
import MailStore
import NIOCore
import NIOPosix
import NIOSSL
import XCTest
@testable import SMTP

final class SMTPClientTLSTests: SMTPClientTestCase {
    // MARK: - TLS

    func testOpportunisticSTARTTLSEncryptsTheTransaction() async throws {
        var behaviour = ScriptedBehaviour()
        behaviour.startTLS = try TestCertificate.make().serverContext
        let server = try await start(behaviour)
        let result = await deliver(transaction(["a@mx.test"]), to: [host("mx.test", server)], tls: .opportunistic)
        XCTAssertEqual(status(result.outcomes["a@mx.test"]), "delivered 250")
        XCTAssertNotNil(result.tlsVersion)
        XCTAssertTrue(result.tlsVersion?.hasPrefix("TLSv1.") ?? false)
        let commands = server.recording.commands
        XCTAssertEqual(commands.map(\.line), ["EHLO client.test", "STARTTLS", "EHLO client.test",
                                              "MAIL FROM:<alice@example.org> SIZE=\(transaction(["a"]).body.count)",
                                              "RCPT TO:<a@mx.test>", "DATA", "QUIT"])
        XCTAssertEqual(commands.map(\.overTLS), [false, false, true, true, true, true, true])
        XCTAssertEqual(server.recording.messages.count, 1)
    }

    func testOpportunisticWithoutSTARTTLSStaysInCleartext() async throws {
        let server = try await start()
        let result = await deliver(transaction(["a@mx.test"]), to: [host("mx.test", server)], tls: .opportunistic)
        XCTAssertEqual(status(result.outcomes["a@mx.test"]), "delivered 250")
        XCTAssertNil(result.tlsVersion)
        XCTAssertFalse(server.recording.lines.contains("STARTTLS"))
    }

    func testOpportunisticHandshakeFailureRetriesInCleartextOnce() async throws {
        // The server says 220 to STARTTLS but never starts TLS: the handshake fails.
        var behaviour = ScriptedBehaviour()
        behaviour.extensions = ["PIPELINING", "STARTTLS"]
        behaviour.rule = { $0 == "STARTTLS" ? .text("220 2.0.0 go ahead (not really)") : nil }
        let server = try await start(behaviour)
        let result = await deliver(transaction(["a@mx.test"]), to: [host("mx.test", server)], tls: .opportunistic)
        XCTAssertEqual(status(result.outcomes["a@mx.test"]), "delivered 250")
        XCTAssertNil(result.tlsVersion)
        XCTAssertEqual(server.recording.connections, 2)
        XCTAssertEqual(server.recording.lines.filter { $0 == "STARTTLS" }.count, 1)
        XCTAssertEqual(server.recording.messages.count, 1)
    }

    func testRefusedSTARTTLSContinuesInCleartext() async throws {
        var behaviour = ScriptedBehaviour()
        behaviour.extensions = ["STARTTLS"]
        behaviour.rule = { $0 == "STARTTLS" ? .text("454 4.7.0 TLS not available") : nil }
        let server = try await start(behaviour)
        let result = await deliver(transaction(["a@mx.test"]), to: [host("mx.test", server)], tls: .opportunistic)
        XCTAssertEqual(status(result.outcomes["a@mx.test"]), "delivered 250")
        XCTAssertEqual(server.recording.connections, 1)
    }

    func testRequireVerifiedRefusesASelfSignedCertificate() async throws {
        var behaviour = ScriptedBehaviour()
        behaviour.startTLS = try TestCertificate.make().serverContext
        let server = try await start(behaviour)
        let result = await deliver(transaction(["a@mx.test"]), to: [host("localhost", server)], tls: .requireVerified)
        XCTAssertEqual(status(result.outcomes["a@mx.test"]), "temporary 4.7.5")
        XCTAssertTrue(server.recording.lines.contains("STARTTLS"))
        XCTAssertFalse(server.recording.lines.contains { $0.hasPrefix("MAIL") })
    }

    func testRequireVerifiedWithoutSTARTTLSIsTemporary() async throws {
        let server = try await start()
        let result = await deliver(transaction(["a@mx.test"]), to: [host("localhost", server)], tls: .requireVerified)
        XCTAssertEqual(status(result.outcomes["a@mx.test"]), "temporary 4.7.5")
        XCTAssertFalse(server.recording.lines.contains { $0.hasPrefix("MAIL") })
    }

    func testRequireVerifiedWithATrustedCertificateDelivers() async throws {
        let material = try TestCertificate.make()
        var behaviour = ScriptedBehaviour()
        behaviour.startTLS = material.serverContext
        let server = try await start(behaviour)
        let trusting = client(trustRoots: .certificates([material.certificate]))
        let result = await deliver(transaction(["a@mx.test"]), to: [host("localhost", server)], tls: .requireVerified,
                                   client: trusting)
        XCTAssertEqual(status(result.outcomes["a@mx.test"]), "delivered 250")
        XCTAssertNotNil(result.tlsVersion)
        // The name must match too.
        let wrongName = await deliver(transaction(["a@mx.test"]), to: [host("mx.other.test", server)],
                                      tls: .requireVerified, client: trusting)
        XCTAssertEqual(status(wrongName.outcomes["a@mx.test"]), "temporary 4.7.5")
    }

    func testImplicitTLSWithAuthPlain() async throws {
        var behaviour = ScriptedBehaviour()
        behaviour.implicitTLS = try TestCertificate.make().serverContext
        behaviour.extensions = ["PIPELINING", "AUTH PLAIN LOGIN", "8BITMIME"]
        let server = try await start(behaviour)
        let credentials = SMTPClientCredentials(username: "relay-user", password: "s3cret")
        let result = await deliver(transaction(["a@far.test"]), to: [host("smarthost.test", server)], tls: .implicit,
                                   credentials: credentials)
        XCTAssertEqual(status(result.outcomes["a@far.test"]), "delivered 250")
        XCTAssertNotNil(result.tlsVersion)
        let expected = "AUTH PLAIN " + Data("\0relay-user\0s3cret".utf8).base64EncodedString()
        XCTAssertEqual(Array(server.recording.lines.prefix(3)), ["EHLO client.test", expected,
                                                                 "MAIL FROM:<alice@example.org>"])
        XCTAssertTrue(server.recording.commands.allSatisfy(\.overTLS))
    }

    func testRefusedAuthIsTemporaryForEveryRecipient() async throws {
        var behaviour = ScriptedBehaviour()
        behaviour.implicitTLS = try TestCertificate.make().serverContext
        behaviour.extensions = ["AUTH PLAIN"]
        behaviour.rule = { $0.hasPrefix("AUTH") ? .text("535 5.7.8 bad credentials") : nil }
        let server = try await start(behaviour)
        let result = await deliver(transaction(["a@far.test", "b@far.test"]), to: [host("smarthost.test", server)],
                                   tls: .implicit, credentials: SMTPClientCredentials(username: "u", password: "p"))
        XCTAssertEqual(status(result.outcomes["a@far.test"]), "temporary 4.7.8")
        XCTAssertEqual(status(result.outcomes["b@far.test"]), "temporary 4.7.8")
        XCTAssertFalse(server.recording.lines.contains { $0.hasPrefix("MAIL") })
    }

    func testCredentialsAreNeverSentInCleartext() async throws {
        var behaviour = ScriptedBehaviour()
        behaviour.extensions = ["AUTH PLAIN"]
        let server = try await start(behaviour)
        let result = await deliver(transaction(["a@far.test"]), to: [host("smarthost.test", server)], tls: .opportunistic,
                                   credentials: SMTPClientCredentials(username: "u", password: "p"))
        XCTAssertEqual(status(result.outcomes["a@far.test"]), "temporary 4.7.0")
        XCTAssertFalse(server.recording.lines.contains { $0.hasPrefix("AUTH") || $0.hasPrefix("MAIL") })
    }


    func testBytesAfterTheSTARTTLSReplyAreNeverTakenAsProtected() async throws {
        // RFC 3207 §5: a reply injected after "220" in cleartext must not be read after the handshake.
        var behaviour = ScriptedBehaviour()
        behaviour.startTLS = try TestCertificate.make().serverContext
        behaviour.rule = { $0 == "STARTTLS" ? .raw(Array("220 go ahead\r\n250 injected\r\n".utf8)) : nil }
        let server = try await start(behaviour)
        let result = await deliver(transaction(["a@mx.test"]), to: [host("localhost", server)], tls: .requireVerified)
        XCTAssertEqual(status(result.outcomes["a@mx.test"]), "temporary 4.7.5")
        XCTAssertFalse(server.recording.lines.contains { $0.hasPrefix("MAIL") })
    }
}
