/// Told the outcome of every authentication attempt, for metrics. The
/// server's implementation counts logins per protocol for `/metrics`.
public protocol AuthenticationObserver: Sendable {
    /// `protocolName` is what the session passed ("imap", "pop3", "smtp").
    func authenticationFinished(protocolName: String, result: AuthenticationResult)
}
