import MailCore
import MailStore

/// One message of the selected mailbox as this session numbers it: what
/// the view keeps of it (UID, flags, keywords, MODSEQ). ENVELOPE, sizes
/// and dates are read from the store per command (`MailStore.messages(mailboxID:uids:)`).
public struct SelectedMessage: Sendable, Hashable {
    /// 1-based message sequence number in this session's view (RFC 9051 §2.3.1.2).
    public var sequenceNumber: UInt32
    public var uid: MessageUID
    public var modSeq: ModSeq
    public var flags: MessageFlags
    public var keywords: [String]
    /// `\Recent` for this session (RFC 3501 §2.3.2; only IMAP4rev1 sessions have it).
    public var isRecent: Bool

    public init(sequenceNumber: UInt32, uid: MessageUID, modSeq: ModSeq, flags: MessageFlags, keywords: [String],
                isRecent: Bool = false) {
        self.sequenceNumber = sequenceNumber
        self.uid = uid
        self.modSeq = modSeq
        self.flags = flags
        self.keywords = keywords
        self.isRecent = isRecent
    }

    /// The FLAGS list of the message (system flags, `\Recent`, keywords).
    public var flagNames: [String] { IMAPFlags.names(flags, keywords: keywords, recent: isRecent) }

    /// The message at `sequenceNumber` as a stored record describes it.
    public init(sequenceNumber: UInt32, record: MessageRecord) {
        self.init(sequenceNumber: sequenceNumber, uid: record.uid, modSeq: record.modSeq, flags: record.flags,
                  keywords: record.keywords)
    }
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
/// order, with their last known flags, keywords and MODSEQ, and the MODSEQ
/// it has caught up to. Other sessions' changes reach it only through
/// `synchronize`, which reads the store's change log; an expunge is held
/// back while RFC 9051 §7.5.1 forbids reporting it, so sequence numbers
/// never shift under a client mid-command.
///
/// Lean by design: 24 bytes per message (about 2.3 MiB for 100,000), no
/// structure and no hash. Keyword lists are interned (each distinct list
/// once, `KeywordLists`), system flags are a byte.
///
/// Owned by one session; not shared between tasks. Its arrays may start
/// as a `MailboxViewCache` snapshot's, shared until the view changes.
public final class SelectedMailbox {
    /// One announced message. `keywords` indexes `keywordLists`; `isExpunged`
    /// says the store has expunged it while the expunge could not be
    /// reported yet.
    struct Entry: Sendable {
        var uid: MessageUID
        var keywords: UInt32
        var modSeq: ModSeq
        var flags: UInt8
        var isExpunged: Bool
    }

    /// The mailbox as last read (UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ).
    public internal(set) var mailbox: Mailbox
    /// Selected with EXAMINE (RFC 9051 §6.3.3): no flag changes, no expunge.
    public let isReadOnly: Bool
    /// UIDs saved by the last `SEARCH RETURN (SAVE)` (SEARCHRES, RFC 5182 §2.1), for `$`.
    public var savedSearchResult: [MessageUID] = []
    /// The announced messages, ascending by UID: index + 1 is the sequence number.
    var entries: [Entry]
    /// Every distinct keyword list of the view, each stored once.
    var keywordLists = KeywordLists()
    /// Entries marked `isExpunged` (held back): when none, nothing is
    /// scanned to flush them.
    var heldExpungeCount = 0
    /// The keywords the client has been told of in FLAGS and PERMANENTFLAGS
    /// (at SELECT, then as new ones appear: `announceKeywords`), in order,
    /// and the same lower-cased (keywords compare without case).
    var announcedKeywords: [String] = []
    var announcedKeywordNames: Set<String> = []
    /// The UIDs this session holds `\Recent` for (`SelectedMailbox+Recent`).
    var recent = RecentUIDs()
    /// Whether this session takes and shows `\Recent` (IMAP4rev1 only).
    public internal(set) var tracksRecent = false

    /// `mailbox` must have been read before `messages` (its HIGHESTMODSEQ
    /// is then no later than the summaries): changes in between show up
    /// again in the change log and are recognised as already known.
    public init(mailbox: Mailbox, messages: [MessageSummary], isReadOnly: Bool) {
        // The store returns them in UID order: copy (and sort) only if not.
        let inOrder = zip(messages, messages.dropFirst()).allSatisfy { $0.uid < $1.uid }
        let sorted = inOrder ? messages : messages.sorted { $0.uid < $1.uid }
        var mailbox = mailbox
        if let last = sorted.last, last.uid >= mailbox.uidNext { mailbox.uidNext = last.uid &+ 1 }
        self.mailbox = mailbox
        self.isReadOnly = isReadOnly
        self.entries = []
        entries.reserveCapacity(sorted.count)
        for summary in sorted { entries.append(entry(summary)) }
    }

