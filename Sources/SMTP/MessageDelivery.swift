// What happens to an accepted message, the same for an SMTP session and for
// `tern sendmail`: one body with Return-Path and Received: (RFC 5321 §4.4)
// for every local account, stored once and all durable or none
// (`LocalDelivery`, one store transaction); the
// relayed recipients and outside alias forwards as one message in the
// outbound queue; one Postfix-style log line per copy and queued recipient.
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

    /// Stores the message for every local account in one store transaction
    /// (all or none), then queues the rest; if queueing fails the local
    /// copies are removed again and the error is rethrown (nothing was
    /// delivered). `received(recipient)` is the Received: field for a copy
    /// for that recipient (nil: for several).
    func deliver(_ envelope: Envelope, body: [UInt8],
                 received: (String?) -> [UInt8]) async throws -> Outcome {
        let returnPath = Array(ReceivedHeader.returnPath(envelope.sender).utf8)
        var accounts: [Account] = []
        /// Per account: the recipient address that reached it.
        var accountRecipients: [String] = []
        var relayed: [OutboundRecipient] = []
        for recipient in envelope.recipients {
            let address = recipient.address.description
            switch recipient.destination {
            case .local(let reached, let forwards):
                // One copy per account, even when several recipients reach it.
                for account in reached where !accounts.contains(where: { $0.id == account.id }) {
                    accounts.append(account)
                    accountRecipients.append(address)
                }
                // RFC 3461 §4.2: an alias's forwards carry the address the client gave.
                let original = recipient.originalRecipient
                    ?? OriginalRecipient(addressType: envelope.dsn.smtpUTF8 ? "utf-8" : "rfc822", address: address)
                for forward in forwards where !relayed.contains(where: { $0.address == forward }) {
                    relayed.append(OutboundRecipient(address: forward, notify: recipient.notify,
                                                     originalRecipient: original))
                }
            case .relay:
                if !relayed.contains(where: { $0.address == address }) {
                    relayed.append(OutboundRecipient(address: address, notify: recipient.notify,
                                                     originalRecipient: recipient.originalRecipient))
                }
            }
        }

        // One body for every account: the Received: field names the
        // recipient only when every account was reached through the same
        // one (RFC 5321 §4.4 "for"; §7.6: a shared copy must not reveal the
        // other recipients).
        let delivery = LocalDelivery(store: store, logger: logger)
        let forRecipient = Set(accountRecipients).count == 1 ? accountRecipients.first : nil
        let localBody = accounts.isEmpty ? [] : returnPath + received(forRecipient) + body
        let stored = try await delivery.deliver(localBody, to: accounts, internalDate: envelope.date)
        var queueID: String?
        if !relayed.isEmpty, let outboundQueue {
            do {
                queueID = try await outboundQueue.enqueue(
                    sender: envelope.sender.mailbox?.description, recipients: relayed, dsn: envelope.dsn,
                    authenticatedUser: envelope.authenticatedUser,
                    body: received(relayed.count == 1 ? relayed[0].address : nil) + body)
            } catch {
                await delivery.rollBack(stored)
                throw error
            }
        }

        let messageID = DeliveryLogLine.messageID(in: body)
        let delay = now().timeIntervalSince(envelope.date)
        func line(to: String, originalTo: String?, relay: String, status: DeliveryLogLine.Status,
                  detail: String) -> DeliveryLogLine {
            DeliveryLogLine(id: envelope.id, from: envelope.sender.mailbox?.description ?? "", to: to,
                            originalTo: originalTo?.lowercased() == to.lowercased() ? nil : originalTo,
                            messageID: messageID, size: body.count, relay: relay, delay: delay, dsn: "2.0.0",
                            status: status, detail: detail)
        }
        for (account, recipient) in zip(accounts, accountRecipients) {
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
}
