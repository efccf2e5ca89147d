import Metrics
import Prometheus

/// The process's metrics: swift-metrics bootstrapped once with a
/// Prometheus factory, so any module's `Counter(label:)` lands in
/// `registry`, which `/metrics` prints in the Prometheus text format.
public enum ServerMetrics {
    public static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        // Present from the start, at 0, so that scrapers see every series.
        for protocolName in ["imap", "pop3", "smtp", "http"] {
            _ = Counter(label: "tern_connections_total", dimensions: [("protocol", protocolName)])
        }
        for protocolName in ["imap", "pop3", "smtp"] {
            for result in ["succeeded", "failed"] {
                _ = Counter(label: "tern_logins_total", dimensions: [("protocol", protocolName), ("result", result)])
            }
        }
        for name in ["tern_messages_received_total", "tern_messages_delivered_total", "tern_messages_queued_total"] {
            _ = Counter(label: name)
        }
        return registry
    }()

    /// Makes sure the factory is in place before the first metric is made.
    public static func bootstrap() { _ = registry }

    /// One accepted connection on a listener of that protocol.
    public static func connectionOpened(protocolName: String) {
        bootstrap()
        Counter(label: "tern_connections_total", dimensions: [("protocol", protocolName)]).increment()
    }

    /// One authentication attempt and its outcome.
    public static func login(protocolName: String, succeeded: Bool) {
        bootstrap()
        Counter(label: "tern_logins_total",
                dimensions: [("protocol", protocolName), ("result", succeeded ? "succeeded" : "failed")]).increment()
    }

    public static func messageReceived() { count("tern_messages_received_total") }
    public static func messageDelivered() { count("tern_messages_delivered_total") }
    public static func messageQueued() { count("tern_messages_queued_total") }

    private static func count(_ label: String) {
        bootstrap()
        Counter(label: label).increment()
    }
}
