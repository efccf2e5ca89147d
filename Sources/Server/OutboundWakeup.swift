import SMTP

/// Lets the SMTP listeners wake the queue runner as soon as they queue
/// mail, instead of waiting for its next poll: the runner attaches itself
/// when outbound delivery starts.
final class OutboundWakeup: Sendable {
    private let runner = LockedBox<QueueRunner?>(nil)

    func attach(_ queueRunner: QueueRunner?) { runner.withLock { $0 = queueRunner } }

    func wake() { runner.withLock { $0 }?.wake() }
}
