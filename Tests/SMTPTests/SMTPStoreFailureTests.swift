import XCTest
import MailCore
import MailStore
@testable import SMTP

final class SMTPStoreFailureTests: SMTPSessionTestCase {
    /// The second copy fails: 451, and the first copy is taken back.
    func testStoreFailureGives451AndNothingDelivered() async throws {
        let failing = FailingMailStore(base: sqlite, failFromAppend: 2)
        let session = makeSession(store: failing)
        let reply = await send(session, "EHLO c.example\r\nMAIL FROM:<x@c.example>\r\nRCPT TO:<alice@example.org>\r\n"
                               + "RCPT TO:<bob@example.org>\r\nDATA\r\n" + Self.message + ".\r\n")
        XCTAssertEqual(codes(reply), ["250", "250 2.1.0", "250 2.1.5", "250 2.1.5", "354", "451 4.3.0"])
        do { let value = try await inbox(alice).count; XCTAssertEqual(value, 0) }
        do { let value = try await inbox(bob).count; XCTAssertEqual(value, 0) }
        // The session goes on: the transaction is over, a new one may start.
        let next = await send(session, "MAIL FROM:<x@c.example>\r\n")
        XCTAssertEqual(codes(next), ["250 2.1.0"])
    }

    func testQueueFailureTakesBackLocalCopies() async throws {
        queue.failNextEnqueue()
        let session = await greetedSession(connection: Self.trusted)
        let reply = await send(session, "MAIL FROM:<x@c.example>\r\nRCPT TO:<alice@example.org>\r\n"
                               + "RCPT TO:<user@other.example>\r\nDATA\r\n" + Self.message + ".\r\n")
        XCTAssertEqual(codes(reply), ["250 2.1.0", "250 2.1.5", "250 2.1.5", "354", "451 4.3.0"])
        do { let value = try await inbox(alice).count; XCTAssertEqual(value, 0) }
        XCTAssertTrue(queue.entries.isEmpty)
    }
}
