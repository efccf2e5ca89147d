@testable import Accounts
import Foundation
import Logging
import MailCore
import MailStore
import XCTest

/// Keeps every log line (message and metadata) for inspection. A value type,
/// as swift-log expects: each Logger copy carries its own metadata, so
/// concurrent tasks that add metadata never share mutable state.
struct CapturingLogHandler: LogHandler {
    final class Lines: @unchecked Sendable {
        private let lock = NSLock()
        private var lines: [String] = []
        func append(_ line: String) { lock.withLock { lines.append(line) } }
        var all: [String] { lock.withLock { lines } }
    }
    let lines: Lines
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    init(lines: Lines) { self.lines = lines }
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        let fields = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        lines.append("\(event.level) \(event.message) \(fields)")
    }
}

final class AuthenticatorTests: XCTestCase {
    private var directory: String = ""
    var store: SQLiteMailStore!
    let lines = CapturingLogHandler.Lines()
    private var logger: Logger {
        let lines = self.lines
        return Logger(label: "test") { _ in CapturingLogHandler(lines: lines) }
    }
    let connection = ConnectionInfo(id: "c42", remoteAddress: "192.0.2.10", localPort: 110, isTLS: true)

    override func setUp() async throws {
        directory = NSTemporaryDirectory() + "tern-accounts-\(UUID().uuidString)"
        store = try SQLiteMailStore(directory: directory, logger: Logger(label: "store") { _ in SwiftLogNoOpLogHandler() })
        try await store.addDomain("example.com")
        // sha512-crypt keeps these tests quick; yescrypt is covered below.
        _ = try await store.createAccount(address: "alice@example.com", passwordHash: PasswordHasherTests.sha512Password)
    }

    override func tearDown() async throws {
        try await store?.close()
        try? FileManager.default.removeItem(atPath: directory)
    }

    func authenticator(_ clock: ManualClock? = nil,
                               configuration: LoginThrottleConfiguration = .withoutDelays) -> Authenticator {
        let throttle = clock.map { clock in LoginThrottle(configuration: configuration, now: { clock.now }) }
            ?? LoginThrottle(configuration: configuration)
        return Authenticator(store: store, logger: logger, throttle: throttle)
    }

    func testSuccessIsCaseInsensitiveAndLogged() async throws {
        let auth = authenticator()
        let result = await auth.authenticate(username: " Alice@EXAMPLE.com", password: "password",
                                             connection: connection, protocolName: "POP3")
        guard case .success(let account) = result else { return XCTFail("\(result)") }
        XCTAssertEqual(account.address, "alice@example.com")
        let line = try XCTUnwrap(lines.all.first { $0.contains("authentication succeeded") })
        XCTAssertTrue(line.contains("connection=c42"), line)
        XCTAssertTrue(line.contains("remote=192.0.2.10"), line)
        XCTAssertTrue(line.contains("protocol=POP3"), line)
        XCTAssertTrue(line.contains("account=alice@example.com"), line)
    }

    func testWrongPasswordAndUnknownAccountFailAlikeWithoutLoggingPasswords() async {
        let auth = authenticator()
        let wrong = await auth.authenticate(username: "alice@example.com", password: "Sekr1t-wrong",
                                            connection: connection, protocolName: "IMAP")
        let unknown = await auth.authenticate(username: "nobody@example.com", password: "Sekr1t-unknown",
                                              connection: connection, protocolName: "SMTP")
        XCTAssertEqual(wrong, .invalidCredentials)
        XCTAssertEqual(unknown, .invalidCredentials)
        let all = lines.all
        XCTAssertTrue(all.contains { $0.contains("wrong password") && $0.contains("protocol=IMAP") }, "\(all)")
        XCTAssertTrue(all.contains { $0.contains("unknown account") && $0.contains("account=nobody@example.com") })
        XCTAssertFalse(all.contains { $0.contains("Sekr1t") }, "a password reached the log")
    }

    func testYescryptAccount() async throws {
        let hash = try PasswordHasher.hash(password: "correct horse")
        _ = try await store.createAccount(address: "bob@example.com", passwordHash: hash)
        let auth = authenticator()
        let ok = await auth.authenticate(username: "bob@example.com", password: "correct horse",
                                         connection: connection, protocolName: "POP3")
        guard case .success = ok else { return XCTFail("\(ok)") }
        let bad = await auth.authenticate(username: "bob@example.com", password: "correct horse!",
                                          connection: connection, protocolName: "POP3")
        XCTAssertEqual(bad, .invalidCredentials)
    }

    func testLockedAccountHashNeverAuthenticates() async throws {
        _ = try await store.createAccount(address: "disabled@example.com", passwordHash: "!")
        let result = await authenticator().authenticate(username: "disabled@example.com", password: "!",
                                                        connection: connection, protocolName: "POP3")
        XCTAssertEqual(result, .invalidCredentials)
    }

