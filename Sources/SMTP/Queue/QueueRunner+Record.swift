import Foundation
import Logging
import MailCore
import MailStore

extension QueueRunner {
    /// Right after a transaction (or a routing failure): records with one
    /// store call every outcome that needs no notice first, and hands back
    /// the rest for `finish`.
    func recordSettled(_ reports: [AttemptReport], of message: QueuedMessage, now: Date) async -> SettledOutcomes {
        let plans = reports.map { plan($0, of: message, now: now) }
        let settled = plans.filter { !$0.waitsForNotice }
        let recorded = await commit(settled, of: message, now: now)
        var outcomes = SettledOutcomes(recorded: recorded.count, waiting: plans.filter(\.waitsForNotice))
        for plan in settled where recorded.contains(plan.update.address) {
            if case let .success(notice) = plan.notice { outcomes.successNotices.append(notice) }
        }
        return outcomes
    }

    /// Once every transaction of the message ended: stores one failure
    /// notice for all its failed recipients, one delay notice, one success
    /// notice (RFC 3464), then records the waiting outcomes with one call.
    ///
    /// A recipient whose failure notice could not be stored stays queued
    /// (retried, notice included) until the give-up time; then it fails
    /// without one. A recipient is marked as warned only when its delay
    /// notice was stored. Returns how many recipients got a new state.
    func finish(_ settled: SettledOutcomes, of message: QueuedMessage, body: [UInt8], now: Date) async -> Int {
        var plans = settled.waiting
        var failures: [DeliveryStatusNotification.Recipient] = []
        var delays: [DeliveryStatusNotification.Recipient] = []
        for plan in plans {
            switch plan.notice {
            case let .failure(notice): failures.append(notice)
            case let .delay(notice): delays.append(notice)
            case .success, nil: break
            }
        }

        if let error = await storeNotice(.failure, failures, of: message, body: body, now: now) {
            let giveUpAt = message.createdAt.addingTimeInterval(configuration.giveUpAfter)
            for index in plans.indices where now < giveUpAt {
                guard case .failure = plans[index].notice else { continue }
                let text = "\(plans[index].diagnostic) (failure notice not yet sent: \(error))"
                plans[index].update = RecipientUpdate(
                    address: plans[index].update.address, state: .queued, lastError: text,
                    nextAttemptAt: now.addingTimeInterval(schedule.interval(afterAttempts: 1)))
                plans[index].word = .deferred
                plans[index].diagnostic = text
            }
        }
        if !delays.isEmpty, await storeNotice(.delay, delays, of: message, body: body, now: now) == nil {
            for index in plans.indices {
                if case .delay = plans[index].notice { plans[index].update.delayNoticeSent = true }
            }
        }
        _ = await storeNotice(.success, settled.successNotices, of: message, body: body, now: now)
        return await commit(plans, of: message, now: now).count
    }

    private enum NoticeKind: String {
        case failure, delay, success
    }

    /// Stores one notice for `recipients` (none when empty); returns the
    /// error when it could not be stored.
    private func storeNotice(_ kind: NoticeKind, _ recipients: [DeliveryStatusNotification.Recipient],
                             of message: QueuedMessage, body: [UInt8], now: Date) async -> (any Error)? {
        guard !recipients.isEmpty else { return nil }
        let notifications = self.notifications
        do {
            _ = try await uncancellable {
                try await notifications.notify(message, body: body, recipients: recipients, now: now)
            }
            return nil
        } catch {
            logger.error("cannot send a \(kind.rawValue) notice",
                         metadata: ["queue-id": "\(message.id)", "error": "\(error)"])
            return error
        }
    }

    /// Records outcomes with one store call (one transaction), even while
    /// the runner stops; then counts and logs them. Returns the addresses
    /// recorded. If the store fails, accepted recipients stay `delivering`
    /// and are sent once more after their claim expires (the documented
    /// window); a recipient found final (its claim expired and another
    /// runner finished it) is left as it is.
    func commit(_ plans: [PlannedOutcome], of message: QueuedMessage, now: Date) async -> Set<String> {
        guard !plans.isEmpty else { return [] }
        let store = self.store
        let updates = plans.map(\.update)
        var skipped: String?
        do {
            try await uncancellable { try await store.updateRecipients(queueID: message.id, updates) }
        } catch let QueueError.recipientFinished(_, address) {
            skipped = address
            logger.warning("recipient finished by someone else; outcome not recorded", metadata: [
                "queue-id": "\(message.id)", "to": "\(LoggableText.clean(address))",
            ])
        } catch {
            for plan in plans {
                let text = plan.update.state == .delivered
                    ? "delivered but not recorded; may be sent again" : "cannot record an attempt"
                logger.log(level: plan.update.state == .delivered ? .critical : .error, "\(text)", metadata: [
                    "queue-id": "\(message.id)", "to": "\(LoggableText.clean(plan.update.address))",
                    "error": "\(error)",
                ])
            }
            return []
        }
        var recorded = Set<String>()
        for plan in plans where plan.update.address != skipped {
            recorded.insert(plan.update.address)
            switch plan.update.state {
            case .delivered: observer?.recipientDelivered()
            case .failed: observer?.recipientBounced()
            case .queued, .delivering: observer?.recipientDeferred()
            }
            logOutcome(plan, message, now: now)
        }
        return recorded
    }

    /// One line per recipient and attempt, as Postfix writes them
    /// (`DeliveryLogLine`): `ID: from=<s>, to=<rcpt>, message-id=<m>, size=n,
    /// relay=host [ip]:port, conn=new|reused, delay=s, attempts=n, dsn=x.y.z,
    /// status=sent (reply)` (`conn` tells connection reuse per destination).
    private func logOutcome(_ plan: PlannedOutcome, _ message: QueuedMessage, now: Date) {
        let report = plan.report
        let relay = report.remoteMTA.map { host in report.remotePort.map { "\(host):\($0)" } ?? host } ?? "none"
        DeliveryLogLine(
            id: message.id, idKey: "queue-id", from: message.sender, to: report.recipient.address,
            messageID: report.messageID, size: message.size, relay: relay,
            connection: report.remoteMTA == nil ? "none" : report.reusedConnection ? "reused" : "new",
            delay: now.timeIntervalSince(message.createdAt), attempts: report.recipient.attempts + 1,
            dsn: plan.status, status: plan.word, detail: plan.diagnostic
        ).log(to: logger)
    }
}
