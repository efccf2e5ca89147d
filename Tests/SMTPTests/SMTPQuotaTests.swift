import Foundation
import XCTest
import MailCore
@testable import MailStore
@testable import SMTP

/// Quotas at SMTP delivery (RFC 3463 §3.3): a full mailbox is refused at
/// RCPT with `452 4.2.2` (the sender retries), a message that can never fit
/// with `552 5.2.2`, and a message that would pass the limit at DATA the same
/// way, with nothing stored.
final class SMTPQuotaTests: SMTPSessionTestCase {
    let message = "Subject: hi\r\n\r\nHello there.\r\n"

    func testFullMailboxIsRefusedAtRCPT() async throws {
        try await sqlite.setQuota(accountID: alice.id, .custom(QuotaLimits(messages: 1)))
        let session = await greetedSession()
        let first = await send(session, "MAIL FROM:<x@c.example>\r\nRCPT TO:<alice@example.org>\r\nDATA\r\n\(message).\r\n")
        XCTAssertEqual(codes(first), ["250 2.1.0", "250 2.1.5", "354", "250 2.0.0"])
        let full = await send(session, "MAIL FROM:<x@c.example>\r\nRCPT TO:<alice@example.org>\r\nRCPT TO:<bob@example.org>\r\n")
        XCTAssertEqual(codes(full), ["250 2.1.0", "452 4.2.2", "250 2.1.5"], "bob still gets it")
        let rest = await send(session, "DATA\r\n\(message).\r\n")
        XCTAssertEqual(codes(rest), ["354", "250 2.0.0"])
        let aliceCount = try await inbox(alice).count
        let bobCount = try await inbox(bob).count
        XCTAssertEqual([aliceCount, bobCount], [1, 1])
    }

    func testMessageThatCanNeverFit() async throws {
        try await sqlite.setQuota(accountID: alice.id, .custom(QuotaLimits(storage: 40)))
        let session = await greetedSession()
        let declared = await send(session, "MAIL FROM:<x@c.example> SIZE=5000\r\nRCPT TO:<alice@example.org>\r\n")
        XCTAssertEqual(codes(declared), ["250 2.1.0", "552 5.2.2"])
        _ = await send(session, "RSET\r\n")
        let long = message + String(repeating: "more text\r\n", count: 20)
        let undeclared = await send(session, "MAIL FROM:<x@c.example>\r\nRCPT TO:<alice@example.org>\r\nDATA\r\n\(long).\r\n")
        XCTAssertEqual(codes(undeclared), ["250 2.1.0", "250 2.1.5", "354", "552 5.2.2"])
        let count = try await inbox(alice).count
        XCTAssertEqual(count, 0)
    }

    func testMessageThatWouldPassTheLimitIsDeferred() async throws {
        let session = await greetedSession()
        _ = await send(session, "MAIL FROM:<x@c.example>\r\nRCPT TO:<alice@example.org>\r\nDATA\r\n\(message).\r\n")
        let stored = try await sqlite.quota(accountID: alice.id).usage.storage
        try await sqlite.setQuota(accountID: alice.id, .custom(QuotaLimits(storage: stored + 100)))
        let reply = await send(session, "MAIL FROM:<x@c.example>\r\nRCPT TO:<alice@example.org>\r\nDATA\r\n\(message).\r\n")
        XCTAssertEqual(codes(reply), ["250 2.1.0", "250 2.1.5", "354", "452 4.2.2"],
                       "room for now, not for this one: try again later")
        let count = try await inbox(alice).count
        XCTAssertEqual(count, 1)
    }
}
