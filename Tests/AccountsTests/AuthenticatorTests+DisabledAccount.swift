@testable import Accounts
import Foundation
import Logging
import MailCore
import MailStore
import XCTest

/// `tern account disable`: a disabled account cannot log in, with the
/// answer of a wrong password; the log says why.
extension AuthenticatorTests {
    func testDisabledAccountIsRefusedLikeAWrongPasswordAndEnabledAgainLogsIn() async throws {
        let auth = authenticator()
        let found = try await store.account(address: "alice@example.com")
        let alice = try XCTUnwrap(found)
        try await store.setAccountDisabled(accountID: alice.id, true)

        for protocolName in ["IMAP", "POP3", "SMTP"] {
            let result = await auth.authenticate(username: "alice@example.com", password: "password",
                                                 connection: connection, protocolName: protocolName)
            XCTAssertEqual(result, .invalidCredentials, protocolName)
        }
        let wrong = await auth.authenticate(username: "alice@example.com", password: "not-it",
                                            connection: connection, protocolName: "IMAP")
        XCTAssertEqual(wrong, .invalidCredentials)
        let all = lines.all
        XCTAssertEqual(all.filter { $0.contains("authentication failed: account disabled") }.count, 3, "\(all)")
        XCTAssertTrue(all.contains { $0.contains("authentication failed: wrong password") }, "\(all)")
        XCTAssertFalse(all.contains { $0.contains("authentication succeeded") }, "\(all)")

        try await store.setAccountDisabled(accountID: alice.id, false)
        let again = await auth.authenticate(username: "alice@example.com", password: "password",
                                            connection: connection, protocolName: "POP3")
        guard case .success(let account) = again else { return XCTFail("\(again)") }
        XCTAssertFalse(account.isDisabled)
    }
}
