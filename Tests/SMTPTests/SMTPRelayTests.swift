import XCTest
import MailCore
import MailStore
@testable import SMTP

/// Never an open relay: every trick is refused without AUTH; real relay is
/// queued for authenticated sessions and trusted networks.
final class SMTPRelayTests: SMTPSessionTestCase {
    /// Recipients that must never be accepted from an unauthenticated outsider.
    static let relayAttempts = [
        "<user@other.example>",
        "<user%other.example@example.org>",
        "<other.example!user@example.org>",
        "<\"user@other.example\"@example.org>",
        "<@example.org:user@other.example>",
        "<@a.example,@b.example:user@c.example>",
        "<@other.example:alice@example.org>",
        "<alice@example.org.>",
        "<user@other.example.>",
        "<user@[192.0.2.1]>",
        "<user@[IPv6:2001:db8::1]>",
        "<user%other.example@catchall.example>",
        "<user%other.example@[127.0.0.1]>",
    ]

    func testRelayBatteryRefusedWithoutAuthentication() async throws {
        for connection in [Self.remote, Self.remoteTLS, Self.loopback] {
            for mode in [SMTPMode.mx, .submission] {
                let session = await greetedSession(configuration(mode, maxErrors: 100), connection: connection)
                if mode == .submission {
                    let reply = await send(session, "MAIL FROM:<alice@example.org>\r\n")
                    XCTAssertEqual(codes(reply), ["530 5.7.0"])
                    continue
                }
                _ = await send(session, "MAIL FROM:<spammer@bad.example>\r\n")
                for attempt in Self.relayAttempts {
                    let reply = await send(session, "RCPT TO:\(attempt)\r\n")
                    XCTAssertEqual(codes(reply), ["554 5.7.1"], "\(attempt) from \(connection.remoteAddress)")
                }
                let data = await send(session, "DATA\r\n")
                XCTAssertEqual(codes(data), ["554 5.5.1"])
            }
        }
        XCTAssertTrue(queue.entries.isEmpty)
        for account in [alice!, bob!, carol!] {
            let stored = try await inbox(account)
            XCTAssertEqual(stored, [])
        }
    }

    func testAuthenticatedRelayIsQueued() async throws {
        let session = await greetedSession(connection: Self.remoteTLS)
        let auth = await send(session, "AUTH PLAIN \(plain("alice@example.org", Self.password))\r\n")
        XCTAssertEqual(auth, "235 2.7.0 Authentication successful\r\n")
        var reply = await send(session, "MAIL FROM:<alice@example.org> RET=HDRS ENVID=abc123\r\n"
            + "RCPT TO:<user@other.example> NOTIFY=FAILURE,DELAY ORCPT=rfc822;user@other.example\r\n"
            + "RCPT TO:<@a.example,@b.example:user@c.example>\r\n" + "RCPT TO:<user@[192.0.2.1]>\r\n"
            + "RCPT TO:<user@other.example.>\r\n" + "RCPT TO:<bob@example.org>\r\n"
            + "RCPT TO:<user%other.example@example.org>\r\n" + "DATA\r\n")
        XCTAssertEqual(codes(reply), ["250 2.1.0", "250 2.1.5", "250 2.1.5", "250 2.1.5", "250 2.1.5", "250 2.1.5",
                                      "554 5.7.1", "354"])
        reply = await send(session, Self.message + ".\r\n")
        XCTAssertEqual(reply, "250 2.0.0 OK id=ID1\r\n")
        XCTAssertEqual(queue.entries.count, 1)
        let entry = try XCTUnwrap(queue.entries.first)
        XCTAssertEqual(entry.sender, "alice@example.org")
        XCTAssertEqual(entry.recipients.map(\.address),
                       ["user@other.example", "user@c.example", "user@[192.0.2.1]", "user@other.example."])
        XCTAssertEqual(entry.recipients[0].notify, .on(success: false, failure: true, delay: true))
        XCTAssertEqual(entry.recipients[0].originalRecipient,
                       OriginalRecipient(addressType: "rfc822", address: "user@other.example"))
        XCTAssertEqual(entry.dsn, DSNParameters(ret: .headers, envelopeID: "abc123"))
        let body = String(decoding: entry.body, as: UTF8.self)
        XCTAssertTrue(body.hasPrefix("Received: from client.example ([192.0.2.7])\r\n"), body)
        XCTAssertTrue(body.contains("with ESMTPSA id ID1\r\n\t; Tue, 14 Nov 2023"), body)
        XCTAssertTrue(body.hasSuffix("\r\n" + Self.message))
        XCTAssertFalse(body.contains("Return-Path"))
        // The local recipient got its copy in the same transaction.
        do { let value = try await inbox(bob).count; XCTAssertEqual(value, 1) }
    }

    func testTrustedNetworkMayRelayWithoutAuthentication() async throws {
        let session = await greetedSession(connection: Self.trusted)
        let reply = await send(session, "MAIL FROM:<app@internal.example>\r\nRCPT TO:<user@other.example>\r\nDATA\r\n"
                               + Self.message + ".\r\n")
        XCTAssertEqual(codes(reply), ["250 2.1.0", "250 2.1.5", "354", "250 2.0.0"])
        XCTAssertEqual(queue.entries.map(\.sender), ["app@internal.example"])
    }

    func testRelayWithoutQueueIsRefused() async throws {
        let session = SMTPSession(store: store, authenticator: authenticator, configuration: configuration(),
                                  outboundQueue: nil, connection: Self.trusted, logger: logger)
        let reply = await send(session, "EHLO c.example\r\nMAIL FROM:<a@c.example>\r\nRCPT TO:<user@other.example>\r\n")
        XCTAssertEqual(codes(reply), ["250", "250 2.1.0", "550 5.7.1"])
    }

    func testIPNetwork() {
        let v4 = IPNetwork("198.51.100.0/24")!
        XCTAssertTrue(v4.contains("198.51.100.20"))
        XCTAssertTrue(v4.contains("::ffff:198.51.100.20"))
        XCTAssertFalse(v4.contains("198.51.101.20"))
        XCTAssertFalse(v4.contains("unknown"))
        let v6 = IPNetwork("2001:db8::/32")!
        XCTAssertTrue(v6.contains("2001:db8:1::5"))
        XCTAssertFalse(v6.contains("2001:db9::5"))
        XCTAssertFalse(v6.contains("198.51.100.20"))
        XCTAssertTrue(IPNetwork("127.0.0.1")!.contains("127.0.0.1"))
        XCTAssertEqual(IPNetwork("10.1.2.3/8")?.description, "10.0.0.0/8")
        XCTAssertNil(IPNetwork("10.0.0.0/33"))
        XCTAssertNil(IPNetwork("10.0.0/8"))
        XCTAssertNil(IPNetwork("example.org/8"))
    }
}
