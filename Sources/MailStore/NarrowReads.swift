import Foundation
import MailCore

/// The counts of one mailbox as IMAP STATUS, LIST-STATUS and SELECT give
/// them (RFC 9051 §6.3.11; SIZE RFC 8438; HIGHESTMODSEQ RFC 7162 §3.1.2.1),
/// read from counters the store keeps in the same transaction as every
/// change, so no message is read to answer them.
public struct MailboxStatus: Sendable, Hashable {
    public var mailboxID: MailboxID
    /// Messages in the mailbox.
    public var messages: Int
    /// Messages without `\Seen`.
    public var unseen: Int
    /// Messages with `\Deleted`.
    public var deleted: Int
    /// The sum of the messages' sizes in octets (RFC822.SIZE).
    public var size: Int64
    public var uidNext: MessageUID
    public var uidValidity: UInt32
    public var highestModSeq: ModSeq

    public init(mailboxID: MailboxID, messages: Int, unseen: Int, deleted: Int, size: Int64,
                uidNext: MessageUID, uidValidity: UInt32, highestModSeq: ModSeq) {
        self.mailboxID = mailboxID
        self.messages = messages
        self.unseen = unseen
        self.deleted = deleted
        self.size = size
        self.uidNext = uidNext
        self.uidValidity = uidValidity
        self.highestModSeq = highestModSeq
    }
}

/// The `\Recent` messages of a mailbox (`MailStore.recentMessages`):
/// the UIDs they may have (expunged ones among them are gone) and how
/// many of them exist.
public struct RecentMessages: Sendable, Hashable {
    public var uids: Range<MessageUID>
    public var count: Int

    public init(uids: Range<MessageUID>, count: Int) {
        self.uids = uids
        self.count = count
    }
}

/// What SEARCH on addresses, subjects, dates and sizes needs of one message:
/// the stored ENVELOPE without the MIME tree and its searchable text
/// (`MailStore.messageEnvelopes`).
public struct MessageEnvelope: Sendable, Equatable {
    /// Which parts a read fills in besides UID, size and date.
    public struct Parts: OptionSet, Sendable, Hashable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// The stored ENVELOPE (decoded from the stored structure: costly).
        public static let envelope = Parts(rawValue: 1)
        /// The decoded, folded Subject and address lists (cheap: kept as text).
        public static let searchText = Parts(rawValue: 2)
    }

    public var uid: MessageUID
    public var size: Int
    /// INTERNALDATE, whole seconds.
    public var internalDate: Date
    /// nil when not asked for, or when the stored structure cannot be read
    /// (the reader may then read the full record or the body).
    public var envelope: Envelope?
    /// nil only when not asked for.
    public var searchText: EnvelopeSearchText?

    public init(uid: MessageUID, size: Int, internalDate: Date, envelope: Envelope?,
                searchText: EnvelopeSearchText? = nil) {
        self.uid = uid
        self.size = size
        self.internalDate = internalDate
        self.envelope = envelope
        self.searchText = searchText
    }
}

/// What a session's view of a mailbox needs of one message: no structure,
/// no content hash, no body file. An IMAP selected view or a POP3 maildrop
/// is built from these; the full `MessageRecord` is read only for the
/// messages a command actually looks at (`MailStore.messages(mailboxID:uids:)`).
public struct MessageSummary: Sendable, Hashable {
    public var uid: MessageUID
    public var modSeq: ModSeq
    public var flags: MessageFlags
    public var keywords: [String]
    /// Size in octets of the stored body (RFC822.SIZE, POP3 LIST).
    public var size: Int

    public init(uid: MessageUID, modSeq: ModSeq, flags: MessageFlags, keywords: [String], size: Int) {
        self.uid = uid
        self.modSeq = modSeq
        self.flags = flags
        self.keywords = keywords
        self.size = size
    }

    /// The summary of a full record.
    public init(_ record: MessageRecord) {
        self.init(uid: record.uid, modSeq: record.modSeq, flags: record.flags, keywords: record.keywords,
                  size: record.size)
    }
}

/// Part of one message's body: up to `length` octets from `offset`
/// (`MailStore.messageBodies(mailboxID:ranges:)`).
public struct BodyRange: Sendable, Hashable {
    public var uid: MessageUID
    public var offset: Int
    public var length: Int

    public init(uid: MessageUID, offset: Int, length: Int) {
        self.uid = uid
        self.offset = offset
        self.length = length
    }
}

/// What SORT reads of one message (`MailStore.messageSortKeys`).
public struct MessageSortRow: Sendable, Hashable {
    public var uid: MessageUID
    public var size: Int
    public var internalDate: Date
    public var keys: MessageSortKeys?

    public init(uid: MessageUID, size: Int, internalDate: Date, keys: MessageSortKeys?) {
        self.uid = uid
        self.size = size
        self.internalDate = internalDate
        self.keys = keys
    }
}

/// Where a message's own header and text lie in its body, with its size
/// and INTERNALDATE: what FETCH of top-level sections (HEADER,
/// HEADER.FIELDS, TEXT, their `<partial>`s) needs, read without decoding
/// the stored structure (`MailStore.messageLayouts`).
public struct MessageLayout: Sendable, Hashable {
    public var uid: MessageUID
    public var size: Int
    /// INTERNALDATE, whole seconds.
    public var internalDate: Date
    /// The top-level header (with its blank line) and body; nil when the
    /// stored structure cannot be read (the reader then reads the record).
    public var header: Range<Int>?
    public var text: Range<Int>?
    /// The header fields kept when the message was stored
    /// (`CachedHeaderFields`), when asked for and kept.
    public var cachedHeaderFields: [UInt8]?

    public init(uid: MessageUID, size: Int, internalDate: Date, header: Range<Int>?, text: Range<Int>?,
                cachedHeaderFields: [UInt8]? = nil) {
        self.uid = uid
        self.size = size
        self.internalDate = internalDate
        self.header = header
        self.text = text
        self.cachedHeaderFields = cachedHeaderFields
    }
}
