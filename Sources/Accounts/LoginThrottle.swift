// Login throttling: slows down and then temporarily locks password guessing.
// Failures are counted per (remote address, account name) first — that pair
// is delayed and then locked — with a much higher ceiling per address across
// accounts and a bound per account across addresses, as Dovecot's auth
// penalty does: behind an office NAT, one phone with an old password locks
// out only itself, not every user of that address.
import Foundation

/// How hard `LoginThrottle` pushes back. The defaults: no delay for the
/// first two failures, then 1, 2, 4, 8, 16 s (capped); within 15 minutes,
/// 10 failures of one account from one address lock that pair, 100 from one
/// address (any accounts) lock the address, 20 for one account (any
/// addresses) lock the account, each for 5 minutes.
public struct LoginThrottleConfiguration: Sendable, Equatable {
    /// Failures (within `window`) answered without delay.
    public var failuresWithoutDelay: Int
    /// Delay for the first failure past `failuresWithoutDelay`; doubles with each further one.
    public var initialDelay: Duration
    public var maximumDelay: Duration
    /// Failures of one account name from one address within `window` that lock that pair.
    public var maximumFailuresPerAddressAndAccount: Int
    /// Failures from one remote address within `window`, whatever the accounts, that lock the address.
    public var maximumFailuresPerAddress: Int
    /// Failures for one account name within `window`, whatever the addresses, that lock the account.
    public var maximumFailuresPerAccount: Int
    public var window: Duration
    public var lockDuration: Duration
    /// When true, loopback peers (127.0.0.0/8, ::1) are never throttled.
    public var exemptLoopback: Bool
    /// Bound on the pairs, addresses and account names remembered (memory bound).
    public var maximumTrackedKeys: Int

