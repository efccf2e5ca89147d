import Foundation
import Logging
import MailCore
import MailStore

/// Sends the RFC 3464 notifications of one message to its envelope sender:
/// into the sender's INBOX when the sender is a local address, through the
/// queue otherwise. A notification goes out with the null reverse-path
/// (RFC 5321 §4.5.5, RFC 3461 §6.2), so a notification that fails is never
/// answered by another one; for a null sender none is built at all.
struct BounceBuilder: Sendable {
    let store: any MailStore
    let hostName: String
    let logger: Logger

    /// Builds one notification for `recipients` (any mix of actions) of
    /// `message`, and delivers it. Returns false when nothing was due
    /// (null sender, no recipients); throws when it could not be stored.
    @discardableResult
    func notify(_ message: QueuedMessage, body: [UInt8], recipients: [DeliveryStatusNotification.Recipient],
                now: Date) async throws -> Bool {
        func build(_ ret: DSNReturnContent?) -> DeliveryStatusNotification? {
            DeliveryStatusNotification.build(
                reportingMTA: hostName, sender: message.sender, envelopeID: message.envelopeID,
                arrivalDate: message.createdAt, recipients: recipients, originalMessage: body, ret: ret, date: now)
        }
        guard let dsn = build(message.ret) else { return false }
        do {
            try await deliver(dsn, about: message, now: now)
        } catch MailStoreError.messageTooLarge where message.ret != .headers {
            // The returned message made it too large: the header must do
            // (RFC 3461 §4.3 lets the MTA return less than asked).
            guard let smaller = build(.headers) else { return false }
            try await deliver(smaller, about: message, now: now)
        }
        return true
    }

    /// Local accounts of the sender get it at once; forwards and remote
    /// senders get it through the queue. An unknown local sender (an account
    /// removed since) cannot receive it: logged and dropped.
    func deliver(_ dsn: DeliveryStatusNotification, about message: QueuedMessage, now: Date) async throws {
        let resolution: RecipientResolver.Resolution
        if let address = EmailAddress(dsn.recipient) {
            resolution = try await RecipientResolver(store: store).resolve(address)
        } else {
            resolution = .remote  // not an address we can parse; the remote will judge it
        }
        let metadata: Logger.Metadata = ["queue-id": "\(message.id)", "dsn": "\(dsn.messageID)",
                                         "to": "\(LoggableText.clean(dsn.recipient))"]
        switch resolution {
        case let .local(accounts, forwards):
            // RFC 5321 §4.4: the trace field of a message from the null path.
            let body = Array("Return-Path: <>\r\n".utf8) + dsn.bytes
            _ = try await LocalDelivery(store: store, logger: logger)
                .deliver(body, to: accounts, internalDate: now)
            if !forwards.isEmpty { try await enqueue(dsn, to: forwards) }
            logger.info("notification delivered locally", metadata: metadata)
        case .remote:
            let queued = try await enqueue(dsn, to: [dsn.recipient])
            logger.info("notification queued", metadata: metadata.merging(["dsn-queue-id": "\(queued)"]) { $1 })
        case .unknownUser, .routingRefused:
            logger.warning("notification dropped: the sender is no local user", metadata: metadata)
        }
    }

    @discardableResult
    private func enqueue(_ dsn: DeliveryStatusNotification, to addresses: [String]) async throws -> String {
        let draft = OutboundMessageDraft(sender: "",
                                         recipients: addresses.map { .init(address: $0, notify: .never) },
                                         smtpUTF8: dsn.smtpUTF8, bodyType: dsn.bodyType, body: dsn.bytes)
        return try await store.enqueueOutbound(draft).id
    }
}
