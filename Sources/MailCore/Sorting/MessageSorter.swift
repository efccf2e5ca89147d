/// IMAP SORT (RFC 5256 §3, with DISPLAYFROM and DISPLAYTO of RFC 5957):
/// orders messages by a list of criteria.
public enum MessageSorter {
    /// The ids of `messages` ordered by `criteria`: by the first criterion,
    /// then the next for messages equal in it, and so on; messages equal in
    /// every criterion are in ascending id (sequence number) order, whatever
    /// REVERSE says (RFC 5256 §3). Every key is computed once per message
    /// before sorting, so a sort is O(n log n) integer comparisons.
    public static func sort(_ messages: [SortableMessage], by criteria: [SortCriterion]) -> [UInt32] {
        let table = SortKeyTable(ids: messages.map(\.id), criteria: criteria) { Self.column($0, messages) }
        return table.sortedIndices().map { messages[$0].id }
    }

    /// The same order from keys computed beforehand (`MessageSortKeys`,
    /// kept by the store): no header is parsed.
    public static func sort(keyed messages: [KeyedSortMessage], by criteria: [SortCriterion]) -> [UInt32] {
        let table = SortKeyTable(ids: messages.map(\.id), criteria: criteria) { key in
            switch key {
            case .arrival: return messages.map(\.internalDate)
            case .date: return messages.map(\.keys.sentDate)
            case .size: return messages.map { Int64($0.size) }
            case .subject: return SortKeyTable.ranks(messages.map(\.keys.subject))
            case .from: return SortKeyTable.ranks(messages.map(\.keys.from))
            case .to: return SortKeyTable.ranks(messages.map(\.keys.to))
            case .cc: return SortKeyTable.ranks(messages.map(\.keys.cc))
            case .displayFrom: return SortKeyTable.ranks(messages.map(\.keys.displayFrom))
            case .displayTo: return SortKeyTable.ranks(messages.map(\.keys.displayTo))
            }
        }
        return table.sortedIndices().map { messages[$0].id }
    }

    /// The values of one key for every message, in message order.
    static func column(_ key: SortKey, _ messages: [SortableMessage]) -> [Int64] {
        switch key {
        case .arrival: return messages.map { $0.internalDate.secondsSinceEpoch }
        case .date: return messages.map(SortKeyValues.sentDate)
        case .size: return messages.map { Int64($0.size) }
        case .subject: return SortKeyTable.ranks(messages.map(SortKeyValues.subject))
        case .from: return SortKeyTable.ranks(messages.map { SortKeyValues.firstMailbox($0.from) })
        case .to: return SortKeyTable.ranks(messages.map { SortKeyValues.firstMailbox($0.to) })
        case .cc: return SortKeyTable.ranks(messages.map { SortKeyValues.firstMailbox($0.cc) })
        case .displayFrom: return SortKeyTable.ranks(messages.map { SortKeyValues.firstDisplayName($0.from) })
        case .displayTo: return SortKeyTable.ranks(messages.map { SortKeyValues.firstDisplayName($0.to) })
        }
    }
}

/// The precomputed sort keys of a list of messages, as numbers: one row
/// per message, one number per criterion. Dates and sizes are themselves;
/// a text key (i;ascii-casemap) is its rank among the texts of that
/// criterion; REVERSE negates. Rows then compare number by number.
struct SortKeyTable {
    /// Row-major: the key of message `m` for criterion `c` is
    /// `keys[m * width + c]`.
    private(set) var keys: [Int64]
    let width: Int
    let ids: [UInt32]

    /// `column` gives one key's values for every message, in message order.
    init(ids: [UInt32], criteria: [SortCriterion], column: (SortKey) -> [Int64]) {
        self.ids = ids
        width = criteria.count
        keys = Array(repeating: 0, count: ids.count * criteria.count)
        // A key named twice (e.g. "SUBJECT REVERSE SUBJECT") is computed once.
        var computed: [SortKey: [Int64]] = [:]
        for (position, criterion) in criteria.enumerated() {
            let column = computed[criterion.key] ?? column(criterion.key)
            computed[criterion.key] = column
            for (message, value) in column.enumerated() {
                keys[message * width + position] = criterion.reversed ? -value : value
            }
        }
    }

    /// Each text's rank in i;ascii-casemap order; equal texts share a rank.
    /// The texts are `UnicodeCasemap.key`s.
    static func ranks(_ texts: [[UInt8]]) -> [Int64] {
        let order = texts.indices.sorted { UnicodeCasemap.compare(texts[$0], texts[$1]) < 0 }
        var ranks = Array(repeating: Int64(0), count: texts.count)
        var rank: Int64 = 0
        for (position, index) in order.enumerated() {
            if position > 0 && UnicodeCasemap.compare(texts[order[position - 1]], texts[index]) != 0 { rank += 1 }
            ranks[index] = rank
        }
        return ranks
    }

    /// True when message `a` sorts before message `b`.
    func sortsBefore(_ a: Int, _ b: Int) -> Bool {
        var left = a * width, right = b * width
        let end = left + width
        while left < end {
            if keys[left] != keys[right] { return keys[left] < keys[right] }
            left += 1
            right += 1
        }
        // The implicit last criterion: sequence number, always ascending.
        if ids[a] != ids[b] { return ids[a] < ids[b] }
        return a < b
    }

    /// The message indices in sorted order.
    func sortedIndices() -> [Int] {
        var indices = Array(ids.indices)
        indices.sort(by: sortsBefore)
        return indices
    }
}
