/// Sequence sets (RFC 9051 §9 `sequence-set`, `seq-number`, `seq-range`)
/// and the saved search result `$` (SEARCHRES, RFC 5182).

/// One end of a range: a number or `*` (the largest number in use).
public enum SequenceNumber: Hashable, Sendable {
    case number(UInt32)
    case last
}

/// A single number or a range `a:b` (either order, RFC 9051 §9).
public enum SequenceElement: Hashable, Sendable {
    case single(SequenceNumber)
    case range(SequenceNumber, SequenceNumber)
}

/// A comma-separated sequence set, or `$` for the last SEARCH result.
public enum SequenceSet: Hashable, Sendable {
    case elements([SequenceElement])
    case savedResult

    /// A set of plain numbers, e.g. for responses (`1:3,7`).
    public init(numbers: [UInt32]) {
        var elements: [SequenceElement] = []
        var index = 0
        let sorted = numbers.sorted()
        while index < sorted.count {
            var end = index
            while end + 1 < sorted.count, sorted[end + 1] <= sorted[end] &+ 1 { end += 1 }
            if sorted[end] == sorted[index] {
                elements.append(.single(.number(sorted[index])))
            } else {
                elements.append(.range(.number(sorted[index]), .number(sorted[end])))
            }
            index = end + 1
        }
        self = .elements(elements)
    }

    /// The numbers in the order given (ESORT's ALL, RFC 5267 §3.2): only a
    /// run that ascends by one becomes a range, so `3,4,5,1` is `3:5,1`.
    public init(orderedNumbers numbers: [UInt32]) {
        var elements: [SequenceElement] = []
        var index = 0
        while index < numbers.count {
            var end = index
            while end + 1 < numbers.count, numbers[end] != UInt32.max, numbers[end + 1] == numbers[end] + 1 { end += 1 }
            elements.append(end == index ? .single(.number(numbers[index]))
                                         : .range(.number(numbers[index]), .number(numbers[end])))
            index = end + 1
        }
        self = .elements(elements)
    }

    /// The set as IMAP text (`1:3,7,9:*` or `$`).
    public var text: String {
        switch self {
        case .savedResult: return "$"
        case .elements(let elements):
            return elements.map { element in
                switch element {
                case .single(let number): return number.text
                case .range(let low, let high): return "\(low.text):\(high.text)"
                }
            }.joined(separator: ",")
        }
    }
}

extension SequenceNumber {
    public var text: String {
        switch self {
        case .number(let value): return String(value)
        case .last: return "*"
        }
    }
}
