import Foundation
import Logging
import MailCore
import MailStore

extension QueueRunner {
    /// A failed or deferred recipient's final record in this pass.
    private struct Pending {
        var report: AttemptReport
        var failed: Bool
        var status: String
        var diagnostic: String
        var nextAttemptAt: Date?
        var wantsFailureNotice: Bool
    }

    /// Records a message's outcomes of one pass: delivered recipients are
    /// already recorded; failures give up (with one failure notice for all
    /// of them, RFC 3464), deferrals past the give-up time fail with 4.4.7,
    /// other deferrals are rescheduled (with one delay notice when the
    /// warning time was crossed since the previous attempt), and success
    /// notices go to the recipients whose NOTIFY asks (RFC 3461 §4.1).
    ///
    /// The failure notice is stored before the recipients become `failed`,
    /// so a crash in between repeats the attempt (and the notice) rather
    /// than losing the notice. Returns how many recipients got a new state.
    func record(_ reports: [AttemptReport], of message: QueuedMessage, body: [UInt8], now: Date) async -> Int {
        let giveUpAt = message.createdAt.addingTimeInterval(configuration.giveUpAfter)
        var failedNotices: [DeliveryStatusNotification.Recipient] = []
        var delayNotices: [DeliveryStatusNotification.Recipient] = []
        var successNotices: [DeliveryStatusNotification.Recipient] = []
        var pending: [Pending] = []
        var changed = 0

        for report in reports {
            let recipient = report.recipient
            func notice(_ action: DeliveryStatusNotification.Action, _ status: String,
                        _ diagnostic: String?) -> DeliveryStatusNotification.Recipient {
                DeliveryStatusNotification.Recipient(
                    address: recipient.address, originalRecipient: recipient.originalRecipient, action: action,
                    status: status, remoteMTA: report.remoteMTA.map(Self.hostName), diagnostic: diagnostic,
                    lastAttemptDate: now, willRetryUntil: action == .delayed ? giveUpAt : nil)
            }
            switch report.outcome {
            case let .delivered(reply):
                changed += 1
                observer?.recipientDelivered()
                logOutcome("sent", message, report, status: reply.enhancedStatus ?? "2.0.0",
                           diagnostic: reply.description, now: now)
                if DSNNotifyConditions.wants(.success, notify: recipient.notify) {
                    successNotices.append(notice(.delivered, reply.enhancedStatus ?? "2.0.0", reply.description))
                }
            case let .failed(status, diagnostic):
                let wants = DSNNotifyConditions.wants(.failure, notify: recipient.notify)
                if wants { failedNotices.append(notice(.failed, status, diagnostic)) }
                pending.append(Pending(report: report, failed: true, status: status, diagnostic: diagnostic,
                                       wantsFailureNotice: wants))
            case let .deferred(status, diagnostic):
                if now >= giveUpAt {
                    // RFC 3463 §3.5: X.4.7 delivery time expired.
                    let expired = "delivery time expired; last error: \(diagnostic)"
                    let wants = DSNNotifyConditions.wants(.failure, notify: recipient.notify)
                    if wants { failedNotices.append(notice(.failed, "4.4.7", expired)) }
                    pending.append(Pending(report: report, failed: true, status: "4.4.7", diagnostic: expired,
                                           wantsFailureNotice: wants))
                    continue
                }
                if delayWarningDue(recipient, of: message, now: now),
                   DSNNotifyConditions.wants(.delay, notify: recipient.notify) {
                    delayNotices.append(notice(.delayed, status.hasPrefix("4.") ? status : "4.0.0", diagnostic))
                }
                let next = schedule.nextAttempt(afterAttempts: recipient.attempts + 1, now: now, giveUpAt: giveUpAt)
                pending.append(Pending(report: report, failed: false, status: status, diagnostic: diagnostic,
                                       nextAttemptAt: next, wantsFailureNotice: false))
            }
        }

        // Notifications before the final records (see above).
        let store = self.store
        let notifications = self.notifications
        var failureNoticeError: (any Error)? = nil
        if !failedNotices.isEmpty {
            let notices = failedNotices
            do {
                _ = try await uncancellable {
                    try await notifications.notify(message, body: body, recipients: notices, now: now)
                }
            } catch {
                failureNoticeError = error
                logger.error("cannot send a failure notice",
                             metadata: ["queue-id": "\(message.id)", "error": "\(error)"])
            }
        }
        for (kind, notices) in [("delay", delayNotices), ("success", successNotices)] where !notices.isEmpty {
            do {
                _ = try await uncancellable {
                    try await notifications.notify(message, body: body, recipients: notices, now: now)
                }
            } catch {
                logger.error("cannot send a \(kind) notice", metadata: ["queue-id": "\(message.id)", "error": "\(error)"])
            }
        }

        for item in pending {
            let lastError = item.report.remoteMTA.map { "\($0): \(item.diagnostic)" } ?? item.diagnostic
            var state: QueuedRecipientState = item.failed ? .failed : .queued
            var next = item.nextAttemptAt
            var word = item.failed ? "bounced" : "deferred"
            var error = lastError
            if item.failed, item.wantsFailureNotice, let failureNoticeError, now < giveUpAt {
                // Keep the recipient until its notice can be stored (at
                // most until the give-up time: then it fails unnoticed).
                state = .queued
                next = now.addingTimeInterval(schedule.interval(afterAttempts: 1))
                word = "deferred"
                error = "\(lastError) (failure notice not yet sent: \(failureNoticeError))"
            }
            let (address, finalState, finalError, finalNext) = (item.report.recipient.address, state, error, next)
            do {
                try await uncancellable {
                    try await store.updateRecipient(queueID: message.id, address: address, state: finalState,
                                                    lastError: finalError, nextAttemptAt: finalNext)
                }
                changed += 1
            } catch {
                logger.error("cannot record an attempt", metadata: [
                    "queue-id": "\(message.id)", "to": "\(LoggableText.clean(item.report.recipient.address))",
                    "error": "\(error)",
                ])
                continue
            }
            if state == .failed { observer?.recipientBounced() } else { observer?.recipientDeferred() }
            logOutcome(word, message, item.report, status: item.status, diagnostic: error, now: now)
        }
        return changed
    }

