import Foundation
import MailCore

public typealias AccountID = Int64
public typealias MailboxID = Int64
/// An IMAP UID (RFC 9051 §2.3.1.1): strictly ascending within a mailbox, never reused.
public typealias MessageUID = UInt32
/// A modification sequence (RFC 7162): every change in a mailbox takes the next one.
public typealias ModSeq = Int64

/// A mail domain this server is the final destination for.
public struct MailDomain: Sendable, Hashable, Codable {
    public var name: String
    public var createdAt: Date
    public init(name: String, createdAt: Date) {
        self.name = name
        self.createdAt = createdAt
    }
}

/// One mail account; its address is stored lower-cased.
public struct Account: Sendable, Hashable, Codable {
    public var id: AccountID
    public var address: String
    /// A crypt(3) string (`$y$…`, `$6$…`, `$2y$…`), never a clear password.
    public var passwordHash: String
    public var createdAt: Date
    /// A disabled account cannot log in (any protocol); mail to it is
    /// still accepted and delivered.
    public var isDisabled: Bool
    public init(id: AccountID, address: String, passwordHash: String, createdAt: Date, isDisabled: Bool = false) {
        self.id = id
        self.address = address
        self.passwordHash = passwordHash
        self.createdAt = createdAt
        self.isDisabled = isDisabled
    }
}

/// An alias: mail for `source` goes to each of `destinations`.
/// A source of the form `@domain` is a catch-all for that domain.
public struct Alias: Sendable, Hashable, Codable {
    public var source: String
    public var destinations: [String]
    public init(source: String, destinations: [String]) {
        self.source = source
        self.destinations = destinations
    }
}

/// RFC 6154 special-use attributes.
public enum SpecialUse: String, Sendable, Codable, CaseIterable {
    case all = "\\All"
    case archive = "\\Archive"
    case drafts = "\\Drafts"
    case flagged = "\\Flagged"
    case junk = "\\Junk"
    case sent = "\\Sent"
    case trash = "\\Trash"
}

/// A mailbox of one account. Names are UTF-8 with `/` as hierarchy delimiter;
/// `INBOX` is always spelled in upper case.
public struct Mailbox: Sendable, Hashable, Codable {
    public var id: MailboxID
    public var accountID: AccountID
    public var name: String
    public var specialUse: SpecialUse?
    public var isSubscribed: Bool
    public var uidValidity: UInt32
    public var uidNext: MessageUID
    public var highestModSeq: ModSeq
    public init(id: MailboxID, accountID: AccountID, name: String, specialUse: SpecialUse?, isSubscribed: Bool,
                uidValidity: UInt32, uidNext: MessageUID, highestModSeq: ModSeq) {
        self.id = id
        self.accountID = accountID
        self.name = name
        self.specialUse = specialUse
        self.isSubscribed = isSubscribed
        self.uidValidity = uidValidity
        self.uidNext = uidNext
        self.highestModSeq = highestModSeq
    }
}

/// The metadata of one stored message (its body is read with `MailStore.messageBody`).
public struct MessageRecord: Sendable, Equatable {
    public var mailboxID: MailboxID
    public var uid: MessageUID
    public var modSeq: ModSeq
    public var flags: MessageFlags
    public var keywords: [String]
    /// When the message arrived, in whole seconds (IMAP INTERNALDATE).
    public var internalDate: Date
    /// Size in octets of the stored body, exactly what a client downloads.
    public var size: Int
    /// Lower-case hex SHA-256 of the body: the same bytes give the same hash.
    public var contentHash: String
    /// The Message-ID header value without angle brackets, if any.
    public var messageID: String?
    /// The header and MIME data parsed once when the message was stored,
    /// so IMAP never reparses bodies for ENVELOPE and BODYSTRUCTURE. The
    /// store keeps it in its own encoding and hands it over decoded; nil
    /// only when the stored form cannot be read (the reader may then
    /// reparse the body).
    public var parsedStructure: ParsedMessage?
    /// When the message was saved in this mailbox (RFC 8514 SAVEDATE: by
    /// APPEND, delivery, COPY or MOVE), whole seconds; nil for messages
    /// stored before the store kept it (v11).
    public var savedDate: Date?
    public init(mailboxID: MailboxID, uid: MessageUID, modSeq: ModSeq, flags: MessageFlags, keywords: [String],
                internalDate: Date, size: Int, contentHash: String, messageID: String?,
                parsedStructure: ParsedMessage?, savedDate: Date? = nil) {
        self.mailboxID = mailboxID
        self.uid = uid
        self.modSeq = modSeq
        self.flags = flags
        self.keywords = keywords
        self.internalDate = internalDate
        self.size = size
        self.contentHash = contentHash
        self.messageID = messageID
        self.parsedStructure = parsedStructure
        self.savedDate = savedDate
    }
}

/// A message to be stored.
public struct NewMessage: Sendable {
    public var body: [UInt8]
    public var flags: MessageFlags
    public var keywords: [String]
    public var internalDate: Date
    public init(body: [UInt8], flags: MessageFlags = [], keywords: [String] = [], internalDate: Date = Date()) {
        self.body = body
        self.flags = flags
        self.keywords = keywords
        self.internalDate = internalDate
    }
}

/// A message to be stored whose body is in a spool file (IMAP APPEND).
public struct SpooledMessage: Sendable {
    public var spool: SpoolFile
    public var flags: MessageFlags
    public var keywords: [String]
    public var internalDate: Date
    public init(spool: SpoolFile, flags: MessageFlags = [], keywords: [String] = [], internalDate: Date = Date()) {
        self.spool = spool
        self.flags = flags
        self.keywords = keywords
        self.internalDate = internalDate
    }
}

/// How `MailStore.updateFlags` combines the given flags with the stored ones
/// (IMAP STORE FLAGS / +FLAGS / -FLAGS, RFC 9051 §6.4.6).
public enum FlagOperation: Sendable {
    case replace
    case add
    case remove
}

/// One row of a mailbox's change log, ordered by modseq.
public struct MailboxChange: Sendable, Hashable {
    public enum Kind: String, Sendable {
        case added
        case flagsChanged
        case expunged
    }
    public var modSeq: ModSeq
    public var uid: MessageUID
    public var kind: Kind
    public init(modSeq: ModSeq, uid: MessageUID, kind: Kind) {
        self.modSeq = modSeq
        self.uid = uid
        self.kind = kind
    }
}

/// What a conditional STORE did (RFC 7162 §3.1.3).
public struct FlagUpdateResult: Sendable, Equatable {
    /// The records whose flags or keywords changed, in UID order, each with
    /// its new MODSEQ.
    public var changed: [MessageRecord]
    /// The UIDs left alone because their MODSEQ was greater than
    /// `unchangedSince` when the transaction ran (the `[MODIFIED …]` set), in
    /// UID order.
    public var modified: [MessageUID]
    public init(changed: [MessageRecord], modified: [MessageUID]) {
        self.changed = changed
        self.modified = modified
    }
}
