import SMTP

/// Counts accepted SMTP messages for `/metrics`: one received per message,
/// one delivered per local copy (queued ones are counted by the queue).
struct MetricsMessageObserver: SMTPMessageObserver {
    func messageAccepted(localCopies: Int, relayedRecipients: Int) {
        ServerMetrics.messageReceived()
        for _ in 0..<localCopies { ServerMetrics.messageDelivered() }
    }

    func commandCompleted(_ command: String, seconds: Double) {
        ServerMetrics.commandDuration(protocolName: "smtp", command: command, seconds: seconds)
    }
}