    /// A delay notice is sent once: on the first deferral at or after the
    /// warning time whose previous attempt came before it. The previous
    /// attempt is `lastAttemptAt`, or the time the retry schedule implies
    /// from `nextAttemptAt` (the later of the two, so a pass run with a
    /// given `now` and a `tern queue retry` both count right).
    func delayWarningDue(_ recipient: QueuedRecipient, of message: QueuedMessage, now: Date) -> Bool {
        let warnAt = message.createdAt.addingTimeInterval(configuration.delayWarningAfter)
        guard now >= warnAt else { return false }
        guard recipient.attempts > 0 else { return true }
        let implied = recipient.nextAttemptAt.addingTimeInterval(-schedule.interval(afterAttempts: recipient.attempts))
        let previous = max(recipient.lastAttemptAt ?? .distantPast, implied)
        return previous < warnAt
    }

    /// "mx.example.org [192.0.2.1]" → "mx.example.org" (RFC 3464 §2.3.5
    /// Remote-MTA names the host).
    static func hostName(_ remoteMTA: String) -> String {
        String(remoteMTA.split(separator: " ", maxSplits: 1).first ?? Substring(remoteMTA))
    }

    /// One line per recipient and attempt, as Postfix writes them:
    /// `ID: to=<rcpt>, relay=host, delay=s, attempts=n, dsn=x.y.z, status=sent (reply)`.
    private func logOutcome(_ word: String, _ message: QueuedMessage, _ report: AttemptReport, status: String,
                            diagnostic: String, now: Date) {
        let to = LoggableText.clean(report.recipient.address)
        let relay = report.remoteMTA.map(LoggableText.clean) ?? "none"
        let delay = Int(max(0, now.timeIntervalSince(message.createdAt)))
        let attempts = report.recipient.attempts + 1
        let text = "\(message.id): to=<\(to)>, relay=\(relay), delay=\(delay), attempts=\(attempts), "
            + "dsn=\(LoggableText.clean(status)), status=\(word) (\(LoggableText.clean(diagnostic)))"
        let metadata: Logger.Metadata = ["queue-id": "\(message.id)", "to": "\(to)", "relay": "\(relay)",
                                         "dsn": "\(LoggableText.clean(status))", "status": "\(word)"]
        if word == "sent" {
            logger.info("\(text)", metadata: metadata)
        } else {
            logger.notice("\(text)", metadata: metadata)
        }
    }
}