    public init(failuresWithoutDelay: Int = 2, initialDelay: Duration = .seconds(1),
                maximumDelay: Duration = .seconds(16), maximumFailuresPerAddressAndAccount: Int = 10,
                maximumFailuresPerAddress: Int = 100, maximumFailuresPerAccount: Int = 20,
                window: Duration = .seconds(15 * 60), lockDuration: Duration = .seconds(5 * 60),
                exemptLoopback: Bool = false, maximumTrackedKeys: Int = 100_000) {
        self.failuresWithoutDelay = failuresWithoutDelay
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
        self.maximumFailuresPerAddressAndAccount = maximumFailuresPerAddressAndAccount
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

/// One thing the throttle counts failures for, as `tern throttle list` shows it.
public struct LoginThrottleEntry: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Equatable, Codable, CaseIterable {
        /// One account name from one address.
        case addressAndAccount = "address+account"
        /// One address, every account name.
        case address
        /// One account name, every address.
        case account
    }

    public var kind: Kind
    /// The remote address (nil for an account entry).
    public var address: String?
    /// The account name as the client gave it, lowercased (nil for an address entry).
    public var account: String?
    /// Failures within the window (0 while locked: counting starts afresh after the lock).
    public var failures: Int
    /// Until when logins are refused; nil when not locked.
    public var lockedUntil: Date?

    public init(kind: Kind, address: String?, account: String?, failures: Int, lockedUntil: Date?) {
        self.kind = kind
        self.address = address
        self.account = account
        self.failures = failures
        self.lockedUntil = lockedUntil
    }
}

/// Counts failed logins per (address, account), per address and per
/// account name; an actor, so every session of the process shares one view.
/// Kept in memory; `entries()` and `clear(address:)`/`clear(account:)` are
/// the whole administrative interface, so another store can take its place.
public actor LoginThrottle {
    public typealias Instant = ContinuousClock.Instant

    private struct Tracker {
        /// Times of the recent failures, oldest first.
        var failures: [Instant] = []
        var lockedUntil: Instant?
    }

    private struct Pair: Hashable {
        var address: String
        var account: String
    }

    public nonisolated let configuration: LoginThrottleConfiguration
    private let now: @Sendable () -> Instant
    private var pairs: [Pair: Tracker] = [:]
    private var addresses: [String: Tracker] = [:]
    private var accounts: [String: Tracker] = [:]

    /// `now` is injectable so tests can move time forward.
    public init(configuration: LoginThrottleConfiguration = .standard,
                now: @escaping @Sendable () -> Instant = { ContinuousClock.now }) {
        self.configuration = configuration
        self.now = now
    }

    /// True while the pair, the address or the account is locked; a locked
    /// attempt is refused without checking the password (and not counted).
    public func isLocked(address: String, account: String) -> Bool {
        let time = now()
        return Self.isLocked(pairs[Pair(address: address, account: account)], at: time)
            || Self.isLocked(addresses[address], at: time) || Self.isLocked(accounts[account], at: time)
    }

    /// Records a failed attempt and returns how long to wait before
    /// answering it. Reaching a failure limit locks the pair, the address or
    /// the account. The delay grows with the count closest to its lock: the
    /// pair's, or the address's and account's scaled to the pair's limit
    /// (so a busy NAT address is slowed only near its much higher ceiling).
    public func recordFailure(address: String, account: String) -> Duration {
        let time = now()
        pruneIfNeeded(at: time)
        let pairLimit = configuration.maximumFailuresPerAddressAndAccount
        let pairCount = record(in: &pairs, key: Pair(address: address, account: account), at: time, limit: pairLimit)
        let addressCount = record(in: &addresses, key: address, at: time,
                                  limit: configuration.maximumFailuresPerAddress)
        let accountCount = record(in: &accounts, key: account, at: time,
                                  limit: configuration.maximumFailuresPerAccount)
        let scaledAddress = addressCount * pairLimit / max(1, configuration.maximumFailuresPerAddress)
        let scaledAccount = accountCount * pairLimit / max(1, configuration.maximumFailuresPerAccount)
        return configuration.delay(afterFailures: max(pairCount, scaledAddress, scaledAccount))
    }

    /// A successful login clears the pair's failures and the account's (not
    /// the address's, so one valid account doesn't let an address go on
    /// guessing others). Locks stay until they expire.
    public func recordSuccess(address: String, account: String) {
        let pair = Pair(address: address, account: account)
        if pairs[pair]?.lockedUntil == nil { pairs[pair] = nil }
        if accounts[account]?.lockedUntil == nil { accounts[account] = nil }
    }

    /// Recent failures counted for an address (for tests and diagnostics).
    public func failureCount(address: String) -> Int {
        recentFailures(addresses[address], at: now())
    }

    /// Recent failures counted for an account name.
    public func failureCount(account: String) -> Int {
        recentFailures(accounts[account], at: now())
    }

    /// Recent failures counted for one account name from one address.
    public func failureCount(address: String, account: String) -> Int {
        recentFailures(pairs[Pair(address: address, account: account)], at: now())
    }

    /// The number of pairs, addresses and account names remembered.
    public var trackedKeyCount: Int { pairs.count + addresses.count + accounts.count }

    // MARK: Administration

    /// Every entry with recent failures or a lock, locked ones first, then
    /// by kind and key.
    public func entries() -> [LoginThrottleEntry] {
        let time = now()
        let wallClock = Date()
        func entry(_ kind: LoginThrottleEntry.Kind, _ address: String?, _ account: String?,
                   _ tracker: Tracker) -> LoginThrottleEntry? {
            let locked = Self.isLocked(tracker, at: time)
            let failures = recentFailures(tracker, at: time)
            guard locked || failures > 0 else { return nil }
            let until = locked ? tracker.lockedUntil.map { wallClock.addingTimeInterval(($0 - time) / .seconds(1)) } : nil
            return LoginThrottleEntry(kind: kind, address: address, account: account, failures: failures,
                                      lockedUntil: until)
        }
        var result = pairs.compactMap { entry(.addressAndAccount, $0.key.address, $0.key.account, $0.value) }
        result += addresses.compactMap { entry(.address, $0.key, nil, $0.value) }
        result += accounts.compactMap { entry(.account, nil, $0.key, $0.value) }
        let order = LoginThrottleEntry.Kind.allCases
        return result.sorted { left, right in
            if (left.lockedUntil != nil) != (right.lockedUntil != nil) { return left.lockedUntil != nil }
            if left.kind != right.kind {
                return order.firstIndex(of: left.kind)! < order.firstIndex(of: right.kind)!
            }
            return (left.address ?? "", left.account ?? "") < (right.address ?? "", right.account ?? "")
        }
    }

    /// Forgets the failures and lock of an address and of every pair with
    /// it; returns how many entries were removed.
    @discardableResult
    public func clear(address: String) -> Int {
        let before = trackedKeyCount
        addresses[address] = nil
        pairs = pairs.filter { $0.key.address != address }
        return before - trackedKeyCount
    }

    /// Forgets the failures and lock of an account name (matched without
    /// regard to case) and of every pair with it; returns how many entries were removed.
    @discardableResult
    public func clear(account: String) -> Int {
        let name = account.lowercased()
        let before = trackedKeyCount
        accounts[name] = nil
        pairs = pairs.filter { $0.key.account != name }
        return before - trackedKeyCount
    }

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
    private func record<Key: Hashable>(in trackers: inout [Key: Tracker], key: Key, at time: Instant,
                                       limit: Int) -> Int {
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
        pairs = pairs.filter { !isStale($0.value) }
        addresses = addresses.filter { !isStale($0.value) }
        accounts = accounts.filter { !isStale($0.value) }
        if trackedKeyCount >= configuration.maximumTrackedKeys {
            pairs = pairs.filter { Self.isLocked($0.value, at: time) }
            addresses = addresses.filter { Self.isLocked($0.value, at: time) }
            accounts = accounts.filter { Self.isLocked($0.value, at: time) }
        }
    }
}

