import Foundation

/// What `MailStore.backup(to:)` copied.
public struct StoreBackupSummary: Sendable, Equatable {
    /// Message rows (in every mailbox) in the copy.
    public var messages: Int
    /// Queued outbound messages in the copy.
    public var queuedMessages: Int
    /// Body files in the copy.
    public var bodyFiles: Int

    public init(messages: Int, queuedMessages: Int, bodyFiles: Int) {
        self.messages = messages
        self.queuedMessages = queuedMessages
        self.bodyFiles = bodyFiles
    }
}

/// The kinds of damage `MailStore.check(repair:)` looks for, in the order
/// it looks (and repairs): a repair of an earlier kind can make damage of
/// a later one (rows removed leave their body files unreferenced), never
/// the other way round. A new check is one more case here, one more
/// branch in each backend's checker, and one more fixture in the tests.
public enum StoreDamageKind: String, Sendable, CaseIterable, Equatable {
    /// The database itself (SQLite `PRAGMA integrity_check`): pages,
    /// indexes. Repair rebuilds the indexes (REINDEX); what that does not
    /// mend is left for a restore from backup. While such damage remains,
    /// the later checks are not run (they read through the indexes).
    case integrity
    /// A row whose parent row is gone (SQLite `PRAGMA foreign_key_check`,
    /// e.g. a change-log row of a deleted mailbox). Repair deletes the row.
    case danglingRow = "dangling-row"
    /// A message row whose body is missing. Repair expunges it (it takes
    /// the next MODSEQ and leaves an `expunged` change-log row, so IMAP
    /// clients see it vanish like any expunge).
    case missingMessageBody = "missing-message-body"
    /// A queued outbound message whose body is missing: it can neither be
    /// sent nor quoted in a bounce. Repair removes the message and its
    /// recipients (the report names sender and recipients).
    case missingQueuedBody = "missing-queued-body"
    /// A mailbox whose `UIDNEXT` is not above its highest UID, or whose
    /// `HIGHESTMODSEQ` is below a MODSEQ of its messages or change log
    /// (RFC 9051 §2.3.1.1, RFC 7162 §3.1.2.1: both only grow). Repair
    /// raises them.
    case mailboxSequence = "mailbox-sequence"
    /// A mailbox whose counters (messages, unseen, `\Deleted`, total size:
    /// what STATUS, LIST-STATUS and SELECT read) disagree with its message
    /// rows. Repair stores the recount.
    case mailboxCounters = "mailbox-counters"
    /// A body file (or an abandoned temp file) that no row references and
    /// that is older than the orphan grace period (a younger one may belong
    /// to a delivery between its fsync and its commit). Repair removes it.
    case unreferencedBody = "unreferenced-body"
}

/// One piece of damage found.
public struct StoreFinding: Sendable, Equatable {
    public var kind: StoreDamageKind
    /// What and where, for the admin: `mailbox 3 (alice@example.org/INBOX): uid_next 5 <= highest UID 7`.
    public var detail: String
    /// True when `check(repair: true)` mended it.
    public var repaired: Bool

    public init(kind: StoreDamageKind, detail: String, repaired: Bool) {
        self.kind = kind
        self.detail = detail
        self.repaired = repaired
    }
}

/// The result of `MailStore.check(repair:)`.
public struct StoreCheckReport: Sendable, Equatable {
    /// Everything found, in the order of `StoreDamageKind.allCases`.
    public var findings: [StoreFinding]

    public init(findings: [StoreFinding]) { self.findings = findings }

    /// True when nothing was found.
    public var isClean: Bool { findings.isEmpty }
    /// Findings a repair left as they were.
    public var unrepaired: [StoreFinding] { findings.filter { !$0.repaired } }
}
