@testable import Accounts
import Foundation
import Logging
import MailCore
import MailStore
import MailStoreTestSupport
import XCTest

/// A login while the store cannot be asked is the server's failure, not a
/// wrong password: `.temporarilyUnavailable`, and no failure for the
/// throttle, so a store outage locks nobody out.
final class AuthenticatorStoreFailureTests: XCTestCase {
    private var directory = ""
    private var store: SQLiteMailStore!
    private let connection = ConnectionInfo(id: "c7", remoteAddress: "192.0.2.20", localPort: 993, isTLS: true)
    private let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    override func setUp() async throws {
        directory = NSTemporaryDirectory() + "tern-accounts-\(UUID().uuidString)"
        store = try SQLiteMailStore(directory: directory, logger: logger)
        try await store.addDomain("example.com")
        _ = try await store.createAccount(address: "alice@example.com", passwordHash: PasswordHasherTests.sha512Password)
    }

    override func tearDown() async throws {
        try await store?.close()
        try? FileManager.default.removeItem(atPath: directory)
    }

    func testStoreFailureIsNotInvalidCredentialsAndIsNotCounted() async throws {
        for error in [MailStoreError.temporarilyUnavailable("busy (test)"), .storageFailure("corrupt (test)")] {
            let failing = FaultInjectingMailStore(base: store, failReads: true, error: error)
            // Three failures would lock the account out if they counted.
            let throttle = LoginThrottle(configuration: LoginThrottleConfiguration(
                initialDelay: .zero, maximumDelay: .zero, maximumFailuresPerAddressAndAccount: 3,
                maximumFailuresPerAddress: 3, maximumFailuresPerAccount: 3))
            let authenticator = Authenticator(store: failing, logger: logger, throttle: throttle)
            for _ in 0..<5 {
                let result = await authenticator.authenticate(username: "alice@example.com",
                                                              password: "password",
                                                              connection: connection, protocolName: "imap")
                XCTAssertEqual(result, .temporarilyUnavailable, "\(error)")
            }
            let byAccount = await throttle.failureCount(account: "alice@example.com")
            let byAddress = await throttle.failureCount(address: connection.remoteAddress)
            XCTAssertEqual(byAccount, 0)
            XCTAssertEqual(byAddress, 0)
            // The store is back: the right password logs in at once.
            failing.failReads(false)
            let result = await authenticator.authenticate(username: "alice@example.com",
                                                          password: "password",
                                                          connection: connection, protocolName: "imap")
            guard case .success = result else { return XCTFail("expected success, got \(result)") }
        }
    }
}
