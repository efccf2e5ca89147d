import Accounts
import Foundation
import XCTest

/// A clock the test moves by hand.
final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current = ContinuousClock.now
    var now: ContinuousClock.Instant { lock.withLock { current } }
    func advance(by duration: Duration) { lock.withLock { current += duration } }
}

final class LoginThrottleTests: XCTestCase {
    func testDefaultDelaysGrowAndCap() {
        let configuration = LoginThrottleConfiguration.standard
        let delays = (1...9).map { configuration.delay(afterFailures: $0) }
        XCTAssertEqual(delays, [.zero, .zero, .seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(16),
                                .seconds(16), .seconds(16)])
        XCTAssertEqual(configuration.delay(afterFailures: 1000), .seconds(16))
        XCTAssertEqual(LoginThrottleConfiguration.withoutDelays.delay(afterFailures: 50), .zero)
        XCTAssertFalse(configuration.exemptLoopback)
    }

    func testDelayGrowsWithThePairAndOnlySlowlyWithTheAddress() async {
        let clock = ManualClock()
        let throttle = LoginThrottle(configuration: .standard, now: { clock.now })
        var delays: [Duration] = []
        for _ in 0..<6 {
            delays.append(await throttle.recordFailure(address: "192.0.2.1", account: "old@example.com"))
        }
        XCTAssertEqual(delays, [.zero, .zero, .seconds(1), .seconds(2), .seconds(4), .seconds(8)])
        let pairCount = await throttle.failureCount(address: "192.0.2.1", account: "old@example.com")
        XCTAssertEqual(pairCount, 6)
        // Another account from the same address (an office NAT) is not slowed by the first one's failures.
        let neighbour = await throttle.recordFailure(address: "192.0.2.1", account: "typo@example.com")
        XCTAssertEqual(neighbour, .zero)
        let count = await throttle.failureCount(address: "192.0.2.1")
        XCTAssertEqual(count, 7)
        let other = await throttle.recordFailure(address: "192.0.2.2", account: "someone@example.com")
        XCTAssertEqual(other, .zero)
    }

    /// Behind one address, one account's wrong password locks that account
    /// from that address only; the address's own ceiling is much higher.
    func testPairLocksBeforeTheAddress() async {
        let clock = ManualClock()
        let throttle = LoginThrottle(configuration: .withoutDelays, now: { clock.now })
        for _ in 0..<30 {
            if await throttle.isLocked(address: "198.51.100.7", account: "phone@example.com") { continue }
            _ = await throttle.recordFailure(address: "198.51.100.7", account: "phone@example.com")
        }
        var locked = await throttle.isLocked(address: "198.51.100.7", account: "phone@example.com")
        XCTAssertTrue(locked, "the pair is locked after 10 failures")
        locked = await throttle.isLocked(address: "198.51.100.7", account: "colleague@example.com")
        XCTAssertFalse(locked, "another account from the same address is not")
        locked = await throttle.isLocked(address: "203.0.113.1", account: "phone@example.com")
        XCTAssertFalse(locked, "the account from another address is not (10 < 20)")
        let addressCount = await throttle.failureCount(address: "198.51.100.7")
        XCTAssertEqual(addressCount, 10, "refused attempts on a locked pair are not counted")
    }

    func testAddressCeilingLocksEveryAccountAndUnlocksLater() async {
        let clock = ManualClock()
        let configuration = LoginThrottleConfiguration(initialDelay: .zero, maximumDelay: .zero,
                                                       maximumFailuresPerAddress: 100, lockDuration: .seconds(300))
        let throttle = LoginThrottle(configuration: configuration, now: { clock.now })
        // 99 failures spread over many accounts (a password spray) from one address.
        for index in 0..<99 {
            _ = await throttle.recordFailure(address: "198.51.100.7", account: "u\(index)@example.com")
        }
        var locked = await throttle.isLocked(address: "198.51.100.7", account: "new@example.com")
        XCTAssertFalse(locked)
        _ = await throttle.recordFailure(address: "198.51.100.7", account: "u99@example.com")
        locked = await throttle.isLocked(address: "198.51.100.7", account: "new@example.com")
        XCTAssertTrue(locked, "the 100th failure locks the address for every account")
        locked = await throttle.isLocked(address: "198.51.100.8", account: "new@example.com")
        XCTAssertFalse(locked, "another address is not affected")

        clock.advance(by: .seconds(299))
        locked = await throttle.isLocked(address: "198.51.100.7", account: "new@example.com")
        XCTAssertTrue(locked)
        clock.advance(by: .seconds(1))
        locked = await throttle.isLocked(address: "198.51.100.7", account: "new@example.com")
        XCTAssertFalse(locked)
        // After the lock, counting starts afresh.
        let delay = await throttle.recordFailure(address: "198.51.100.7", account: "x@example.com")
        XCTAssertEqual(delay, .zero)
        let count = await throttle.failureCount(address: "198.51.100.7")
        XCTAssertEqual(count, 1)
    }

