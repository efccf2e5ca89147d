import MailCore
import MailStore

/// One message of the selected mailbox as this session numbers it.
public struct SelectedMessage: Sendable, Hashable {
    /// 1-based message sequence number in this session's view (RFC 9051 §2.3.1.2).
    public var sequenceNumber: UInt32
    public var record: MessageRecord

    public init(sequenceNumber: UInt32, record: MessageRecord) {
        self.sequenceNumber = sequenceNumber
        self.record = record
    }

    public var uid: MessageUID { record.uid }
}

/// A sequence set that names no message this view can resolve (RFC 9051
/// §9 `seq-number`: a sequence number above the message count, `*` of an
/// empty mailbox): the command gets BAD.
public struct InvalidSequenceSet: Error, Sendable, Equatable {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
}

/// The session's own view of the selected mailbox (DESIGN.md "How every
/// device sees the same state"): the UIDs it has announced, in sequence
/// order, with their last known records, and the MODSEQ it has caught up
/// to. Other sessions' changes reach it only through `synchronize`, which
/// reads the store's change log; an expunge is held back while RFC 9051
/// §7.5.1 forbids reporting it, so sequence numbers never shift under a
/// client mid-command.
///
/// Owned by one session; not shared between tasks.
public final class SelectedMailbox {
    /// The mailbox as last read (UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ).
    public private(set) var mailbox: Mailbox
    /// Selected with EXAMINE (RFC 9051 §6.3.3): no flag changes, no expunge.
    public let isReadOnly: Bool
    /// UIDs saved by the last `SEARCH RETURN (SAVE)` (SEARCHRES, RFC 5182 §2.1), for `$`.
    public var savedSearchResult: [MessageUID] = []

    public init(mailbox: Mailbox, records: [MessageRecord], isReadOnly: Bool) {
        self.mailbox = mailbox
        self.isReadOnly = isReadOnly
    }

    /// Messages in this view (EXISTS as last announced).
    public var count: Int { 0 }

    /// The MODSEQ this view has caught up to.
    public var highestModSeq: ModSeq { mailbox.highestModSeq }

    /// Every message of the view in sequence order.
    public var allMessages: [SelectedMessage] { [] }

    /// The messages a sequence set names, ascending, each once. With `uid`
    /// the set holds UIDs: unknown UIDs are skipped and `*` is the highest
    /// UID (RFC 9051 §6.4.8); without, a number above `count` is an error.
    /// `$` reads `savedSearchResult`.
    public func messages(in set: SequenceSet, uid: Bool) throws(InvalidSequenceSet) -> [SelectedMessage] { [] }

    /// The message with this UID, if the view has it.
    public func message(uid: MessageUID) -> SelectedMessage? { nil }

    /// Records changed by this session's own command (STORE, the implicit
    /// `\Seen` of FETCH): the view takes their flags and MODSEQ so the next
    /// `synchronize` does not report them back as someone else's change.
    public func noteOwnChanges(_ records: [MessageRecord]) {}

    /// Reads the change log after `highestModSeq` and returns what the
    /// client must learn, in order: EXPUNGE (or VANISHED with QRESYNC) when
    /// `allowExpunge`, EXISTS for new messages, FETCH (UID FLAGS, with
    /// MODSEQ under CONDSTORE) for flag changes by others. Held-back
    /// expunges keep their sequence numbers until an allowed point.
    public func synchronize(store: any MailStore, allowExpunge: Bool,
                            enabled: EnabledExtensions) async throws -> [UntaggedResponse] { [] }
}
