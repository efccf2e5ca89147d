import Foundation
import Logging
import MailStore

/// What the runner reports as it works (metrics hooks; the server counts
/// delivered and bounced messages with it).
public protocol QueueRunnerObserver: Sendable {
    func recipientDelivered()
    func recipientBounced()
    func recipientDeferred()
}

/// Delivers the outbound queue: takes due recipients from the store, routes
/// their domains (`MXRouter`: transport map, smarthost, MX, null MX), sends
/// each group of recipients of one message and one route in one transaction
/// (signed with DKIM when an authenticated user submitted it and a key
/// exists for the sender's domain, RFC 6376), records each recipient's
/// outcome, schedules retries (5 min, 10, 20, … capped) until the give-up
/// time, and enqueues RFC 3464 DSNs (failure, delay, success when NOTIFY
/// asks) to the envelope sender, never for the null sender.
///
/// A recipient is marked `delivering` before its transaction and
/// `delivered` as soon as the remote accepted it, so after a crash it is
/// never sent twice once accepted (`requeueInterruptedDeliveries` only
/// returns recipients whose outcome was never recorded).
public final class QueueRunner: Sendable {
    public init(store: any MailStore, router: MXRouter, transport: any OutboundTransport,
                configuration: OutboundConfiguration, dkimKeys: DKIMKeyStore?,
                observer: (any QueueRunnerObserver)? = nil, logger: Logger) {}

    /// Runs until the task is cancelled.
    public func run() async {}

    /// Makes the runner look at the queue now (new message, `tern queue flush`).
    public func wake() {}

    /// One pass over the due recipients; returns when their attempts are
    /// recorded. For tests and `tern queue flush` in a stopped server.
    public func runOnce(now: Date = Date()) async {}
}
