import MailStore

/// Membership in a sequence set without resolving it against the view
/// (RFC 9051 §9 `sequence-set`): used where numbers that name no message
/// are simply not matched - SEARCH keys (§6.4.4) and the expunged UIDs of
/// VANISHED (EARLIER) (RFC 7162 §3.2.6).
///
/// Built once per command: the ranges are sorted and merged so `contains`
/// is a binary search, never a pass over the whole set per message.
struct SequenceSetMembership {
    /// Sorted, disjoint, non-adjacent ranges.
    private var ranges: [ClosedRange<UInt32>]
    private var saved: Set<UInt32>

    /// `largest` is the value of `*`; `savedResult` the UIDs `$` stands for.
    init(_ set: SequenceSet, largest: UInt32, savedResult: [MessageUID] = []) {
        switch set {
        case .savedResult:
            ranges = []
            saved = Set(savedResult)
        case .elements(let elements):
            saved = []
            let unsorted = elements.map { element -> ClosedRange<UInt32> in
                switch element {
                case .single(let number):
                    let value = Self.value(number, largest: largest)
                    return value...value
                case .range(let first, let second):
                    let a = Self.value(first, largest: largest)
                    let b = Self.value(second, largest: largest)
                    return min(a, b)...max(a, b)
                }
            }
            ranges = Self.merged(unsorted)
        }
    }

    func contains(_ number: UInt32) -> Bool {
        if saved.contains(number) { return true }
        // The last range starting at or below `number`.
        var low = 0
        var high = ranges.count
        while low < high {
            let middle = (low + high) / 2
            if ranges[middle].lowerBound <= number { low = middle + 1 } else { high = middle }
        }
        return low > 0 && ranges[low - 1].contains(number)
    }

    private static func merged(_ ranges: [ClosedRange<UInt32>]) -> [ClosedRange<UInt32>] {
        var result: [ClosedRange<UInt32>] = []
        for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = result.last, UInt64(range.lowerBound) <= UInt64(last.upperBound) + 1 {
                result[result.count - 1] = last.lowerBound...max(last.upperBound, range.upperBound)
            } else {
                result.append(range)
            }
        }
        return result
    }

    private static func value(_ number: SequenceNumber, largest: UInt32) -> UInt32 {
        switch number {
        case .number(let value): return value
        case .last: return largest
        }
    }
}