    /// A view starting from a shared snapshot (`MailboxViewCache`): its
    /// arrays are shared until this view changes. `mailbox` is the row as
    /// read now, its HIGHESTMODSEQ and UIDNEXT taken back to the
    /// snapshot's, so the next `synchronize` reads every change after it.
    init(snapshot: MailboxViewCache.Snapshot, current mailbox: Mailbox, isReadOnly: Bool) {
        var mailbox = mailbox
        mailbox.highestModSeq = snapshot.mailbox.highestModSeq
        mailbox.uidNext = snapshot.mailbox.uidNext
        self.mailbox = mailbox
        self.isReadOnly = isReadOnly
        self.entries = snapshot.entries
        self.keywordLists = snapshot.keywordLists
    }

    /// This view as a snapshot to share, nil while an expunge is held back
    /// (the snapshot must be the mailbox as it was at its HIGHESTMODSEQ).
    var snapshot: MailboxViewCache.Snapshot? {
        guard heldExpungeCount == 0 else { return nil }
        return MailboxViewCache.Snapshot(mailbox: mailbox, entries: entries, keywordLists: keywordLists)
    }

    /// Messages in this view (EXISTS as last announced).
    public var count: Int { entries.count }

    /// The MODSEQ this view has caught up to.
    public var highestModSeq: ModSeq { mailbox.highestModSeq }

    /// Every message of the view in sequence order.
    public var allMessages: [SelectedMessage] {
        entries.indices.map { selectedMessage(at: $0) }
    }

    /// True when the store has expunged this message but the view still
    /// shows it because the expunge could not be reported yet (RFC 9051 §7.5.1).
    public func isExpunged(uid: MessageUID) -> Bool {
        guard let index = index(of: uid) else { return false }
        return entries[index].isExpunged
    }

    /// The messages a sequence set names, ascending, each once. With `uid`
    /// the set holds UIDs: unknown UIDs are skipped and `*` is the highest
    /// UID (RFC 9051 §6.4.8); without, a number above `count` is an error.
    /// `$` reads `savedSearchResult`.
    public func messages(in set: SequenceSet, uid: Bool) throws(InvalidSequenceSet) -> [SelectedMessage] {
        try indexRanges(in: set, uid: uid).flatMap { range in range.map { selectedMessage(at: $0) } }
    }

    /// The positions in `entries` (sequence number - 1) a sequence set
    /// names, as ascending, disjoint, non-adjacent ranges; the rules of `messages(in:uid:)`.
    func indexRanges(in set: SequenceSet, uid: Bool) throws(InvalidSequenceSet) -> [ClosedRange<Int>] {
        var ranges: [ClosedRange<Int>] = []
        switch set {
        case .savedResult:
            // RFC 5182 §2.1: `$` names the saved messages, for FETCH and UID FETCH alike.
            ranges = savedSearchResult.compactMap { index(of: $0) }.map { $0...$0 }
        case .elements(let elements):
            for element in elements {
                if uid {
                    if let range = uidRange(element) { ranges.append(range) }
                } else {
                    ranges.append(try sequenceRange(element))
                }
            }
        }
        return Self.merge(ranges)
    }

    /// The message with this UID, if the view has it.
    public func message(uid: MessageUID) -> SelectedMessage? {
        index(of: uid).map { selectedMessage(at: $0) }
    }

    /// Records changed by this session's own command (STORE, the implicit
    /// `\Seen` of FETCH): the view takes their flags and MODSEQ so the next
    /// `synchronize` does not report them back as someone else's change.
    public func noteOwnChanges(_ records: [MessageRecord]) {
        for record in records where record.mailboxID == mailbox.id {
            guard let index = index(of: record.uid), !entries[index].isExpunged,
                  record.modSeq >= entries[index].modSeq else { continue }
            entries[index] = entry(MessageSummary(record))
        }
    }

    /// The keywords used by the view's messages, each once (case-insensitively),
    /// in the order they first appear (FLAGS and PERMANENTFLAGS at SELECT).
    public var keywordsInUse: [String] {
        guard keywordLists.lists.count > 1 else { return [] }
        // One pass over the messages in UID order, noting each list the
        // first time it is used (most messages have none), so the order does
        // not depend on how the view was built (from a snapshot or not).
        var used = [Bool](repeating: false, count: keywordLists.lists.count)
        var order: [Int] = []
        for entry in entries where entry.keywords != 0 && !entry.isExpunged && !used[Int(entry.keywords)] {
            used[Int(entry.keywords)] = true
            order.append(Int(entry.keywords))
        }
        var keywords: [String] = []
        var seen: Set<String> = []
        for list in order.map({ keywordLists.lists[$0] }) {
            for keyword in list where seen.insert(keyword.lowercased()).inserted { keywords.append(keyword) }
        }
        return keywords
    }

