import Foundation
import MailCore
import MailStore

/// One recipient's outcome turned into its store update, its log line and
/// the RFC 3464 notice it asks for.
struct PlannedOutcome: Sendable {
    enum Notice: Sendable {
        case failure(DeliveryStatusNotification.Recipient)
        case delay(DeliveryStatusNotification.Recipient)
        case success(DeliveryStatusNotification.Recipient)
    }

    var report: AttemptReport
    var update: RecipientUpdate
    var notice: Notice?
    /// Postfix's word for the log line: sent, bounced or deferred.
    var word: DeliveryLogLine.Status
    var status: String
    var diagnostic: String

    /// Failure and delay notices are stored before the state they explain
    /// (a crash then repeats the attempt and the notice instead of losing
    /// the notice); anything else is recorded at once, above all an
    /// acceptance (never sent twice), whose success notice comes after.
    var waitsForNotice: Bool {
        switch notice {
        case .failure, .delay: true
        case .success, nil: false
        }
    }
}

/// What the transactions of one message left to do once their settled
/// outcomes were recorded.
struct SettledOutcomes: Sendable {
    /// Recipients recorded so far.
    var recorded = 0
    /// Outcomes recorded only after their notice is stored (`finish`).
    var waiting: [PlannedOutcome] = []
    /// Success notices (RFC 3461 NOTIFY=SUCCESS) of recorded deliveries.
    var successNotices: [DeliveryStatusNotification.Recipient] = []

    mutating func merge(_ other: SettledOutcomes) {
        recorded += other.recorded
        waiting += other.waiting
        successNotices += other.successNotices
    }
}

extension QueueRunner {
    /// What an attempt's report means for the recipient: delivered; failed
    /// (5xx, or a deferral past the give-up time: 4.4.7); or deferred to the
    /// retry schedule's next time, with a delay notice on the first deferral
    /// past the warning time (RFC 3461 §4.1 NOTIFY decides each notice).
    func plan(_ report: AttemptReport, of message: QueuedMessage, now: Date) -> PlannedOutcome {
        let recipient = report.recipient
        let giveUpAt = message.createdAt.addingTimeInterval(configuration.giveUpAfter)
        func notice(_ action: DeliveryStatusNotification.Action, _ status: String,
                    _ diagnostic: String?) -> DeliveryStatusNotification.Recipient {
            DeliveryStatusNotification.Recipient(
                address: recipient.address, originalRecipient: recipient.originalRecipient, action: action,
                status: status, remoteMTA: report.remoteMTA.map(Self.hostName), diagnostic: diagnostic,
                lastAttemptDate: now, willRetryUntil: action == .delayed ? giveUpAt : nil)
        }
        func failed(_ status: String, _ diagnostic: String) -> PlannedOutcome {
            let lastError = report.remoteMTA.map { "\($0): \(diagnostic)" } ?? diagnostic
            let wants = DSNNotifyConditions.wants(.failure, notify: recipient.notify)
            return PlannedOutcome(report: report,
                                  update: RecipientUpdate(address: recipient.address, state: .failed,
                                                          lastError: lastError),
                                  notice: wants ? .failure(notice(.failed, status, diagnostic)) : nil,
                                  word: .bounced, status: status, diagnostic: lastError)
        }

        switch report.outcome {
        case let .delivered(reply):
            let status = reply.enhancedStatus ?? "2.0.0"
            // RFC 3461 §6.2.2 / §5.2.2: a remote that offers DSN got NOTIFY
            // with RCPT and sends the success notice itself; otherwise the
            // notice is ours, with action "relayed" (RFC 3464 §2.3.3): the
            // message left DSN-aware handling, it was not delivered here.
            let wants = DSNNotifyConditions.wants(.success, notify: recipient.notify) && !report.remoteOffersDSN
            return PlannedOutcome(report: report, update: RecipientUpdate(address: recipient.address, state: .delivered),
                                  notice: wants ? .success(notice(.relayed, status, reply.description)) : nil,
                                  word: .sent, status: status, diagnostic: reply.description)
        case let .failed(status, diagnostic):
            return failed(status, diagnostic)
        case let .deferred(status, diagnostic):
            if now >= giveUpAt {
                // RFC 3463 §3.5: X.4.7 delivery time expired.
                return failed("4.4.7", "delivery time expired; last error: \(diagnostic)")
            }
            let lastError = report.remoteMTA.map { "\($0): \(diagnostic)" } ?? diagnostic
            let next = schedule.nextAttempt(afterAttempts: recipient.attempts + 1, now: now, giveUpAt: giveUpAt)
            var delay: PlannedOutcome.Notice?
            if delayWarningDue(recipient, of: message, now: now),
               DSNNotifyConditions.wants(.delay, notify: recipient.notify) {
                delay = .delay(notice(.delayed, status.hasPrefix("4.") ? status : "4.0.0", diagnostic))
            }
            return PlannedOutcome(report: report,
                                  update: RecipientUpdate(address: recipient.address, state: .queued,
                                                          lastError: lastError, nextAttemptAt: next),
                                  notice: delay, word: .deferred, status: status, diagnostic: lastError)
        }
    }

    /// A delay notice is sent once per recipient: on a deferral at or after
    /// the warning time, unless the store says one was sent already.
    func delayWarningDue(_ recipient: QueuedRecipient, of message: QueuedMessage, now: Date) -> Bool {
        let warnAt = message.createdAt.addingTimeInterval(configuration.delayWarningAfter)
        return now >= warnAt && !recipient.delayNoticeSent
    }

    /// "mx.example.org [192.0.2.1]" → "mx.example.org" (RFC 3464 §2.3.5
    /// Remote-MTA names the host).
    static func hostName(_ remoteMTA: String) -> String {
        String(remoteMTA.split(separator: " ", maxSplits: 1).first ?? Substring(remoteMTA))
    }
}
