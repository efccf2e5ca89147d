import Metrics
import MailStore
import Prometheus

/// The process's metrics: swift-metrics bootstrapped once with a
/// Prometheus factory, so any module's `Counter(label:)` lands in
/// `registry`, which `/metrics` prints in the Prometheus text format.
public enum ServerMetrics {
    public static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        // Present from the start, at 0, so that scrapers see every series.
        for protocolName in ["imap", "pop3", "smtp", "submission", "http"] {
            _ = Counter(label: "tern_connections_total", dimensions: [("protocol", protocolName)])
        }
        for protocolName in ["imap", "pop3", "smtp"] {
            for result in ["succeeded", "failed"] {
                _ = Counter(label: "tern_logins_total", dimensions: [("protocol", protocolName), ("result", result)])
            }
        }
        for name in ["tern_outbound_delivered_total", "tern_outbound_bounced_total", "tern_outbound_deferred_total"] {
            _ = Counter(label: name)
        }
        for name in ["tern_messages_received_total", "tern_messages_delivered_total", "tern_messages_queued_total"] {
            for protocolName in smtpListenerProtocols {
                _ = Counter(label: name, dimensions: [("protocol", protocolName)])
            }
        }
        for protocolName in ["imap", "pop3", "smtp", "submission", "http"] {
            Meter(label: "tern_connections_open", dimensions: [("protocol", protocolName)]).set(0.0)
        }
        Meter(label: "tern_queue_recipients").set(0.0)
        return registry
    }()

    /// The SMTP listener kinds messages are counted apart for: MX ("smtp")
    /// and submission.
    static let smtpListenerProtocols = ["smtp", "submission"]

    /// Makes sure the factory is in place before the first metric is made.
    public static func bootstrap() { _ = registry }

    /// One accepted connection on a listener of that protocol.
    public static func connectionOpened(protocolName: String) {
        bootstrap()
        Counter(label: "tern_connections_total", dimensions: [("protocol", protocolName)]).increment()
        Meter(label: "tern_connections_open", dimensions: [("protocol", protocolName)]).increment()
    }

    /// One authentication attempt and its outcome.
    public static func login(protocolName: String, succeeded: Bool) {
        bootstrap()
        Counter(label: "tern_logins_total",
                dimensions: [("protocol", protocolName), ("result", succeeded ? "succeeded" : "failed")]).increment()
    }

    /// One connection of that protocol ended (the open-connections gauge
    /// goes up in `connectionOpened`).
    public static func connectionClosed(protocolName: String) {
        bootstrap()
        Meter(label: "tern_connections_open", dimensions: [("protocol", protocolName)]).decrement()
    }

    /// How long one command took, from its bytes arriving to its reply
    /// being ready: a Prometheus histogram per protocol and command.
    public static func commandDuration(protocolName: String, command: String, seconds: Double) {
        bootstrap()
        Timer(label: "tern_command_duration_seconds", dimensions: [("protocol", protocolName), ("command", command)],
              preferredDisplayUnit: .seconds).recordNanoseconds(Int64(seconds * 1_000_000_000))
    }

    /// Recipients waiting in the outbound queue (queued or being delivered), set at each scrape.
    public static func queueLength(_ recipients: Int) {
        bootstrap()
        Meter(label: "tern_queue_recipients").set(Double(recipients))
    }

    /// Quota use, set at each scrape: the octets stored for all accounts,
    /// and how many accounts are at or above 90 % of a limit ("near") and at
    /// or above it ("full"; they refuse new mail).
    public static func quotaUsage(_ quotas: [AccountQuota]) {
        bootstrap()
        var near = 0
        var full = 0
        for quota in quotas {
            let ratios = [(quota.usage.storage, quota.limits.storage), (quota.usage.messages, quota.limits.messages)]
                .compactMap { usage, limit in limit.map { $0 > 0 ? Double(usage) / Double($0) : 1 } }
            guard let highest = ratios.max() else { continue }
            if highest >= 1 { full += 1 } else if highest >= 0.9 { near += 1 }
        }
        Meter(label: "tern_quota_accounts", dimensions: [("state", "near")]).set(Double(near))
        Meter(label: "tern_quota_accounts", dimensions: [("state", "full")]).set(Double(full))
        Meter(label: "tern_storage_used_bytes").set(Double(quotas.reduce(Int64(0)) { $0 + $1.usage.storage }))
    }

    public static func outboundDelivered() { count("tern_outbound_delivered_total") }
    public static func outboundBounced() { count("tern_outbound_bounced_total") }
    public static func outboundDeferred() { count("tern_outbound_deferred_total") }

    /// One message accepted on an SMTP listener of that kind ("smtp" or "submission").
    public static func messageReceived(protocolName: String, count: Int = 1) {
        self.count("tern_messages_received_total", by: count, protocolName: protocolName)
    }
    /// Local copies stored from messages of that listener kind.
    public static func messageDelivered(protocolName: String, count: Int = 1) {
        self.count("tern_messages_delivered_total", by: count, protocolName: protocolName)
    }
    /// Messages of that listener kind put into the outbound queue.
    public static func messageQueued(protocolName: String, count: Int = 1) {
        self.count("tern_messages_queued_total", by: count, protocolName: protocolName)
    }

    private static func count(_ label: String) {
        bootstrap()
        Counter(label: label).increment()
    }

    private static func count(_ label: String, by amount: Int, protocolName: String) {
        bootstrap()
        guard amount > 0 else { return }
        Counter(label: label, dimensions: [("protocol", protocolName)]).increment(by: amount)
    }
}

extension Duration {
    /// The duration in seconds, for histograms.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
