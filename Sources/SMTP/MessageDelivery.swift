// What happens to an accepted message, the same for an SMTP session and for
// `tern sendmail`: one body with Return-Path and Received: (RFC 5321 §4.4)
// for every local account, stored once; the relayed recipients and
// outside alias forwards as one message in the outbound queue; the local
// copies and the queued one in one store transaction, all durable or none
// (`MailStore.deliverAndEnqueue`); one Postfix-style log line per copy and
// queued recipient.
import Foundation
import Logging
import MailCore
import MailStore

struct MessageDelivery: Sendable {
    /// Where one recipient's copy goes.
    enum Destination: Sendable {
        /// Local accounts, and the outside addresses an alias forwards to.
        case local(accounts: [Account], forwards: [String])
        /// Another domain: the outbound queue.
        case relay
    }

    struct Recipient: Sendable {
        /// As given (RCPT TO, the command line, a -t header).
        var address: EmailAddress
        var notify: DSNNotify?
        var originalRecipient: OriginalRecipient?
        var destination: Destination
    }

    /// One accepted message's envelope.
    struct Envelope: Sendable {
        /// The SMTP id (Received: id, the 250 reply, log lines).
        var id: String
        var sender: ReversePath
        var dsn: DSNParameters
        /// The submitting account: its mail is DKIM-signed on the way out.
        var authenticatedUser: String?
        var recipients: [Recipient]
        /// When the message was received (INTERNALDATE, the delay in logs).
        var date: Date
    }

    struct Outcome: Sendable, Equatable {
        var localCopies: Int
        var relayedRecipients: Int
        var queueID: String?
    }

    let store: any MailStore
    let outboundQueue: (any OutboundQueue)?
    let logger: Logger
    let now: @Sendable () -> Date

    /// Where the copies of a message go, worked out from its envelope
    /// before its data arrives (the spool starts with the right prefix).
    struct Plan: Sendable {
        var accounts: [Account] = []
        /// Per account: the recipient address that reached it.
        var accountRecipients: [String] = []
        var relayed: [OutboundRecipient] = []

        /// The recipient a shared local copy's Received: names: only when
        /// every account was reached through the same one (RFC 5321 §4.4
        /// "for"; §7.6: a shared copy must not reveal the other recipients).
        var localRecipient: String? { Set(accountRecipients).count == 1 ? accountRecipients.first : nil }
        /// The same for the queued copy.
        var relayedRecipient: String? { relayed.count == 1 ? relayed[0].address : nil }
    }

    static func plan(_ envelope: Envelope) -> Plan {
        var plan = Plan()
        for recipient in envelope.recipients {
            let address = recipient.address.description
            switch recipient.destination {
            case .local(let reached, let forwards):
                // One copy per account, even when several recipients reach it.
                for account in reached where !plan.accounts.contains(where: { $0.id == account.id }) {
                    plan.accounts.append(account)
                    plan.accountRecipients.append(address)
                }
                // RFC 3461 §4.2: an alias's forwards carry the address the client gave.
                let original = recipient.originalRecipient
                    ?? OriginalRecipient(addressType: envelope.dsn.smtpUTF8 ? "utf-8" : "rfc822", address: address)
                for forward in forwards where !plan.relayed.contains(where: { $0.address == forward }) {
                    plan.relayed.append(OutboundRecipient(address: forward, notify: recipient.notify,
                                                          originalRecipient: original))
                }
            case .relay:
                if !plan.relayed.contains(where: { $0.address == address }) {
                    plan.relayed.append(OutboundRecipient(address: address, notify: recipient.notify,
                                                          originalRecipient: recipient.originalRecipient))
                }
            }
        }
        return plan
    }

    /// What the spool file holds before the message content: with local
    /// accounts, the local copy's Return-Path and Received: (RFC 5321
    /// §4.4), else the queued copy's Received:.
    static func spoolPrefix(_ envelope: Envelope, _ plan: Plan, received: (String?) -> [UInt8]) -> [UInt8] {
        if plan.accounts.isEmpty { return received(plan.relayedRecipient) }
        return Array(ReceivedHeader.returnPath(envelope.sender).utf8) + received(plan.localRecipient)
    }

