// Login throttling: slows down and then temporarily locks password guessing,
// counting failures per remote address and per account name.

/// How hard `LoginThrottle` pushes back. The defaults: no delay for the
/// first two failures, then 1, 2, 4, 8, 16 s (capped); 10 failures from one
/// address or 20 for one account within 15 minutes lock it for 5 minutes.
public struct LoginThrottleConfiguration: Sendable, Equatable {
    /// Failures (within `window`) answered without delay.
    public var failuresWithoutDelay: Int
    /// Delay for the first failure past `failuresWithoutDelay`; doubles with each further one.
    public var initialDelay: Duration
    public var maximumDelay: Duration
    /// Failures from one remote address within `window` that lock the address.
    public var maximumFailuresPerAddress: Int
    /// Failures for one account name within `window` that lock the account.
    public var maximumFailuresPerAccount: Int
    public var window: Duration
    public var lockDuration: Duration
    /// When true, loopback peers (127.0.0.0/8, ::1) are never throttled.
    public var exemptLoopback: Bool
    /// Bound on the addresses and account names remembered (memory bound).
    public var maximumTrackedKeys: Int

    public init(failuresWithoutDelay: Int = 2, initialDelay: Duration = .seconds(1),
                maximumDelay: Duration = .seconds(16), maximumFailuresPerAddress: Int = 10,
                maximumFailuresPerAccount: Int = 20, window: Duration = .seconds(15 * 60),
                lockDuration: Duration = .seconds(5 * 60), exemptLoopback: Bool = false,
                maximumTrackedKeys: Int = 100_000) {
        self.failuresWithoutDelay = failuresWithoutDelay
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
        self.maximumFailuresPerAddress = maximumFailuresPerAddress
        self.maximumFailuresPerAccount = maximumFailuresPerAccount
        self.window = window
        self.lockDuration = lockDuration
        self.exemptLoopback = exemptLoopback
        self.maximumTrackedKeys = maximumTrackedKeys
    }

    public static let standard = LoginThrottleConfiguration()

    /// The standard limits without any delay (for tests).
    public static let withoutDelays = LoginThrottleConfiguration(initialDelay: .zero, maximumDelay: .zero)

    /// The delay before answering the `failures`-th failure within the window.
    public func delay(afterFailures failures: Int) -> Duration {
        let past = failures - failuresWithoutDelay
        guard past > 0, initialDelay > .zero else { return .zero }
        var delay = initialDelay
        for _ in 1..<past {
            delay = delay * 2
            if delay >= maximumDelay { return maximumDelay }
        }
        return min(delay, maximumDelay)
    }
}

/// Counts failed logins per remote address and per account name; an actor,
/// so every session of the process shares one view.
public actor LoginThrottle {
    public typealias Instant = ContinuousClock.Instant

    private struct Tracker {
        /// Times of the recent failures, oldest first.
        var failures: [Instant] = []
        var lockedUntil: Instant?
    }

    public nonisolated let configuration: LoginThrottleConfiguration
    private let now: @Sendable () -> Instant
    private var addresses: [String: Tracker] = [:]
    private var accounts: [String: Tracker] = [:]

    /// `now` is injectable so tests can move time forward.
    public init(configuration: LoginThrottleConfiguration = .standard,
                now: @escaping @Sendable () -> Instant = { ContinuousClock.now }) {
        self.configuration = configuration
        self.now = now
    }

    /// True while the address or the account is locked; a locked attempt is
    /// refused without checking the password.
    public func isLocked(address: String, account: String) -> Bool {
        let time = now()
        return Self.isLocked(addresses[address], at: time) || Self.isLocked(accounts[account], at: time)
    }

    /// Records a failed attempt and returns how long to wait before
    /// answering it. Reaching a failure limit locks the address or account.
    public func recordFailure(address: String, account: String) -> Duration {
        let time = now()
        pruneIfNeeded(at: time)
        let addressCount = record(in: &addresses, key: address, at: time,
                                  limit: configuration.maximumFailuresPerAddress)
        let accountCount = record(in: &accounts, key: account, at: time,
                                  limit: configuration.maximumFailuresPerAccount)
        return configuration.delay(afterFailures: max(addressCount, accountCount))
    }

    /// A successful login clears the account's failures (not the address's,
    /// so one valid account doesn't let an address go on guessing others).
    public func recordSuccess(address: String, account: String) {
        if accounts[account]?.lockedUntil == nil {
            accounts[account] = nil
        }
    }

    /// Recent failures counted for an address (for tests and diagnostics).
    public func failureCount(address: String) -> Int {
        recentFailures(addresses[address], at: now())
    }

    /// Recent failures counted for an account name.
    public func failureCount(account: String) -> Int {
        recentFailures(accounts[account], at: now())
    }

    /// The number of addresses and account names remembered.
    public var trackedKeyCount: Int { addresses.count + accounts.count }

    // MARK: Internals

    private static func isLocked(_ tracker: Tracker?, at time: Instant) -> Bool {
        guard let until = tracker?.lockedUntil else { return false }
        return time < until
    }

    private func recentFailures(_ tracker: Tracker?, at time: Instant) -> Int {
        guard let tracker else { return 0 }
        return tracker.failures.filter { time - $0 < configuration.window }.count
    }

    /// Adds a failure to `key`'s tracker; returns the count within the
    /// window (including this one), locking the key when it reaches `limit`.
    private func record(in trackers: inout [String: Tracker], key: String, at time: Instant, limit: Int) -> Int {
        var tracker = trackers[key] ?? Tracker()
        if let until = tracker.lockedUntil, time >= until {
            tracker.lockedUntil = nil  // the lock expired: start afresh
        }
        tracker.failures.removeAll { time - $0 >= configuration.window }
        tracker.failures.append(time)
        let count = tracker.failures.count
        if count >= limit {
            tracker.lockedUntil = time + configuration.lockDuration
            tracker.failures.removeAll()
        }
        trackers[key] = tracker
        return count
    }

    /// Forgets trackers with no recent failure and no lock once the bound
    /// is reached; if that isn't enough, forgets unlocked trackers.
    private func pruneIfNeeded(at time: Instant) {
        guard trackedKeyCount >= configuration.maximumTrackedKeys else { return }
        let window = configuration.window
        let isStale: (Tracker) -> Bool = { tracker in
            !Self.isLocked(tracker, at: time) && tracker.failures.allSatisfy { time - $0 >= window }
        }
        addresses = addresses.filter { !isStale($0.value) }
        accounts = accounts.filter { !isStale($0.value) }
        if trackedKeyCount >= configuration.maximumTrackedKeys {
            addresses = addresses.filter { Self.isLocked($0.value, at: time) }
            accounts = accounts.filter { Self.isLocked($0.value, at: time) }
        }
    }
}
