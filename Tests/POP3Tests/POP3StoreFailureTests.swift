import Foundation
import XCTest
import Accounts
import MailCore
import MailStore
import MailStoreTestSupport
@testable import POP3

/// A store that fails for a while gives `-ERR [SYS/TEMP]` (RFC 3206 §4),
/// never `-ERR [AUTH]`: the client should try again, not ask for a new
/// password.
final class POP3StoreFailureTests: POP3SessionTestCase {
    func testLoginWhileStoreIsDownIsSysTemp() async throws {
        let failing = FaultInjectingMailStore(base: store, failReads: true)
        authenticator = Authenticator(store: failing, logger: logger, throttleConfiguration: .withoutDelays)
        let session = makeSession(connection: Self.remoteTLS, sessionStore: failing)
        _ = await send(session, "USER \(Self.address)")
        let pass = await send(session, "PASS \(Self.password)")
        XCTAssertTrue(pass.hasPrefix("-ERR [SYS/TEMP]"), pass)
        let failures = await authenticator.throttle.failureCount(address: Self.remoteTLS.remoteAddress)
        XCTAssertEqual(failures, 0, "not a failed login")
        let auth = await send(session, "AUTH PLAIN \(plain(Self.address, Self.password))")
        XCTAssertTrue(auth.hasPrefix("-ERR [SYS/TEMP]"), auth)
        failing.failReads(false)
        _ = await send(session, "USER \(Self.address)")
        let retry = await send(session, "PASS \(Self.password)")
        XCTAssertTrue(retry.hasPrefix("+OK maildrop has 3 messages"), retry)
    }

    /// The store fails at QUIT's update: SYS/TEMP, and the messages stay.
    func testUpdateFailureIsSysTempAndKeepsTheMessages() async throws {
        let failing = FaultInjectingMailStore(base: store)
        let session = makeSession(sessionStore: failing)
        _ = await send(session, "USER \(Self.address)")
        let pass = await send(session, "PASS \(Self.password)")
        XCTAssertTrue(pass.hasPrefix("+OK"), pass)
        _ = await send(session, "DELE 1")
        failing.failWrite(1)
        let quit = await send(session, "QUIT")
        XCTAssertTrue(quit.hasPrefix("-ERR [SYS/TEMP]"), quit)
        let left = try await inboxUIDs()
        XCTAssertEqual(left.count, 3)
    }
}
