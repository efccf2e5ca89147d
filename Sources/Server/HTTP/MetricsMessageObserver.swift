import SMTP

/// Counts accepted SMTP messages for `/metrics`, per listener kind
/// (`protocol="smtp"` for MX, `"submission"`): one received per message,
/// one delivered per local copy, one queued per message with recipients
/// in the outbound queue (their deliveries are counted by the queue).
struct MetricsMessageObserver: SMTPMessageObserver {
    /// "smtp" or "submission" (`ListenerProtocol.rawValue`).
    let protocolName: String

    func messageAccepted(localCopies: Int, relayedRecipients: Int) {
        ServerMetrics.messageReceived(protocolName: protocolName)
        ServerMetrics.messageDelivered(protocolName: protocolName, count: localCopies)
        if relayedRecipients > 0 { ServerMetrics.messageQueued(protocolName: protocolName) }
    }

    func commandCompleted(_ command: String, seconds: Double) {
        ServerMetrics.commandDuration(protocolName: protocolName, command: command, seconds: seconds)
    }
}