    /// `deliver` of a message given whole (`tern sendmail`): spooled first,
    /// then the one delivery path.
    func deliver(_ envelope: Envelope, body: [UInt8],
                 received: (String?) -> [UInt8]) async throws -> Outcome {
        let plan = Self.plan(envelope)
        let prefix = Self.spoolPrefix(envelope, plan, received: received)
        let spool = try store.makeSpoolFile(maximumSize: nil)
        defer { spool.abort() }
        try spool.write(prefix)
        try spool.write(body)
        return try await deliver(envelope, plan, spool: spool, prefixLength: prefix.count,
                                 header: Array(body.prefix(IncomingMessage.headerBlockLimit)), received: received)
    }

    /// Stores the spooled message for every local account and queues the
    /// relayed copy, all in one store transaction (all or none, one shared
    /// blob for the local copies adopted from the spool, the queued copy's
    /// own blob): if it throws, nothing was delivered or queued, so the
    /// client may be told it failed (RFC 5321 §4.2.5, §6.1). The spool
    /// holds `spoolPrefix` then the content; `header` is the content's
    /// header block (for the log's Message-ID). `received(recipient)` is the
    /// Received: field for a copy for that recipient (nil: for several).
    /// The spool stays the caller's.
    func deliver(_ envelope: Envelope, _ plan: Plan, spool: SpoolFile, prefixLength: Int, header: [UInt8],
                 received: (String?) -> [UInt8]) async throws -> Outcome {
        let accounts = plan.accounts
        let relayed = plan.relayed
        let contentSize = spool.size - prefixLength
        let delivery = LocalDelivery(store: store, logger: logger)
        var queueID: String?
        if relayed.isEmpty || outboundQueue == nil {
            _ = try await delivery.deliver(spool, to: accounts, internalDate: envelope.date)
        } else if let outboundQueue {
            let sender = envelope.sender.mailbox?.description
            if accounts.isEmpty {
                queueID = try await outboundQueue.enqueue(
                    sender: sender, recipients: relayed, dsn: envelope.dsn,
                    authenticatedUser: envelope.authenticatedUser, spooled: spool)
            } else {
                // The queued copy has its own Received: and no Return-Path: a second spool.
                let queued = try store.makeSpoolFile(maximumSize: nil)
                defer { queued.abort() }
                try queued.write(received(plan.relayedRecipient))
                try Self.copy(spool, from: prefixLength, to: queued)
                let local = LocalCopies(spool: spool, internalDate: envelope.date,
                                        mailboxIDs: try await delivery.inboxes(of: accounts))
                queueID = try await outboundQueue.enqueue(
                    sender: sender, recipients: relayed, dsn: envelope.dsn,
                    authenticatedUser: envelope.authenticatedUser, spooled: queued, localCopies: local).queueID
            }
        }

        let messageID = DeliveryLogLine.messageID(in: header)
        let delay = now().timeIntervalSince(envelope.date)
        func line(to: String, originalTo: String?, relay: String, status: DeliveryLogLine.Status,
                  detail: String) -> DeliveryLogLine {
            DeliveryLogLine(id: envelope.id, from: envelope.sender.mailbox?.description ?? "", to: to,
                            originalTo: originalTo?.lowercased() == to.lowercased() ? nil : originalTo,
                            messageID: messageID, size: contentSize, relay: relay, delay: delay, dsn: "2.0.0",
                            status: status, detail: detail)
        }
        for (account, recipient) in zip(accounts, plan.accountRecipients) {
            line(to: account.address, originalTo: recipient, relay: "local", status: .sent,
                 detail: "delivered to INBOX").log(to: logger)
        }
        if let queueID {
            for recipient in relayed {
                line(to: recipient.address, originalTo: recipient.originalRecipient?.address, relay: "queue",
                     status: .queued, detail: "queued as \(queueID)").log(to: logger)
            }
        }
        return Outcome(localCopies: accounts.count, relayedRecipients: relayed.count, queueID: queueID)
    }

    /// Copies `source` from `offset` to its end into `target`, one buffer at a time.
    static func copy(_ source: SpoolFile, from offset: Int, to target: SpoolFile) throws {
        try source.finish()
        var position = offset
        while position < source.size {
            let piece = try source.read(offset: position, count: SpoolFile.bufferSize)
            guard !piece.isEmpty else { break }
            try target.write(piece)
            position += piece.count
        }
    }
}