    func testEntriesListLocksFirstAndClearByAddressOrAccount() async {
        let clock = ManualClock()
        let configuration = LoginThrottleConfiguration(initialDelay: .zero, maximumDelay: .zero,
                                                       maximumFailuresPerAddressAndAccount: 3,
                                                       lockDuration: .seconds(300))
        let throttle = LoginThrottle(configuration: configuration, now: { clock.now })
        for _ in 0..<3 { _ = await throttle.recordFailure(address: "192.0.2.1", account: "a@example.com") }
        _ = await throttle.recordFailure(address: "192.0.2.2", account: "b@example.com")
        let before = Date()
        let entries = await throttle.entries()
        XCTAssertEqual(entries.map(\.kind), [.addressAndAccount, .addressAndAccount, .address, .address, .account,
                                             .account])
        let locked = entries[0]
        XCTAssertEqual(locked.address, "192.0.2.1")
        XCTAssertEqual(locked.account, "a@example.com")
        XCTAssertEqual(locked.failures, 0, "the count starts afresh once locked")
        let until = try? XCTUnwrap(locked.lockedUntil)
        XCTAssertGreaterThan(until ?? .distantPast, before.addingTimeInterval(290))
        XCTAssertLessThan(until ?? .distantFuture, Date().addingTimeInterval(310))
        XCTAssertEqual(entries[1], LoginThrottleEntry(kind: .addressAndAccount, address: "192.0.2.2",
                                                      account: "b@example.com", failures: 1, lockedUntil: nil))
        XCTAssertEqual(entries[2].failures, 3)

        var isLocked = await throttle.isLocked(address: "192.0.2.1", account: "a@example.com")
        XCTAssertTrue(isLocked)
        // Clearing the address removes its own entry and its pairs, not the account's.
        let removed = await throttle.clear(address: "192.0.2.1")
        XCTAssertEqual(removed, 2)
        isLocked = await throttle.isLocked(address: "192.0.2.1", account: "a@example.com")
        XCTAssertFalse(isLocked)
        let accountRemoved = await throttle.clear(account: "B@Example.com")
        XCTAssertEqual(accountRemoved, 2)
        let left = await throttle.entries()
        XCTAssertEqual(left.map(\.kind), [.address, .account])
        XCTAssertEqual(left.map(\.address), ["192.0.2.2", nil])
        XCTAssertEqual(left.map(\.account), [nil, "a@example.com"])
        // Entries whose failures left the window are not listed.
        clock.advance(by: .seconds(15 * 60))
        let expired = await throttle.entries()
        XCTAssertEqual(expired, [])
    }

    func testAccountLocksAcrossAddresses() async {
        let clock = ManualClock()
        let throttle = LoginThrottle(configuration: .withoutDelays, now: { clock.now })
        for index in 0..<19 {
            _ = await throttle.recordFailure(address: "203.0.113.\(index)", account: "victim@example.com")
        }
        var locked = await throttle.isLocked(address: "203.0.113.200", account: "victim@example.com")
        XCTAssertFalse(locked)
        _ = await throttle.recordFailure(address: "203.0.113.99", account: "victim@example.com")
        locked = await throttle.isLocked(address: "203.0.113.200", account: "victim@example.com")
        XCTAssertTrue(locked)
        locked = await throttle.isLocked(address: "203.0.113.200", account: "other@example.com")
        XCTAssertFalse(locked)
    }

    func testFailuresOutsideWindowAreForgotten() async {
        let clock = ManualClock()
        let throttle = LoginThrottle(configuration: .standard, now: { clock.now })
        for _ in 0..<5 {
            _ = await throttle.recordFailure(address: "192.0.2.9", account: "a@example.com")
        }
        clock.advance(by: .seconds(15 * 60))
        let count = await throttle.failureCount(address: "192.0.2.9")
        XCTAssertEqual(count, 0)
        let delay = await throttle.recordFailure(address: "192.0.2.9", account: "a@example.com")
        XCTAssertEqual(delay, .zero)
    }

    func testSuccessResetsPairAndAccountButNotAddress() async {
        let clock = ManualClock()
        let throttle = LoginThrottle(configuration: .standard, now: { clock.now })
        for _ in 0..<4 {
            _ = await throttle.recordFailure(address: "192.0.2.5", account: "a@example.com")
        }
        await throttle.recordSuccess(address: "192.0.2.5", account: "a@example.com")
        let accountCount = await throttle.failureCount(account: "a@example.com")
        let pairCount = await throttle.failureCount(address: "192.0.2.5", account: "a@example.com")
        let addressCount = await throttle.failureCount(address: "192.0.2.5")
        XCTAssertEqual(accountCount, 0)
        XCTAssertEqual(pairCount, 0)
        XCTAssertEqual(addressCount, 4)
    }

    func testTrackedKeysAreBounded() async {
        let clock = ManualClock()
        let configuration = LoginThrottleConfiguration(initialDelay: .zero, maximumDelay: .zero,
                                                       maximumTrackedKeys: 100)
        let throttle = LoginThrottle(configuration: configuration, now: { clock.now })
        for index in 0..<1000 {
            _ = await throttle.recordFailure(address: "10.0.\(index / 256).\(index % 256)", account: "u\(index)")
        }
        let tracked = await throttle.trackedKeyCount
        XCTAssertLessThanOrEqual(tracked, 102)
    }
}
