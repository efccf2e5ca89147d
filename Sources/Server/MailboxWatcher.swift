import MailStore
import NIOCore

/// Wakes one connection when the mailbox its session watches changes: a
/// task iterates the store's change notifications and fires a
/// `MailboxChangedEvent` into the connection's pipeline, where it reaches
/// the connection loop as `.mailboxChanged`, in order with the client's
/// bytes (IMAP IDLE, RFC 2177). A notification is only a wake-up, so at
/// most one event is outstanding: further notifications before the
/// connection handled it are folded into it.
final class MailboxWatcher: Sendable {
    let mailboxID: MailboxID
    private let task: Task<Void, Never>
    private let pending: LockedBox<Bool>

    /// `notifications` must be subscribed already (before the session's next
    /// command), so that no change after this point is missed.
    init(mailboxID: MailboxID, notifications: AsyncStream<Void>, pipeline: ChannelPipeline) {
        self.mailboxID = mailboxID
        let pending = LockedBox(false)
        self.pending = pending
        task = Task {
            for await _ in notifications {
                let fire = pending.withLock { isPending in
                    defer { isPending = true }
                    return !isPending
                }
                if fire { pipeline.fireUserInboundEventTriggered(MailboxChangedEvent()) }
            }
        }
    }

    /// The connection took the event: the next notification fires again.
    /// Call before asking the session what changed, so nothing is lost.
    func eventHandled() {
        pending.withLock { $0 = false }
    }

    /// Ends the subscription (the session watches another mailbox, or the connection ended).
    func cancel() {
        task.cancel()
    }
}
