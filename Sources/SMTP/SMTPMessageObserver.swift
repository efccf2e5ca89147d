/// Told of every message a session accepted (after its `250`), so that the
/// Server can count messages for `/metrics` without the SMTP module knowing
/// of metrics.
public protocol SMTPMessageObserver: Sendable {
    /// `localCopies`: copies stored in local mailboxes; `relayedRecipients`:
    /// recipients put in the outbound queue.
    func messageAccepted(localCopies: Int, relayedRecipients: Int)
    /// One command (or message end: "DATA", chunk: "BDAT") was answered
    /// after `seconds`, storing included; `command` is an upper-case verb
    /// or "OTHER".
    func commandCompleted(_ command: String, seconds: Double)
}

extension SMTPMessageObserver {
    public func commandCompleted(_ command: String, seconds: Double) {}
}
