import Foundation
import Logging
import MailCore
import MailStore

/// What one recipient's attempt in a pass came to.
struct AttemptReport: Sendable {
    enum Outcome: Sendable {
        /// Accepted by the remote (recorded `delivered` with its transaction's outcomes).
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
    /// The port it answered on.
    var remotePort: Int?
    /// The message's Message-ID (for the log line), nil when it has none
    /// or its body could not be read.
    var messageID: String?
    /// The remote announced DSN, so NOTIFY went along with RCPT (RFC 3461 §5.2).
    var remoteOffersDSN = false
    /// The transaction ran on a connection kept from an earlier one.
    var reusedConnection = false
}

extension QueueRunner {
    /// Attempts the due recipients of one message: claims them first (a
    /// recipient another runner claimed is left to it), reads and signs the
    /// body once, sends one transaction per destination domain (the domains
    /// of one message at the same time), records each transaction's
    /// outcomes with one store call, then the notices and the outcomes that
    /// wait for them. Returns how many recipients got a new state.
    func deliver(_ message: QueuedMessage, recipients: [QueuedRecipient], routes: RouteCache,
                 now: Date) async -> Int {
        // No new claim once the runner is stopping.
        if Task.isCancelled { return 0 }
        let claimed: Set<String>
        do {
            claimed = Set(try await store.claimRecipients(queueID: message.id, addresses: recipients.map(\.address),
                                                          now: now))
        } catch QueueError.messageNotFound {
            return 0  // deleted (`tern queue delete`) since it was found due
        } catch {
            logger.error("cannot claim recipients", metadata: ["queue-id": "\(message.id)", "error": "\(error)"])
            return 0
        }
        // What another runner claimed meanwhile (or `tern queue` changed) is not ours.
        let mine = recipients.filter { claimed.contains($0.address) }
        guard !mine.isEmpty else { return 0 }

        let body: [UInt8]
        do {
            body = try await store.queuedMessageBody(id: message.id)
        } catch QueueError.messageNotFound {
            return 0
        } catch is CancellationError {
            // Stopping before anything was sent: give the claim back without
            // counting an attempt (an unleased `delivering` is requeued at
            // the next start).
            await release(mine, of: message)
            return 0
        } catch {
            let reports = mine.map {
                AttemptReport(recipient: $0, outcome: .deferred(status: "4.3.0",
                                                                diagnostic: "cannot read the queued message: \(error)"))
            }
            let settled = await recordSettled(reports, of: message, now: now)
            return settled.recorded + (await finish(settled, of: message, body: [], now: now))
        }
        let signed = signer.sign(body, message: message, time: now)
        let messageID = DeliveryLogLine.messageID(in: body)
        var settled = SettledOutcomes()
        await withTaskGroup(of: SettledOutcomes.self) { tasks in
            for group in DeliveryGrouping.groups(mine) {
                tasks.addTask {
                    await self.attempt(group, of: message, messageID: messageID, body: signed, routes: routes, now: now)
                }
            }
            for await groupOutcomes in tasks { settled.merge(groupOutcomes) }
        }
        return settled.recorded + (await finish(settled, of: message, body: body, now: now))
    }

    /// Routes one domain and, when it has hosts, sends one transaction for
    /// the group's (claimed) recipients. Its outcomes are recorded with one
    /// call before this returns (accepted recipients are never sent twice),
    /// except those that wait for a failure or delay notice.
    func attempt(_ group: DeliveryGroup, of message: QueuedMessage, messageID: String?, body: [UInt8],
                 routes: RouteCache, now: Date) async -> SettledOutcomes {
        func all(_ outcome: AttemptReport.Outcome) async -> SettledOutcomes {
            await recordSettled(group.recipients.map {
                AttemptReport(recipient: $0, outcome: outcome, messageID: messageID)
            }, of: message, now: now)
        }
        guard !group.domain.isEmpty else {
            // RFC 3463 §3.2: X.1.3 bad destination mailbox address syntax.
            return await all(.failed(status: "5.1.3", diagnostic: "the recipient address has no domain"))
        }
        let hosts: [DeliveryHost]
        let route = await routes.route(group.domain)
        switch route {
        case let .hosts(found):
            hosts = found
        case let .temporaryFailure(reason):
            // RFC 3463 §3.5: X.4.3 directory server failure (DNS).
            return await all(.deferred(status: "4.4.3", diagnostic: "cannot look up \(group.domain): \(reason)"))
        case .nullMX:
            return await all(.failed(status: route.permanentStatus ?? "5.1.10",
                                     diagnostic: "\(group.domain) accepts no mail (null MX, RFC 7505)"))
        case .domainNotFound:
            return await all(.failed(status: route.permanentStatus ?? "5.1.2",
                                     diagnostic: "the domain \(group.domain) does not exist"))
        case .noUsableHost:
            return await all(.failed(status: route.permanentStatus ?? "5.4.4",
                                     diagnostic: "no mail server (MX or address) for \(group.domain)"))
        }

        let policy = DestinationPolicy.forDomain(group.domain, router: router, configuration: configuration)
        let transaction = OutboundTransaction(
            sender: message.sender,
            recipients: group.recipients.map {
                OutboundTransactionRecipient(address: $0.address, notify: $0.notify,
                                             originalRecipient: $0.originalRecipient)
            },
            body: body, bodyType: message.bodyType, smtpUTF8: message.smtpUTF8, ret: message.ret,
            envelopeID: message.envelopeID)
        let result = await transport.deliver(transaction, hosts: hosts, tls: policy.tls,
                                             credentials: policy.credentials)

        let reports = group.recipients.map { recipient in
            let outcome: AttemptReport.Outcome
            switch result.outcomes[recipient.address] {
            case let .delivered(reply):
                outcome = .delivered(reply)
            case let .permanentFailure(status, diagnostic):
                outcome = .failed(status: status, diagnostic: diagnostic)
            case let .temporaryFailure(status, diagnostic):
                outcome = .deferred(status: status, diagnostic: diagnostic)
            case nil:
                outcome = .deferred(status: "4.4.0", diagnostic: "no outcome reported for this recipient")
            }
            return AttemptReport(recipient: recipient, outcome: outcome, remoteMTA: result.remoteMTA,
                                 remotePort: result.remotePort, messageID: messageID,
                                 remoteOffersDSN: result.remoteOffersDSN, reusedConnection: result.reusedConnection)
        }
        return await recordSettled(reports, of: message, now: now)
    }

    /// Ends the claim of recipients that were not attempted.
    private func release(_ recipients: [QueuedRecipient], of message: QueuedMessage) async {
        let store = self.store
        let updates = recipients.map { RecipientUpdate(address: $0.address, state: .delivering) }
        do {
            try await uncancellable { try await store.updateRecipients(queueID: message.id, updates) }
        } catch {
            logger.warning("cannot release claimed recipients; they wait for their claim to expire",
                           metadata: ["queue-id": "\(message.id)", "error": "\(error)"])
        }
    }
}
