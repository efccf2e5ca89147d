import Foundation

/// The policy of the outbound queue runner (Postfix users know these as
/// `maximal_queue_lifetime`, `delay_warning_time`, `minimal_backoff_time`…).
public struct OutboundConfiguration: Sendable {
    /// EHLO name and Reporting-MTA of DSNs.
    public var hostName: String
    /// First retry interval; each next one doubles (5 min, 10, 20, …).
    public var firstRetryInterval: TimeInterval
    /// The longest interval between two attempts.
    public var maxRetryInterval: TimeInterval
    /// After this long in the queue a recipient fails and bounces (default 5 days).
    public var giveUpAfter: TimeInterval
    /// A delay DSN is sent once after this long (default 4 h; RFC 3464 action "delayed").
    public var delayWarningAfter: TimeInterval
    /// How often the runner looks for due recipients when nothing woke it.
    public var pollInterval: TimeInterval
    /// Messages in flight at once.
    public var concurrentDeliveries: Int
    /// Per destination domain (lower-case): TLS policy overriding `defaultTLS`.
    public var tlsPolicies: [String: OutboundTLSPolicy]
    public var defaultTLS: OutboundTLSPolicy
    /// TLS policy and credentials used with the smarthost, when the router has one.
    public var smarthostTLS: OutboundTLSPolicy
    public var smarthostCredentials: SMTPClientCredentials?
    /// Messages taken from the queue per pass.
    public var batchSize: Int

    public init(hostName: String, firstRetryInterval: TimeInterval = 300, maxRetryInterval: TimeInterval = 4 * 3600,
                giveUpAfter: TimeInterval = 5 * 86400, delayWarningAfter: TimeInterval = 4 * 3600,
                pollInterval: TimeInterval = 5, concurrentDeliveries: Int = 20,
                tlsPolicies: [String: OutboundTLSPolicy] = [:], defaultTLS: OutboundTLSPolicy = .opportunistic,
                smarthostTLS: OutboundTLSPolicy = .opportunistic, smarthostCredentials: SMTPClientCredentials? = nil,
                batchSize: Int = 500) {
        self.hostName = hostName
        self.firstRetryInterval = firstRetryInterval
        self.maxRetryInterval = maxRetryInterval
        self.giveUpAfter = giveUpAfter
        self.delayWarningAfter = delayWarningAfter
        self.pollInterval = pollInterval
        self.concurrentDeliveries = concurrentDeliveries
        self.tlsPolicies = tlsPolicies
        self.defaultTLS = defaultTLS
        self.smarthostTLS = smarthostTLS
        self.smarthostCredentials = smarthostCredentials
        self.batchSize = max(1, batchSize)
    }
}
