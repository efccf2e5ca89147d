import Foundation
import MailCore
import MailStore
import Accounts
import XCTest
@testable import IMAP

/// UNAUTHENTICATE (RFC 8437): back to the not-authenticated state on the
/// same connection; nothing of the first login is left.
final class UnauthenticateTests: IMAPSessionTestCase {
    func testUnauthenticateForgetsTheLoginAndAllowsAnother() async throws {
        _ = try await deliver()
        let bob = try await store.createAccount(address: "bob@example.org",
                                                passwordHash: try PasswordHasher.hash(password: "bob-secret"))
        let session = await loggedInSession()
        let capability = await send(session, "c CAPABILITY\r\n")
        XCTAssertTrue(capability.contains(" UNAUTHENTICATE"), capability)
        _ = await send(session, "e ENABLE CONDSTORE\r\n")
        _ = await send(session, "s SELECT INBOX\r\n")
        _ = await send(session, "f STORE 1 +FLAGS (\\Deleted)\r\n")
        let reply = await send(session, "u UNAUTHENTICATE\r\n")
        XCTAssertEqual(reply, "u OK UNAUTHENTICATE completed\r\n", "no EXPUNGE: the selection just ends")
        XCTAssertNil(session.authenticatedAccountName)
        XCTAssertNil(session.selected)
        XCTAssertTrue(session.enabled.isEmpty)
        let stored = try await store.messageSummaries(mailboxID: inbox.id)
        XCTAssertEqual(stored.count, 1, "\\Deleted messages are not expunged")
        let refused = await send(session, "x SELECT INBOX\r\n")
        XCTAssertTrue(refused.hasPrefix("x BAD"), refused)
        let before = await send(session, "c CAPABILITY\r\n")
        XCTAssertTrue(before.contains("AUTH=PLAIN") && !before.contains("UNAUTHENTICATE"), before)
        let again = await send(session, "l LOGIN bob@example.org bob-secret\r\n")
        XCTAssertTrue(again.hasPrefix("l OK"), again)
        XCTAssertEqual(session.authenticatedAccountName, bob.address)
        let list = await send(session, "s SELECT INBOX\r\n")
        XCTAssertTrue(list.contains("* 0 EXISTS"), "bob's own INBOX: \(list)")
    }

    func testUnauthenticateBeforeLoginIsBad() async {
        let session = makeSession()
        let reply = await send(session, "u UNAUTHENTICATE\r\n")
        XCTAssertTrue(reply.hasPrefix("u BAD"), reply)
        XCTAssertEqual(command("a UNAUTHENTICATE"), .unauthenticate)
    }
}