    /// The sequence number of the first message without `\Seen` (the
    /// rev1 `UNSEEN` response code), nil when every message is seen.
    public var firstUnseen: UInt32? {
        let seen = UInt8(truncatingIfNeeded: MessageFlags.seen.rawValue)
        return entries.firstIndex { $0.flags & seen == 0 }.map { UInt32($0 + 1) }
    }

    // MARK: Helpers

    func selectedMessage(at index: Int) -> SelectedMessage {
        let entry = entries[index]
        return SelectedMessage(sequenceNumber: UInt32(index + 1), uid: entry.uid, modSeq: entry.modSeq,
                               flags: MessageFlags(rawValue: Int(entry.flags)),
                               keywords: keywordLists.lists[Int(entry.keywords)], isRecent: recent.contains(entry.uid))
    }

    /// The compact entry of a summary, its keyword list interned.
    func entry(_ summary: MessageSummary) -> Entry {
        Entry(uid: summary.uid, keywords: keywordLists.intern(summary.keywords), modSeq: summary.modSeq,
              flags: UInt8(truncatingIfNeeded: summary.flags.rawValue), isExpunged: false)
    }

    /// The index of `uid` in `entries` (binary search: UIDs ascend).
    func index(of uid: MessageUID) -> Int? {
        let position = lowerBound(uid)
        return position < entries.count && entries[position].uid == uid ? position : nil
    }

    /// The first index whose UID is not below `uid`.
    func lowerBound(_ uid: MessageUID) -> Int {
        var low = 0
        var high = entries.count
        while low < high {
            let middle = (low + high) / 2
            if entries[middle].uid < uid { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// Indices of a sequence-number element; RFC 9051 §9: `*` is the count,
    /// numbers above it (or anything in an empty mailbox) are invalid.
    private func sequenceRange(_ element: SequenceElement) throws(InvalidSequenceSet) -> ClosedRange<Int> {
        func value(_ number: SequenceNumber) throws(InvalidSequenceSet) -> Int {
            switch number {
            case .last:
                guard !entries.isEmpty else { throw InvalidSequenceSet("the mailbox is empty") }
                return entries.count
            case .number(let value):
                guard value >= 1 else { throw InvalidSequenceSet("sequence number 0 is invalid") }
                guard Int(value) <= entries.count else {
                    throw InvalidSequenceSet("sequence number \(value) is above the message count \(entries.count)")
                }
                return Int(value)
            }
        }
        switch element {
        case .single(let number):
            let position = try value(number)
            return (position - 1)...(position - 1)
        case .range(let first, let second):
            let a = try value(first)
            let b = try value(second)
            return (min(a, b) - 1)...(max(a, b) - 1)
        }
    }

    /// Indices of a UID element: unknown UIDs are skipped; `*` is the highest
    /// UID, so `n:*` always includes the last message (RFC 9051 §6.4.8).
    private func uidRange(_ element: SequenceElement) -> ClosedRange<Int>? {
        guard let highest = entries.last?.uid else { return nil }
        func value(_ number: SequenceNumber) -> MessageUID {
            switch number {
            case .last: return highest
            case .number(let value): return value
            }
        }
        let low: MessageUID
        let high: MessageUID
        switch element {
        case .single(let number):
            low = value(number)
            high = low
        case .range(let first, let second):
            low = min(value(first), value(second))
            high = max(value(first), value(second))
        }
        let start = lowerBound(low)
        let end = high == MessageUID.max ? entries.count : lowerBound(high + 1)
        return start < end ? start...(end - 1) : nil
    }

    /// Sorted, non-overlapping ranges covering the given ones.
    static func merge(_ ranges: [ClosedRange<Int>]) -> [ClosedRange<Int>] {
        var merged: [ClosedRange<Int>] = []
        for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = merged.last, range.lowerBound <= last.upperBound + 1 {
                merged[merged.count - 1] = last.lowerBound...max(last.upperBound, range.upperBound)
            } else {
                merged.append(range)
            }
        }
        return merged
    }
}

/// Distinct keyword lists, each stored once: most messages share a handful
/// (none, `$Forwarded`, `$Junk`...), so a view holds one small index per
/// message instead of an array of strings.
struct KeywordLists: Sendable {
    /// Index 0 is the empty list.
    private(set) var lists: [[String]] = [[]]
    private var indices: [[String]: UInt32] = [[]: 0]

    mutating func intern(_ keywords: [String]) -> UInt32 {
        if keywords.isEmpty { return 0 }
        if let index = indices[keywords] { return index }
        let index = UInt32(lists.count)
        lists.append(keywords)
        indices[keywords] = index
        return index
    }
}
