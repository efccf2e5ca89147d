import Foundation

/// When a deferred recipient is tried again: the first interval after the
/// first failed attempt, doubling after each further one, never more than
/// the cap (5 min, 10, 20, 40, … 4 h with the defaults; Postfix's
/// `minimal_backoff_time` / `maximal_backoff_time`). RFC 5321 §4.5.4.1 asks
/// for at least 30 minutes between retries to one destination in general;
/// the shorter first steps are the common practice for greylisting.
public struct RetrySchedule: Sendable, Hashable {
    public var firstInterval: TimeInterval
    public var maxInterval: TimeInterval

    public init(firstInterval: TimeInterval = 300, maxInterval: TimeInterval = 4 * 3600) {
        self.firstInterval = max(1, firstInterval)
        self.maxInterval = max(self.firstInterval, maxInterval)
    }

    public init(_ configuration: OutboundConfiguration) {
        self.init(firstInterval: configuration.firstRetryInterval, maxInterval: configuration.maxRetryInterval)
    }

    /// The wait after the `attempts`-th failed attempt (1 for the first).
    /// Values below 1 count as 1; huge counts cannot overflow.
    public func interval(afterAttempts attempts: Int) -> TimeInterval {
        let doublings = min(max(attempts, 1) - 1, 62)
        let interval = firstInterval * pow(2, Double(doublings))
        return min(interval, maxInterval)
    }

    /// The next attempt after a deferral at `now`, never later than the
    /// give-up time, so the last attempt happens when the queue gives up.
    public func nextAttempt(afterAttempts attempts: Int, now: Date, giveUpAt: Date) -> Date {
        let next = now.addingTimeInterval(interval(afterAttempts: attempts))
        return giveUpAt > now ? min(next, giveUpAt) : next
    }
}
