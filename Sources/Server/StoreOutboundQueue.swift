import Foundation
import MailStore
import SMTP

/// The SMTP session's (and `tern sendmail`'s) `OutboundQueue`, kept in the
/// mail store (`MailStore.enqueueOutbound`: body fsynced, then one
/// transaction; with local copies `MailStore.deliverAndEnqueue`, one
/// transaction for both).
public struct StoreOutboundQueue: OutboundQueue {
    let store: any MailStore
    /// Tells the running queue runner that mail is waiting.
    var wakeup: OutboundWakeup? = nil

    /// A queue without a runner in this process: the server's runner finds
    /// the mail at its next poll (`outbound.poll_seconds`).
    public init(store: any MailStore) {
        self.store = store
    }

    init(store: any MailStore, wakeup: OutboundWakeup?) {
        self.store = store
        self.wakeup = wakeup
    }

    public func enqueue(sender: String?, recipients: [OutboundRecipient], dsn: DSNParameters,
                 authenticatedUser: String?, body: [UInt8]) async throws -> String {
        let queued = try await store.enqueueOutbound(Self.draft(sender: sender, recipients: recipients, dsn: dsn,
                                                                authenticatedUser: authenticatedUser, body: body))
        wakeup?.wake()
        return queued.id
    }

    public func enqueue(sender: String?, recipients: [OutboundRecipient], dsn: DSNParameters,
                        authenticatedUser: String?, spooled: SpoolFile) async throws -> String {
        let queued = try await store.enqueueOutbound(
            Self.draft(sender: sender, recipients: recipients, dsn: dsn, authenticatedUser: authenticatedUser,
                       body: []),
            spooled: spooled)
        wakeup?.wake()
        return queued.id
    }

    public func enqueue(sender: String?, recipients: [OutboundRecipient], dsn: DSNParameters,
                        authenticatedUser: String?, spooled: SpoolFile, localCopies: LocalCopies) async throws
        -> (records: [MessageRecord], queueID: String) {
        let result = try await store.deliverAndEnqueue(
            spooled: localCopies.spool, internalDate: localCopies.internalDate, to: localCopies.mailboxIDs,
            outbound: Self.draft(sender: sender, recipients: recipients, dsn: dsn,
                                 authenticatedUser: authenticatedUser, body: []),
            spooled: spooled)
        wakeup?.wake()
        return (result.records, result.queued.id)
    }

    static func draft(sender: String?, recipients: [OutboundRecipient], dsn: DSNParameters,
                      authenticatedUser: String?, body: [UInt8]) -> OutboundMessageDraft {
        OutboundMessageDraft(
            sender: sender ?? "",
            recipients: recipients.map(Self.recipient),
            ret: dsn.ret.map(Self.returnContent),
            envelopeID: dsn.envelopeID,
            authenticatedUser: authenticatedUser,
            smtpUTF8: dsn.smtpUTF8,
            bodyType: dsn.body.map(Self.bodyType) ?? .sevenBit,
            body: body)
    }

    static func recipient(_ recipient: OutboundRecipient) -> OutboundMessageDraft.Recipient {
        OutboundMessageDraft.Recipient(
            address: recipient.address,
            originalRecipient: recipient.originalRecipient.map {
                OriginalRecipientAddress(addressType: $0.addressType, address: $0.address)
            },
            notify: recipient.notify.map(notifyConditions))
    }

    /// RFC 3461 §4.1: NEVER is the empty set.
    static func notifyConditions(_ notify: DSNNotify) -> DSNNotifyConditions {
        switch notify {
        case .never:
            return .never
        case .on(let success, let failure, let delay):
            var conditions: DSNNotifyConditions = []
            if success { conditions.insert(.success) }
            if failure { conditions.insert(.failure) }
            if delay { conditions.insert(.delay) }
            return conditions
        }
    }

    static func returnContent(_ ret: DSNReturn) -> DSNReturnContent {
        switch ret {
        case .full: return .full
        case .headers: return .headers
        }
    }

    static func bodyType(_ body: MessageBodyType) -> OutboundBodyType {
        switch body {
        case .sevenBit: return .sevenBit
        case .eightBitMIME: return .eightBitMIME
        case .binaryMIME: return .binaryMIME
        }
    }
}
