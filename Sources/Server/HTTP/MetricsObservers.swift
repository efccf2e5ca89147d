import Accounts
import SMTP

/// Counts logins per protocol and outcome for `/metrics` (a locked-out
/// attempt counts as failed).
struct MetricsAuthenticationObserver: AuthenticationObserver {
    func authenticationFinished(protocolName: String, result: AuthenticationResult) {
        let succeeded: Bool
        switch result {
        case .success: succeeded = true
        case .invalidCredentials, .temporarilyLocked, .temporarilyUnavailable: succeeded = false
        }
        ServerMetrics.login(protocolName: protocolName.lowercased(), succeeded: succeeded)
    }
}

/// Counts the outbound queue runner's outcomes per recipient for `/metrics`.
struct MetricsQueueObserver: QueueRunnerObserver {
    func recipientDelivered() { ServerMetrics.outboundDelivered() }
    func recipientBounced() { ServerMetrics.outboundBounced() }
    func recipientDeferred() { ServerMetrics.outboundDeferred() }
}
