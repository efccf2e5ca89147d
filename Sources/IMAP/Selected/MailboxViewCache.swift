import MailCore
import MailStore
import Synchronization

/// The last view read of each large mailbox, shared by every IMAP session
/// of one server (one store): a SELECT starts from it and reads only the
/// change log after it, instead of every message's summary, and the
/// sessions holding the same mailbox selected share its arrays until one
/// of them changes (Swift arrays copy on write). This is what Dovecot's
/// shared index files do for its session processes.
///
/// Correct because a snapshot is a view at a known HIGHESTMODSEQ and the
/// store's change log keeps every change after it, tombstones included
/// (MailStore contract: change-log rows appear in MODSEQ order, never
/// pruned while the mailbox exists). A snapshot belongs to one mailbox
/// incarnation: its UIDVALIDITY, never handed out twice by a store, must
/// match the mailbox's.
///
/// Bounded: only mailboxes of at least `minimumMessages` are kept, at most
/// `maxEntries` messages in all (24 bytes each), least recently used
/// dropped first.
public final class MailboxViewCache: Sendable {
    /// A view as it was at `mailbox.highestModSeq`, no expunge held back.
    struct Snapshot: Sendable {
        var mailbox: Mailbox
        var entries: [SelectedMailbox.Entry]
        var keywordLists: KeywordLists
    }

    private struct State: ~Copyable {
        var snapshots: [MailboxID: (snapshot: Snapshot, lastUse: UInt64)] = [:]
        var entryCount = 0
        var clock: UInt64 = 0
    }

    public let minimumMessages: Int
    public let maxEntries: Int
    private let state = Mutex(State())

    /// 1,000,000 entries are about 24 MiB.
    public init(minimumMessages: Int = 1_000, maxEntries: Int = 1_000_000) {
        self.minimumMessages = minimumMessages
        self.maxEntries = maxEntries
    }

    /// The snapshot of this mailbox incarnation, if one is kept.
    func snapshot(of mailbox: Mailbox) -> Snapshot? {
        state.withLock { state in
            guard let kept = state.snapshots[mailbox.id] else { return nil }
            guard kept.snapshot.mailbox.uidValidity == mailbox.uidValidity,
                  kept.snapshot.mailbox.accountID == mailbox.accountID else {
                state.entryCount -= kept.snapshot.entries.count
                state.snapshots[mailbox.id] = nil
                return nil
            }
            state.clock += 1
            state.snapshots[mailbox.id]?.lastUse = state.clock
            return kept.snapshot
        }
    }

    /// Keeps `snapshot` unless a newer one of the same mailbox is kept or
    /// the mailbox is too small to be worth it.
    func keep(_ snapshot: Snapshot) {
        guard snapshot.entries.count >= minimumMessages, snapshot.entries.count <= maxEntries else { return }
        state.withLock { state in
            let id = snapshot.mailbox.id
            if let kept = state.snapshots[id] {
                if kept.snapshot.mailbox.uidValidity == snapshot.mailbox.uidValidity,
                   kept.snapshot.mailbox.highestModSeq >= snapshot.mailbox.highestModSeq { return }
                state.entryCount -= kept.snapshot.entries.count
            }
            state.clock += 1
            state.snapshots[id] = (snapshot, state.clock)
            state.entryCount += snapshot.entries.count
            while state.entryCount > maxEntries,
                  let oldest = state.snapshots.min(by: { $0.value.lastUse < $1.value.lastUse }) {
                state.entryCount -= oldest.value.snapshot.entries.count
                state.snapshots[oldest.key] = nil
            }
        }
    }

    /// Drops what is kept of a mailbox (DELETE, RENAME of its account's
    /// mailboxes needs nothing: the snapshot follows the ID).
    public func forget(mailboxID: MailboxID) {
        state.withLock { state in
            if let kept = state.snapshots.removeValue(forKey: mailboxID) {
                state.entryCount -= kept.snapshot.entries.count
            }
        }
    }

    /// Messages held in all snapshots (for tests and metrics).
    public var entryCount: Int { state.withLock { $0.entryCount } }

    /// Mailboxes with a snapshot.
    public var mailboxCount: Int { state.withLock { $0.snapshots.count } }
}
