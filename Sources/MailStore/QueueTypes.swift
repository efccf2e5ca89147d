import Foundation

// The outbound queue's value types: what the SMTP session hands to the store
// (`OutboundMessageDraft`) and what the delivery runner and `tern queue` read
// back (`QueuedMessage`, one `QueuedRecipient` per forward-path).

/// RFC 3461 §4.1 NOTIFY of one recipient. The empty set is `NEVER`.
public struct DSNNotifyConditions: OptionSet, Sendable, Hashable, Codable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    public static let success = DSNNotifyConditions(rawValue: 1)
    public static let failure = DSNNotifyConditions(rawValue: 2)
    public static let delay = DSNNotifyConditions(rawValue: 4)
    /// `NOTIFY=NEVER`.
    public static let never: DSNNotifyConditions = []

    /// The parameter value as written in RCPT (`NEVER` or e.g. `SUCCESS,FAILURE`).
    public var parameterValue: String {
        if isEmpty { return "NEVER" }
        var names: [String] = []
        if contains(.success) { names.append("SUCCESS") }
        if contains(.failure) { names.append("FAILURE") }
        if contains(.delay) { names.append("DELAY") }
        return names.joined(separator: ",")
    }
}

/// RFC 3461 §4.3 RET: what a failure notification returns of the message.
public enum DSNReturnContent: String, Sendable, Hashable, Codable, CaseIterable {
    case full = "FULL"
    case headers = "HDRS"
}

/// The BODY of the MAIL command the message came with (RFC 6152, RFC 3030),
/// which the outbound side must be able to pass on.
public enum OutboundBodyType: String, Sendable, Hashable, Codable, CaseIterable {
    case sevenBit = "7BIT"
    case eightBitMIME = "8BITMIME"
    case binaryMIME = "BINARYMIME"
}

/// RFC 3461 §4.2 ORCPT: `addr-type ";" xtext`, kept decoded.
public struct OriginalRecipientAddress: Sendable, Hashable, Codable {
    /// The address type, e.g. `rfc822` or `utf-8` (RFC 6533).
    public var addressType: String
    /// The original address (xtext-decoded).
    public var address: String
    public init(addressType: String, address: String) {
        self.addressType = addressType
        self.address = address
    }
}

/// A message to put into the outbound queue.
public struct OutboundMessageDraft: Sendable, Hashable {
    /// One forward-path with its RFC 3461 parameters.
    public struct Recipient: Sendable, Hashable {
        public var address: String
        /// RFC 3461 §4.2 ORCPT, when given.
        public var originalRecipient: OriginalRecipientAddress?
        /// RFC 3461 §4.1 NOTIFY; nil when the parameter was not given.
        public var notify: DSNNotifyConditions?
        public init(address: String, originalRecipient: OriginalRecipientAddress? = nil,
                    notify: DSNNotifyConditions? = nil) {
            self.address = address
            self.originalRecipient = originalRecipient
            self.notify = notify
        }
    }

    /// The reverse-path; empty for the null sender `<>` (never bounced to).
    public var sender: String
    /// At least one. A repeated address is stored once (its first entry).
    public var recipients: [Recipient]
    /// RFC 3461 §4.3 RET, when given.
    public var ret: DSNReturnContent?
    /// RFC 3461 §4.4 ENVID (xtext-decoded), when given.
    public var envelopeID: String?
    /// The SASL identity that submitted the message, if any (DKIM signs only these).
    public var authenticatedUser: String?
    /// The message came with RFC 6531 SMTPUTF8.
    public var smtpUTF8: Bool
    public var bodyType: OutboundBodyType
    /// The exact message octets, trace headers included.
    public var body: [UInt8]

    public init(sender: String, recipients: [Recipient], ret: DSNReturnContent? = nil, envelopeID: String? = nil,
                authenticatedUser: String? = nil, smtpUTF8: Bool = false, bodyType: OutboundBodyType = .sevenBit,
                body: [UInt8]) {
        self.sender = sender
        self.recipients = recipients
        self.ret = ret
        self.envelopeID = envelopeID
        self.authenticatedUser = authenticatedUser
        self.smtpUTF8 = smtpUTF8
        self.bodyType = bodyType
        self.body = body
    }
}

/// Where one recipient of a queued message stands.
public enum QueuedRecipientState: String, Sendable, Hashable, Codable, CaseIterable {
    /// Waiting for its next attempt (`nextAttemptAt`).
    case queued
    /// An attempt is under way. Left over after a crash, it means "unknown":
    /// `requeueInterruptedDeliveries()` puts such recipients back.
    case delivering
    /// The remote server accepted it (final).
    case delivered
    /// Given up: a 5xx reply or the give-up time passed (final; bounced).
    case failed

    /// Delivered or failed: nothing more will be tried.
    public var isFinal: Bool { self == .delivered || self == .failed }
}

