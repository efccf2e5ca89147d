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

    func testDelayGrowthRecordedPerAddress() async {
        let clock = ManualClock()
        let throttle = LoginThrottle(configuration: .standard, now: { clock.now })
        var delays: [Duration] = []
        for index in 0..<6 {
            // A different account each time: the address's count drives the delay.
            delays.append(await throttle.recordFailure(address: "192.0.2.1", account: "user\(index)@example.com"))
        }
        XCTAssertEqual(delays, [.zero, .zero, .seconds(1), .seconds(2), .seconds(4), .seconds(8)])
        let count = await throttle.failureCount(address: "192.0.2.1")
        XCTAssertEqual(count, 6)
        let other = await throttle.recordFailure(address: "192.0.2.2", account: "someone@example.com")
        XCTAssertEqual(other, .zero)
    }

    func testAddressLocksAfterLimitAndUnlocksLater() async {
        let clock = ManualClock()
        let configuration = LoginThrottleConfiguration(initialDelay: .zero, maximumDelay: .zero,
                                                       maximumFailuresPerAddress: 10, lockDuration: .seconds(300))
        let throttle = LoginThrottle(configuration: configuration, now: { clock.now })
        for index in 0..<9 {
            _ = await throttle.recordFailure(address: "198.51.100.7", account: "u\(index)@example.com")
            let locked = await throttle.isLocked(address: "198.51.100.7", account: "new@example.com")
            XCTAssertFalse(locked, "locked after \(index + 1) failures")
        }
        _ = await throttle.recordFailure(address: "198.51.100.7", account: "u9@example.com")
        var locked = await throttle.isLocked(address: "198.51.100.7", account: "new@example.com")
        XCTAssertTrue(locked)
        // Another address is not affected.
        locked = await throttle.isLocked(address: "198.51.100.8", account: "new@example.com")
        XCTAssertFalse(locked)

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

    func testSuccessResetsAccountButNotAddress() async {
        let clock = ManualClock()
        let throttle = LoginThrottle(configuration: .standard, now: { clock.now })
        for _ in 0..<4 {
            _ = await throttle.recordFailure(address: "192.0.2.5", account: "a@example.com")
        }
        await throttle.recordSuccess(address: "192.0.2.5", account: "a@example.com")
        let accountCount = await throttle.failureCount(account: "a@example.com")
        let addressCount = await throttle.failureCount(address: "192.0.2.5")
        XCTAssertEqual(accountCount, 0)
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
