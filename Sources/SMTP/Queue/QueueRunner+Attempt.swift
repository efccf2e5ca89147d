import Foundation
import Logging
import MailCore
import MailStore

/// What one recipient's attempt in a pass came to.
struct AttemptReport: Sendable {
    enum Outcome: Sendable {
        /// Accepted by the remote; already recorded as `delivered`.
        case delivered(SMTPClientReply)
        /// Bounce now (5xx, null MX, no such domain…): RFC 3463 status.
        case failed(status: String, diagnostic: String)
        /// Try again later (4xx, connection failure, DNS failure).
        case deferred(status: String, diagnostic: String)
    }

    var recipient: QueuedRecipient
    var outcome: Outcome
    /// The host that answered ("mx.example.org [192.0.2.1]").
    var remoteMTA: String?
}

extension QueueRunner {
    /// Attempts the due recipients of one message: its body is read and
    /// signed once, each destination domain is one transaction (the
    /// domains of one message are tried at the same time), then outcomes,
    /// notifications and retries are recorded. Returns how many recipients
    /// got a new state.
    func deliver(_ message: QueuedMessage, recipients: [QueuedRecipient], routes: RouteCache,
                 now: Date) async -> Int {
        let body: [UInt8]
        do {
            body = try await store.queuedMessageBody(id: message.id)
        } catch QueueError.messageNotFound {
            return 0  // deleted (`tern queue delete`) since it was found due
        } catch {
            let reports = recipients.map {
                AttemptReport(recipient: $0, outcome: .deferred(status: "4.3.0",
                                                                diagnostic: "cannot read the queued message: \(error)"))
            }
            return await record(reports, of: message, body: [], now: now)
        }
        let signed = signer.sign(body, message: message, time: now)
        var reports: [AttemptReport] = []
        await withTaskGroup(of: [AttemptReport].self) { tasks in
            for group in DeliveryGrouping.groups(recipients) {
                tasks.addTask { await self.attempt(group, of: message, body: signed, routes: routes) }
            }
            for await groupReports in tasks { reports += groupReports }
        }
        return await record(reports, of: message, body: body, now: now)
    }

    /// Routes one domain and, when it has hosts, sends one transaction for
    /// the group. Recipients the remote accepted are recorded `delivered`
    /// before this returns (never sent twice).
    func attempt(_ group: DeliveryGroup, of message: QueuedMessage, body: [UInt8],
                 routes: RouteCache) async -> [AttemptReport] {
        func all(_ outcome: AttemptReport.Outcome) -> [AttemptReport] {
            group.recipients.map { AttemptReport(recipient: $0, outcome: outcome) }
        }
        guard !group.domain.isEmpty else {
            // RFC 3463 §3.2: X.1.3 bad destination mailbox address syntax.
            return all(.failed(status: "5.1.3", diagnostic: "the recipient address has no domain"))
        }
        let hosts: [DeliveryHost]
        let route = await routes.route(group.domain)
        switch route {
        case let .hosts(found):
            hosts = found
        case let .temporaryFailure(reason):
            // RFC 3463 §3.5: X.4.3 directory server failure (DNS).
            return all(.deferred(status: "4.4.3", diagnostic: "cannot look up \(group.domain): \(reason)"))
        case .nullMX:
            return all(.failed(status: route.permanentStatus ?? "5.1.10",
                               diagnostic: "\(group.domain) accepts no mail (null MX, RFC 7505)"))
        case .domainNotFound:
            return all(.failed(status: route.permanentStatus ?? "5.1.2",
                               diagnostic: "the domain \(group.domain) does not exist"))
        case .noUsableHost:
            return all(.failed(status: route.permanentStatus ?? "5.4.4",
                               diagnostic: "no mail server (MX or address) for \(group.domain)"))
        }

        // Marked before the attempt: after a crash, `delivering` means
        // "outcome unknown", never "accepted".
        var sending: [QueuedRecipient] = []
        for recipient in group.recipients {
            // No new transaction once the runner is stopping.
            if Task.isCancelled { break }
            do {
                try await store.updateRecipient(queueID: message.id, address: recipient.address, state: .delivering,
                                                lastError: nil, nextAttemptAt: nil)
                sending.append(recipient)
            } catch QueueError.messageNotFound {
                return []
            } catch {
                // Finished or deleted meanwhile, or the store failed: not sent now.
                logger.warning("recipient not attempted", metadata: [
                    "queue-id": "\(message.id)", "to": "\(LoggableText.clean(recipient.address))", "error": "\(error)",
                ])
            }
        }
        guard !sending.isEmpty else { return [] }

        let policy = DestinationPolicy.forDomain(group.domain, router: router, configuration: configuration)
        let transaction = OutboundTransaction(
            sender: message.sender,
            recipients: sending.map {
                OutboundTransactionRecipient(address: $0.address, notify: $0.notify,
                                             originalRecipient: $0.originalRecipient)
            },
            body: body, bodyType: message.bodyType, smtpUTF8: message.smtpUTF8, ret: message.ret,
            envelopeID: message.envelopeID)
        let result = await transport.deliver(transaction, hosts: hosts, tls: policy.tls,
                                             credentials: policy.credentials)

        var reports: [AttemptReport] = []
        for recipient in sending {
            let outcome: AttemptReport.Outcome
            switch result.outcomes[recipient.address] {
            case let .delivered(reply):
                outcome = .delivered(reply)
                await recordDelivered(recipient, of: message)
            case let .permanentFailure(status, diagnostic):
                outcome = .failed(status: status, diagnostic: diagnostic)
            case let .temporaryFailure(status, diagnostic):
                outcome = .deferred(status: status, diagnostic: diagnostic)
            case nil:
                outcome = .deferred(status: "4.4.0", diagnostic: "no outcome reported for this recipient")
            }
            reports.append(AttemptReport(recipient: recipient, outcome: outcome, remoteMTA: result.remoteMTA))
        }
        return reports
    }

    /// Right after the attempt: from here on the recipient is never sent
    /// to again. If the store fails here, it stays `delivering` and is sent
    /// once more after a restart (the documented window).
    private func recordDelivered(_ recipient: QueuedRecipient, of message: QueuedMessage) async {
        let store = self.store
        do {
            try await uncancellable {
                try await store.updateRecipient(queueID: message.id, address: recipient.address, state: .delivered,
                                                lastError: nil, nextAttemptAt: nil)
            }
        } catch {
            logger.critical("delivered but not recorded; may be sent again after a restart", metadata: [
                "queue-id": "\(message.id)", "to": "\(LoggableText.clean(recipient.address))", "error": "\(error)",
            ])
        }
    }
}
