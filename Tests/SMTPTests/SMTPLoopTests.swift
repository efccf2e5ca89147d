import XCTest
import MailCore
import MailStore
@testable import SMTP

final class SMTPLoopTests: SMTPSessionTestCase {
    /// RFC 5321 §6.3: 100 Received fields mean a mail loop.
    func testMailLoopIsRefused() async throws {
        let session = await greetedSession()
        let hops = String(repeating: "Received: from a by b; Tue, 14 Nov 2023 22:13:20 +0000\r\n", count: 100)
        var reply = await send(session, "MAIL FROM:<x@c.example>\r\nRCPT TO:<alice@example.org>\r\nDATA\r\n"
                               + hops + Self.message + ".\r\n")
        XCTAssertEqual(codes(reply), ["250 2.1.0", "250 2.1.5", "354", "554 5.4.6"])
        let fewer = String(repeating: "Received: from a by b; Tue, 14 Nov 2023 22:13:20 +0000\r\n", count: 99)
        reply = await send(session, "MAIL FROM:<x@c.example>\r\nRCPT TO:<alice@example.org>\r\nDATA\r\n"
                           + fewer + Self.message + ".\r\n")
        XCTAssertEqual(codes(reply), ["250 2.1.0", "250 2.1.5", "354", "250 2.0.0"])
        do { let value = try await inbox(alice).count; XCTAssertEqual(value, 1) }
    }

    func testAliasForwardWithoutQueue() async throws {
        try await sqlite.addAlias(Alias(source: "away@example.org", destinations: ["someone@elsewhere.example"]))
        let session = SMTPSession(store: store, authenticator: authenticator, configuration: configuration(),
                                  outboundQueue: nil, connection: Self.remote, logger: logger)
        let reply = await send(session, "EHLO c.example\r\nMAIL FROM:<a@c.example>\r\nRCPT TO:<away@example.org>\r\n"
                               + "RCPT TO:<friends@example.org>\r\n")
        XCTAssertEqual(codes(reply), ["250", "250 2.1.0", "550 5.7.1", "250 2.1.5"])
    }
}
