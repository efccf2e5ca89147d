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
/// Each recipient is claimed before its transaction (`claimRecipients`:
/// `queued` → `delivering` in one store transaction) and only claimed
/// recipients are sent, so two runners on one data directory (the server
/// and a second instance during a restart) never send one twice. Each
/// transaction's outcomes are recorded with one store call as soon as it
/// ends (a bounce or delay warning waits for its notice to be stored), so
/// after a crash a recipient the remote accepted is never sent again; `requeueInterruptedDeliveries` only returns claims older than
/// `QueueClaim.lease`. The one window left is a crash between the
/// remote's `250` and that call: the recipient is then sent again once its
/// claim expired (Postfix has the same window; RFC 5321 §6.1 prefers a
/// duplicate to a loss).
public final class QueueRunner: Sendable {
    let store: any MailStore
    let router: MXRouter
    let transport: any OutboundTransport
    let configuration: OutboundConfiguration
    let schedule: RetrySchedule
    let signer: DKIMOutboundSigner
    let notifications: BounceBuilder
    let observer: (any QueueRunnerObserver)?
    let logger: Logger
    private let wakeSignal = WakeSignal()

    public init(store: any MailStore, router: MXRouter, transport: any OutboundTransport,
                configuration: OutboundConfiguration, dkimKeys: DKIMKeyStore?,
                observer: (any QueueRunnerObserver)? = nil, logger: Logger) {
        self.store = store
        self.router = router
        self.transport = transport
        self.configuration = configuration
        self.schedule = RetrySchedule(configuration)
        self.signer = DKIMOutboundSigner(keys: dkimKeys, logger: logger)
        self.notifications = BounceBuilder(store: store, hostName: configuration.hostName, logger: logger)
        self.observer = observer
        self.logger = logger
    }

    /// How often a running runner takes back expired claims (a crashed
    /// runner's, while this one keeps running).
    static let requeueInterval: TimeInterval = 300

    /// Runs until the task is cancelled.
    public func run() async {
        var lastRequeue = Date.distantPast
        while !Task.isCancelled {
            if Date().timeIntervalSince(lastRequeue) >= Self.requeueInterval {
                await requeueInterruptedDeliveries()
                lastRequeue = Date()
            }
            let (due, recorded) = await pass(now: Date())
            // A full batch that moved on means more is due: go on at once.
            if due >= max(1, configuration.batchSize) && recorded > 0 { continue }
            await wakeSignal.wait(timeout: configuration.pollInterval)
        }
    }

    private func requeueInterruptedDeliveries() async {
        do {
            let requeued = try await store.requeueInterruptedDeliveries()
            if requeued > 0 {
                logger.notice("requeued recipients whose delivery was interrupted", metadata: ["count": "\(requeued)"])
            }
        } catch {
            logger.error("cannot requeue interrupted deliveries", metadata: ["error": "\(error)"])
        }
    }

    /// Makes the runner look at the queue now (new message, `tern queue flush`).
    public func wake() {
        wakeSignal.signal()
    }

    /// One pass over the due recipients; returns when their attempts are
    /// recorded. For tests and `tern queue flush` in a stopped server.
    public func runOnce(now: Date = Date()) async {
        _ = await pass(now: now)
    }

    /// Attempts every due message (up to `batchSize`), at most
    /// `concurrentDeliveries` at once, then removes finished messages (their
    /// notifications are queued by then). Returns how many messages were
    /// due and how many recipients got a new state.
    func pass(now: Date) async -> (due: Int, recorded: Int) {
        let due: [(QueuedMessage, [QueuedRecipient])]
        do {
            due = try await store.dueRecipients(now: now, limit: max(1, configuration.batchSize))
        } catch {
            logger.error("cannot read the queue", metadata: ["error": "\(error)"])
            return (0, 0)
        }
        let routes = RouteCache(router: router)
        let limit = max(1, configuration.concurrentDeliveries)
        let recorded = await withTaskGroup(of: Int.self) { group -> Int in
            var running = 0
            var recorded = 0
            for (message, recipients) in due {
                if Task.isCancelled { break }
                if running >= limit {
                    recorded += await group.next() ?? 0
                    running -= 1
                }
                group.addTask { await self.deliver(message, recipients: recipients, routes: routes, now: now) }
                running += 1
            }
            for await count in group { recorded += count }
            return recorded
        }
        let store = self.store
        do {
            let removed = try await uncancellable { try await store.removeFinishedQueuedMessages() }
            if !removed.isEmpty { logger.debug("removed finished messages", metadata: ["ids": "\(removed)"]) }
        } catch {
            logger.error("cannot remove finished messages", metadata: ["error": "\(error)"])
        }
        return (due.count, recorded)
    }
}
