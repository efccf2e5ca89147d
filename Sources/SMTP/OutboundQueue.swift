// Where accepted mail for non-local recipients goes: the outbound queue.
// The store-backed queue and its delivery runner come with the outbound
// issue; the session only needs `enqueue`.
import Foundation
import MailStore

/// One recipient of a queued message, with its RFC 3461 DSN parameters.
public struct OutboundRecipient: Sendable, Hashable {
    /// The forward-path mailbox, as given at RCPT (source route dropped).
    public var address: String
    public var notify: DSNNotify?
    public var originalRecipient: OriginalRecipient?

    public init(address: String, notify: DSNNotify? = nil, originalRecipient: OriginalRecipient? = nil) {
        self.address = address
        self.notify = notify
        self.originalRecipient = originalRecipient
    }
}

/// The envelope-wide RFC 3461 parameters of a queued message (and the
/// RFC 6531 / RFC 6152 ones the outbound side must pass on).
public struct DSNParameters: Sendable, Hashable {
    public var ret: DSNReturn?
    public var envelopeID: String?
    public var body: MessageBodyType?
    public var smtpUTF8: Bool

    public init(ret: DSNReturn? = nil, envelopeID: String? = nil, body: MessageBodyType? = nil, smtpUTF8: Bool = false) {
        self.ret = ret
        self.envelopeID = envelopeID
        self.body = body
        self.smtpUTF8 = smtpUTF8
    }
}

/// The outbound queue as the inbound session sees it.
public protocol OutboundQueue: Sendable {
    /// Stores a message for later delivery to `recipients`, durably, and
    /// returns its queue id. `sender` is nil for the null reverse-path.
    /// `authenticatedUser` is the account address of a submission session
    /// (its mail is DKIM-signed on the way out), nil for relayed mail.
    func enqueue(sender: String?, recipients: [OutboundRecipient], dsn: DSNParameters,
                 authenticatedUser: String?, body: [UInt8]) async throws -> String
    /// `enqueue` with the body in a spool file (the store adopts it as the
    /// queued message's blob without a copy; the spool stays the caller's).
    func enqueue(sender: String?, recipients: [OutboundRecipient], dsn: DSNParameters,
                 authenticatedUser: String?, spooled: SpoolFile) async throws -> String
    /// `enqueue` of a message that also has local recipients, in ONE store
    /// transaction with its local copies (`MailStore.deliverAndEnqueue`):
    /// when it returns the queued message and every local copy are durable,
    /// and when it throws neither exists (RFC 5321 §4.2.5, §6.1). `spooled`
    /// holds the queued copy, `localCopies.spool` the local copies' bytes
    /// (their own header fields); the mailboxes are in the queue's store.
    /// Both spools stay the caller's.
    func enqueue(sender: String?, recipients: [OutboundRecipient], dsn: DSNParameters,
                 authenticatedUser: String?, spooled: SpoolFile, localCopies: LocalCopies) async throws
        -> (records: [MessageRecord], queueID: String)
}

/// The local copies that go with a queued message in one transaction.
public struct LocalCopies: Sendable {
    /// The local copies' bytes (Return-Path, their Received:, the content).
    public var spool: SpoolFile
    /// INTERNALDATE of each copy.
    public var internalDate: Date
    /// The mailboxes (each account's INBOX), each once.
    public var mailboxIDs: [MailboxID]

    public init(spool: SpoolFile, internalDate: Date, mailboxIDs: [MailboxID]) {
        self.spool = spool
        self.internalDate = internalDate
        self.mailboxIDs = mailboxIDs
    }
}
