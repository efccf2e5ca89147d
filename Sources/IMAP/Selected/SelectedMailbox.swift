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
    /// One announced message: its last known record, and whether the store
    /// has expunged it while the expunge could not be reported yet.
    struct Entry {
        var record: MessageRecord
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

    /// `mailbox` must have been read before `records` (its HIGHESTMODSEQ is
    /// then no later than the records): changes in between show up again in
    /// the change log and are recognised as already known.
    public init(mailbox: Mailbox, records: [MessageRecord], isReadOnly: Bool) {
        let sorted = records.sorted { $0.uid < $1.uid }
        var mailbox = mailbox
        if let last = sorted.last, last.uid >= mailbox.uidNext { mailbox.uidNext = last.uid &+ 1 }
        self.mailbox = mailbox
        self.isReadOnly = isReadOnly
        self.entries = sorted.map { Entry(record: $0, isExpunged: false) }
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
        return Self.merge(ranges).flatMap { range in range.map { selectedMessage(at: $0) } }
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
                  record.modSeq >= entries[index].record.modSeq else { continue }
            entries[index].record = record
        }
    }

    // MARK: Helpers

    func selectedMessage(at index: Int) -> SelectedMessage {
        SelectedMessage(sequenceNumber: UInt32(index + 1), record: entries[index].record)
    }

    /// The index of `uid` in `entries` (binary search: UIDs ascend).
    func index(of uid: MessageUID) -> Int? {
        let position = lowerBound(uid)
        return position < entries.count && entries[position].record.uid == uid ? position : nil
    }

    /// The first index whose UID is not below `uid`.
    func lowerBound(_ uid: MessageUID) -> Int {
        var low = 0
        var high = entries.count
        while low < high {
            let middle = (low + high) / 2
            if entries[middle].record.uid < uid { low = middle + 1 } else { high = middle }
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
        guard let highest = entries.last?.record.uid else { return nil }
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
