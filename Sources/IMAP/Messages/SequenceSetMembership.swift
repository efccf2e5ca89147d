import MailStore

/// Membership in a sequence set without resolving it against the view
/// (RFC 9051 §9 `sequence-set`): used where numbers that name no message
/// are simply not matched - SEARCH keys (§6.4.4) and the expunged UIDs of
/// VANISHED (EARLIER) (RFC 7162 §3.2.6).
struct SequenceSetMembership {
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
            ranges = elements.map { element in
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
        }
    }

    func contains(_ number: UInt32) -> Bool {
        saved.contains(number) || ranges.contains { $0.contains(number) }
    }

    private static func value(_ number: SequenceNumber, largest: UInt32) -> UInt32 {
        switch number {
        case .number(let value): return value
        case .last: return largest
        }
    }
}