    func testHostileUsernamesFailCleanly() async {
        let auth = authenticator()
        for name in ["", String(repeating: "a", count: 10_000) + "@example.com", "alice@example.com\r\nforged line",
                     "alice\u{0}@example.com"] {
            let result = await auth.authenticate(username: name, password: "password",
                                                 connection: connection, protocolName: "POP3")
            XCTAssertEqual(result, .invalidCredentials)
        }
        XCTAssertFalse(lines.all.contains { $0.contains("\n") || $0.contains("\r") }, "control characters logged")
    }

    func testAddressLockRefusesEvenTheRightPassword() async {
        let clock = ManualClock()
        let configuration = LoginThrottleConfiguration(initialDelay: .zero, maximumDelay: .zero,
                                                       maximumFailuresPerAddress: 3, lockDuration: .seconds(60))
        let auth = authenticator(clock, configuration: configuration)
        for _ in 0..<3 {
            let result = await auth.authenticate(username: "alice@example.com", password: "nope",
                                                 connection: connection, protocolName: "POP3")
            XCTAssertEqual(result, .invalidCredentials)
        }
        var result = await auth.authenticate(username: "alice@example.com", password: "password",
                                             connection: connection, protocolName: "POP3")
        XCTAssertEqual(result, .temporarilyLocked)
        XCTAssertTrue(lines.all.contains { $0.contains("temporarily locked") && $0.contains("connection=c42") })

        // Another address may still log in (the account itself is below its limit).
        let elsewhere = ConnectionInfo(id: "c43", remoteAddress: "192.0.2.11", localPort: 110, isTLS: true)
        result = await auth.authenticate(username: "alice@example.com", password: "password",
                                         connection: elsewhere, protocolName: "POP3")
        guard case .success = result else { return XCTFail("\(result)") }

        clock.advance(by: .seconds(61))
        result = await auth.authenticate(username: "alice@example.com", password: "password",
                                         connection: connection, protocolName: "POP3")
        guard case .success = result else { return XCTFail("\(result)") }
    }

    func testLoopbackIsThrottledByDefaultAndExemptWhenConfigured() async {
        let loopback = ConnectionInfo(id: "c1", remoteAddress: "127.0.0.1", localPort: 110, isTLS: false)
        var configuration = LoginThrottleConfiguration(initialDelay: .zero, maximumDelay: .zero,
                                                       maximumFailuresPerAddress: 2, maximumFailuresPerAccount: 100)
        let throttled = authenticator(configuration: configuration)
        for _ in 0..<2 {
            _ = await throttled.authenticate(username: "alice@example.com", password: "x", connection: loopback,
                                             protocolName: "POP3")
        }
        let locked = await throttled.authenticate(username: "alice@example.com", password: "password",
                                                  connection: loopback, protocolName: "POP3")
        XCTAssertEqual(locked, .temporarilyLocked)

        configuration.exemptLoopback = true
        let exempt = authenticator(configuration: configuration)
        for _ in 0..<5 {
            _ = await exempt.authenticate(username: "alice@example.com", password: "x", connection: loopback,
                                          protocolName: "POP3")
        }
        let result = await exempt.authenticate(username: "alice@example.com", password: "password",
                                               connection: loopback, protocolName: "POP3")
        guard case .success = result else { return XCTFail("\(result)") }
    }

    func testSuccessClearsAccountFailures() async {
        let auth = authenticator()
        for _ in 0..<3 {
            _ = await auth.authenticate(username: "alice@example.com", password: "x", connection: connection,
                                        protocolName: "POP3")
        }
        _ = await auth.authenticate(username: "alice@example.com", password: "password", connection: connection,
                                    protocolName: "POP3")
        let count = await auth.throttle.failureCount(account: "alice@example.com")
        XCTAssertEqual(count, 0)
    }

    func testDefaultInitUsesStandardThrottle() async {
        let auth = Authenticator(store: store, logger: logger)
        XCTAssertEqual(auth.throttle.configuration, .standard)
        // The first failures carry no delay, so this stays quick.
        let bad = await auth.authenticate(username: "alice@example.com", password: "x", connection: connection,
                                          protocolName: "POP3")
        XCTAssertEqual(bad, .invalidCredentials)
        let count = await auth.throttle.failureCount(address: "192.0.2.10")
        XCTAssertEqual(count, 1)
        let good = await auth.authenticate(username: "alice@example.com", password: "password",
                                           connection: connection, protocolName: "POP3")
        guard case .success = good else { return XCTFail("\(good)") }
    }

    func testConcurrentAuthentications() async {
        let auth = authenticator()
        let connection = self.connection
        let results = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<8 {
                group.addTask {
                    let password = index.isMultiple(of: 2) ? "password" : "wrong"
                    let result = await auth.authenticate(username: "alice@example.com", password: password,
                                                         connection: connection, protocolName: "IMAP")
                    if case .success = result { return index.isMultiple(of: 2) }
                    return !index.isMultiple(of: 2) && result == .invalidCredentials
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        XCTAssertEqual(results, Array(repeating: true, count: 8))
    }

    func testDummyHashIsYescrypt() {
        XCTAssertTrue(Authenticator.dummyHash.hasPrefix("$y$"))
        XCTAssertTrue(LoggableText.clean("a\r\nb").contains("a??b"))
    }
}
