import Foundation
import XCTest
import Accounts
import MailCore
import MailStoreTestSupport
@testable import MailStore
@testable import SMTP

/// What the client hears when the store fails during a delivery: `451
/// 4.3.0`, and then no account has the message (RFC 5321 §4.2.5, §6.1).
final class SMTPStoreFailureTests: SMTPSessionTestCase {
    static let threeRecipients = "MAIL FROM:<x@c.example>\r\nRCPT TO:<alice@example.org>\r\n"
        + "RCPT TO:<bob@example.org>\r\nRCPT TO:<carol@catchall.example>\r\nDATA\r\n"

    /// The store fails in the middle of the delivery to three accounts (the
    /// second account's row is refused inside the transaction): 451, and
    /// none of the three has the message, not even the first.
    func testFailureInTheMiddleOfThreeAccountsDeliversToNone() async throws {
        let bobInbox = try await XCTUnwrapAsync(try await sqlite.mailbox(accountID: bob.id, name: "INBOX"))
        try await sqlite.pool.write { db in
            try db.execute(sql: """
                CREATE TRIGGER fail_second BEFORE INSERT ON message WHEN NEW.mailbox_id = \(bobInbox.id)
                BEGIN SELECT RAISE(ABORT, 'disk full (test)'); END
                """)
        }
        let session = makeSession(store: sqlite)
        let reply = await send(session, "EHLO c.example\r\n" + Self.threeRecipients + Self.message + ".\r\n")
        XCTAssertEqual(codes(reply), ["250", "250 2.1.0", "250 2.1.5", "250 2.1.5", "250 2.1.5", "354", "451 4.3.0"])
        for account in [alice!, bob!, carol!] {
            let count = try await inbox(account).count
            XCTAssertEqual(count, 0, account.address)
        }
        XCTAssertEqual(bodyFiles(), [], "the shared body file is removed with the failed transaction")
        // The session goes on: the transaction is over, a new one may start.
        let next = await send(session, "MAIL FROM:<x@c.example>\r\n")
        XCTAssertEqual(codes(next), ["250 2.1.0"])
    }

    /// A temporary store failure (busy, disk full) gives 451 4.3.0 and stores nothing.
    func testTemporaryFailureGives451() async throws {
        let failing = FaultInjectingMailStore(base: sqlite, failWrite: 1)
        let session = makeSession(store: failing)
        let reply = await send(session, "EHLO c.example\r\n" + Self.threeRecipients + Self.message + ".\r\n")
        XCTAssertEqual(codes(reply), ["250", "250 2.1.0", "250 2.1.5", "250 2.1.5", "250 2.1.5", "354", "451 4.3.0"])
        XCTAssertEqual(failing.failedCalls, ["deliverMessage"])
        for account in [alice!, bob!, carol!] {
            let count = try await inbox(account).count
            XCTAssertEqual(count, 0, account.address)
        }
        // Once the store is back the same transaction is accepted, once per account.
        failing.failWrite(nil)
        let again = await send(session, Self.threeRecipients + Self.message + ".\r\n")
        XCTAssertEqual(codes(again), ["250 2.1.0", "250 2.1.5", "250 2.1.5", "250 2.1.5", "354", "250 2.0.0"])
        for account in [alice!, bob!, carol!] {
            let count = try await inbox(account).count
            XCTAssertEqual(count, 1, account.address)
        }
    }

    /// AUTH while the store is down: 454 4.7.0 (RFC 4954 §6), not 535, and
    /// the attempt is no failed login for the throttle.
    func testAuthenticationWhileStoreIsDownGives454() async throws {
        let failing = FaultInjectingMailStore(base: sqlite, failReads: true)
        authenticator = Authenticator(store: failing, logger: logger, throttleConfiguration: .withoutDelays)
        let session = await greetedSession(connection: Self.remoteTLS)
        let reply = await send(session, "AUTH PLAIN \(plain("alice@example.org", Self.password))\r\n")
        XCTAssertEqual(codes(reply), ["454 4.7.0"])
        let failures = await authenticator.throttle.failureCount(address: Self.remoteTLS.remoteAddress)
        XCTAssertEqual(failures, 0)
        failing.failReads(false)
        let retry = await send(session, "AUTH PLAIN \(plain("alice@example.org", Self.password))\r\n")
        XCTAssertEqual(codes(retry), ["235 2.7.0"])
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

    /// Body files under the store's directory.
    private func bodyFiles() -> [String] {
        let root = directory.path + "/messages"
        let subdirectories = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return subdirectories.flatMap { sub in
            (try? FileManager.default.contentsOfDirectory(atPath: root + "/" + sub)) ?? []
        }
    }
}
