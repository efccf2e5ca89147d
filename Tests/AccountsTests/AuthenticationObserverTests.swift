import Accounts
import Foundation
import Logging
import MailCore
import MailStore
import XCTest

/// The observer hears every outcome, with the protocol the session named.
final class AuthenticationObserverTests: XCTestCase {
    final class Recorder: AuthenticationObserver, @unchecked Sendable {
        private let lock = NSLock()
        private var outcomes: [(String, AuthenticationResult)] = []
        func authenticationFinished(protocolName: String, result: AuthenticationResult) {
            lock.withLock { outcomes.append((protocolName, result)) }
        }
        var all: [(String, AuthenticationResult)] { lock.withLock { outcomes } }
    }

    func testEveryOutcomeIsReported() async throws {
        let directory = NSTemporaryDirectory() + "tern-auth-observer-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let quiet = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        let store = try SQLiteMailStore(directory: directory, logger: quiet)
        try await store.addDomain("example.com")
        _ = try await store.createAccount(address: "alice@example.com", passwordHash: PasswordHasherTests.sha512Password)
        let recorder = Recorder()
        let configuration = LoginThrottleConfiguration(failuresWithoutDelay: 10, maximumFailuresPerAddress: 2,
                                                       maximumFailuresPerAccount: 100)
        let authenticator = Authenticator(store: store, logger: quiet,
                                          throttle: LoginThrottle(configuration: configuration), observer: recorder)
        let connection = ConnectionInfo(id: "c1", remoteAddress: "192.0.2.7", localPort: 143, isTLS: true)
        _ = await authenticator.authenticate(username: "alice@example.com", password: "password",
                                             connection: connection, protocolName: "imap")
        _ = await authenticator.authenticate(username: "alice@example.com", password: "wrong",
                                             connection: connection, protocolName: "pop3")
        _ = await authenticator.authenticate(username: "nobody@example.com", password: "wrong",
                                             connection: connection, protocolName: "smtp")
        _ = await authenticator.authenticate(username: "alice@example.com", password: "password",
                                             connection: connection, protocolName: "imap")
        let outcomes = recorder.all
        XCTAssertEqual(outcomes.map(\.0), ["imap", "pop3", "smtp", "imap"])
        guard case .success = outcomes[0].1 else { return XCTFail("\(outcomes[0].1)") }
        XCTAssertEqual(outcomes[1].1, .invalidCredentials)
        XCTAssertEqual(outcomes[2].1, .invalidCredentials)
        // Two failures from the address lock it, even for the right password.
        XCTAssertEqual(outcomes[3].1, .temporarilyLocked)
        try await store.close()
    }
}