/// One recipient of a queued message, tracked on its own.
public struct QueuedRecipient: Sendable, Hashable {
    public var address: String
    public var originalRecipient: OriginalRecipientAddress?
    public var notify: DSNNotifyConditions?
    public var state: QueuedRecipientState
    /// Delivery attempts that ended (any state change except to `delivering`).
    public var attempts: Int
    public var nextAttemptAt: Date
    public var lastAttemptAt: Date?
    public var lastError: String?
    /// An RFC 3464 "delayed" notice was stored for this recipient (it gets one at most).
    public var delayNoticeSent: Bool

    public init(address: String, originalRecipient: OriginalRecipientAddress? = nil,
                notify: DSNNotifyConditions? = nil, state: QueuedRecipientState = .queued, attempts: Int = 0,
                nextAttemptAt: Date, lastAttemptAt: Date? = nil, lastError: String? = nil,
                delayNoticeSent: Bool = false) {
        self.address = address
        self.originalRecipient = originalRecipient
        self.notify = notify
        self.state = state
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.lastAttemptAt = lastAttemptAt
        self.lastError = lastError
        self.delayNoticeSent = delayNoticeSent
    }
}

/// One recipient's new state for `MailStore.updateRecipients`, with the
/// rules of `updateRecipient`: a nil `lastError` or `nextAttemptAt` keeps
/// the stored value.
public struct RecipientUpdate: Sendable, Hashable {
    public var address: String
    public var state: QueuedRecipientState
    public var lastError: String?
    public var nextAttemptAt: Date?
    /// True records that the recipient's delay notice was stored; false
    /// keeps the stored flag (it is never cleared).
    public var delayNoticeSent: Bool

    public init(address: String, state: QueuedRecipientState, lastError: String? = nil, nextAttemptAt: Date? = nil,
                delayNoticeSent: Bool = false) {
        self.address = address
        self.state = state
        self.lastError = lastError
        self.nextAttemptAt = nextAttemptAt
        self.delayNoticeSent = delayNoticeSent
    }
}

/// How long a claim (`MailStore.claimRecipients`) keeps a recipient from
/// `requeueInterruptedDeliveries`: far longer than an attempt takes (the
/// SMTP client bounds each step, RFC 5321 §4.5.3.2), so a claim that old
/// belongs to a runner that crashed or hangs.
public enum QueueClaim {
    public static let lease: TimeInterval = 3600
}

/// A message in the outbound queue with its recipients (in enqueue order).
public struct QueuedMessage: Sendable, Hashable {
    /// 16 random lower-case hex characters.
    public var id: String
    /// Empty for the null sender.
    public var sender: String
    public var createdAt: Date
    /// Body size in octets.
    public var size: Int
    public var ret: DSNReturnContent?
    public var envelopeID: String?
    public var authenticatedUser: String?
    public var smtpUTF8: Bool
    public var bodyType: OutboundBodyType
    public var recipients: [QueuedRecipient]

    public init(id: String, sender: String, createdAt: Date, size: Int, ret: DSNReturnContent? = nil,
                envelopeID: String? = nil, authenticatedUser: String? = nil, smtpUTF8: Bool = false,
                bodyType: OutboundBodyType = .sevenBit, recipients: [QueuedRecipient]) {
        self.id = id
        self.sender = sender
        self.createdAt = createdAt
        self.size = size
        self.ret = ret
        self.envelopeID = envelopeID
        self.authenticatedUser = authenticatedUser
        self.smtpUTF8 = smtpUTF8
        self.bodyType = bodyType
        self.recipients = recipients
    }

    /// Every recipient is delivered or failed.
    public var isFinished: Bool { recipients.allSatisfy(\.state.isFinal) }
}

/// What `MailStore.deliverAndEnqueue` stored in its one transaction: the
/// local copies and the queued message of one SMTP message.
public struct DeliveryAndQueueResult: Sendable, Equatable {
    /// One per distinct mailbox, in the order given.
    public var records: [MessageRecord]
    public var queued: QueuedMessage

    public init(records: [MessageRecord], queued: QueuedMessage) {
        self.records = records
        self.queued = queued
    }
}

/// Failures of the outbound queue operations (storage failures are
/// `MailStoreError.storageFailure`, an oversized body `.messageTooLarge`).
public enum QueueError: Error, Sendable, Equatable {
    case messageNotFound(String)
    case recipientNotFound(queueID: String, address: String)
    /// A draft without recipients.
    case noRecipients
    /// An empty recipient, or an envelope field (sender, recipient, ORCPT,
    /// ENVID, user) holding CR, LF or NUL: it could never be sent safely.
    case invalidEnvelope(String)
    /// The recipient is already delivered or failed; its state is final
    /// (so a delivered recipient is never sent to again).
    case recipientFinished(queueID: String, address: String)
}
