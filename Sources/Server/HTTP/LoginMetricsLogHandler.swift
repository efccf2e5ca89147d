import Logging

/// Counts logins for `/metrics` from the Authenticator's own log events
/// ("authentication succeeded" / "authentication failed: …", with the
/// `protocol` metadata), so the protocol modules need no metrics code.
/// Everything is forwarded unchanged to the wrapped handler at its level.
struct LoginMetricsLogHandler: LogHandler {
    private var inner: any LogHandler
    /// A copy of the logger metadata, kept here since the inner handler may drop it.
    private var ownMetadata: Logger.Metadata = [:]

    init(wrapping inner: any LogHandler) {
        self.inner = inner
    }

    /// A logger for the Authenticator: same output, plus the login counters.
    static func wrap(_ logger: Logger) -> Logger {
        Logger(label: logger.label) { _ in LoginMetricsLogHandler(wrapping: logger.handler) }
    }

    var metadata: Logger.Metadata {
        get { inner.metadata }
        set {
            ownMetadata = newValue
            inner.metadata = newValue
        }
    }

    var metadataProvider: Logger.MetadataProvider? {
        get { inner.metadataProvider }
        set { inner.metadataProvider = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set {
            ownMetadata[key] = newValue
            inner[metadataKey: key] = newValue
        }
    }

    /// At most `.info`, so the success events arrive; forwarding keeps the inner level.
    var logLevel: Logger.Level {
        get { min(inner.logLevel, .info) }
        set { inner.logLevel = newValue }
    }

    func log(event: LogEvent) {
        let message = event.message.description
        if message.hasPrefix("authentication succeeded") || message.hasPrefix("authentication failed") {
            let protocolName = (event.metadata?["protocol"] ?? ownMetadata["protocol"]).map { "\($0)" }
            ServerMetrics.login(protocolName: protocolName ?? "unknown",
                                succeeded: message.hasPrefix("authentication succeeded"))
        }
        if event.level >= inner.logLevel { inner.log(event: event) }
    }
}
