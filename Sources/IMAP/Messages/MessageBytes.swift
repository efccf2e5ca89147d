/// The raw bytes of one message that section extraction cuts from: the
/// whole message, or excerpts read from the store with ranged reads.
protocol MessageBytes {
    /// The message's bytes in `range`, clamped to the message (fewer at its
    /// end, none past it).
    func bytes(in range: Range<Int>) -> [UInt8]
}

extension Array: MessageBytes where Element == UInt8 {
    func bytes(in range: Range<Int>) -> [UInt8] {
        let clamped = MessageSection.clamped(range, count: count)
        return clamped == indices ? self : Array(self[clamped])
    }
}

/// Parts of a message of known size, each read from the store with one
/// ranged read (`MailStore.messageBody(mailboxID:uid:offset:length:)`).
/// A range asked of `bytes(in:)` must lie inside one excerpt once clamped
/// to `size` — `FetchItemBuilder.readRanges` lists the ones FETCH needs.
struct MessageExcerpts: MessageBytes {
    /// The message's size in octets (the stored RFC822.SIZE).
    var size: Int
    /// The excerpts, each with the range of the message it covers.
    var excerpts: [(range: Range<Int>, bytes: [UInt8])] = []

    init(size: Int) {
        self.size = max(size, 0)
    }

    /// `ranges` clamped to the message and merged where they overlap or
    /// touch, in order: what to read so that each range lies in one excerpt.
    static func merged(_ ranges: [Range<Int>], size: Int) -> [Range<Int>] {
        let clamped = ranges.map { MessageSection.clamped($0, count: max(size, 0)) }.filter { !$0.isEmpty }
        var result: [Range<Int>] = []
        for range in clamped.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = result.last, range.lowerBound <= last.upperBound {
                result[result.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
            } else {
                result.append(range)
            }
        }
        return result
    }

    mutating func add(_ range: Range<Int>, _ bytes: [UInt8]) {
        excerpts.append((range, bytes))
    }

    func bytes(in range: Range<Int>) -> [UInt8] {
        let wanted = MessageSection.clamped(range, count: size)
        guard !wanted.isEmpty else { return [] }
        guard let excerpt = excerpts.first(where: { $0.range.contains(wanted.lowerBound)
            && wanted.upperBound <= $0.range.upperBound }) else {
            assertionFailure("no excerpt covers \(wanted)")
            return []
        }
        // A short read (the file ended early) clamps here as at the message's end.
        let start = wanted.lowerBound - excerpt.range.lowerBound
        let local = MessageSection.clamped(start..<(start + wanted.count), count: excerpt.bytes.count)
        return Array(excerpt.bytes[local])
    }
}
