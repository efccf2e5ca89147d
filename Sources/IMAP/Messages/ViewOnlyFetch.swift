import MailCore
import MailStore

/// FETCH of only what the selected view holds — UID, FLAGS, MODSEQ (RFC
/// 9051 §6.4.5, §7.5.2; MODSEQ RFC 7162 §3.1.4) — the flag
/// resynchronisation every client runs (`FETCH 1:* (UID FLAGS)`). No store
/// call and no per-message values: each response is written straight from
/// the view's compact entries into the output batch, and each distinct
/// flag list is encoded once per command. The bytes are those of the
/// general path (`FetchItemBuilder.items` then
/// `IMAPResponseEncoder.fetchPieces`); `ViewOnlyFetchTests` compares them.
enum ViewOnlyFetch {
    /// One item of a response, in the order it is written.
    enum Item: Equatable {
        case uid, flags, modSeq
    }

    /// The items of every response, or nil when an attribute needs more
    /// than the view (or sets `\Seen`): the general path answers then.
    /// As `FetchItemBuilder.items`: UID first for UID FETCH when not asked
    /// for (RFC 9051 §6.4.8), then the attributes in request order, then
    /// MODSEQ for CHANGEDSINCE when not asked for (RFC 7162 §3.1.4.1).
    static func items(for builder: FetchItemBuilder) -> [Item]? {
        guard !builder.attributes.isEmpty else { return nil }
        var items: [Item] = []
        if builder.alwaysUID && !builder.attributes.contains(.uid) { items.append(.uid) }
        for attribute in builder.attributes {
            switch attribute {
            case .uid: items.append(.uid)
            case .flags: items.append(.flags)
            case .modSeq: items.append(.modSeq)
            default: return nil
            }
        }
        if builder.alwaysModSeq && !builder.attributes.contains(.modSeq) { items.append(.modSeq) }
        return items
    }

    /// Writes `* n FETCH (...)` for each view position in `ranges` whose
    /// MODSEQ is above `changedSince` (when given) into `output`, flushing
    /// it in batches.
    static func send(_ items: [Item], ranges: [ClosedRange<Int>], changedSince: UInt64?,
                     selected: SelectedMailbox, output: inout FetchOutput) async throws {
        let entries = selected.entries
        var flagLists = FlagListCache(keywordLists: selected.keywordLists.lists)
        let recent = selected.recent
        for range in ranges {
            for index in range {
                let entry = entries[index]
                let modSeq = UInt64(max(entry.modSeq, 0))
                if let changedSince, modSeq <= changedSince { continue }
                output.pending.append(contentsOf: "* ".utf8)
                DecimalDigits.append(UInt64(index + 1), to: &output.pending)
                output.pending.append(contentsOf: " FETCH (".utf8)
                for (position, item) in items.enumerated() {
                    if position > 0 { output.pending.append(UInt8(ascii: " ")) }
                    switch item {
                    case .uid:
                        output.pending.append(contentsOf: "UID ".utf8)
                        DecimalDigits.append(UInt64(entry.uid), to: &output.pending)
                    case .flags:
                        output.pending.append(contentsOf: "FLAGS ".utf8)
                        let flags = !recent.isEmpty && recent.contains(entry.uid)
                            ? entry.flags | FlagListCache.recentBit : entry.flags
                        output.pending.append(contentsOf: flagLists.encoded(flags: flags, keywords: entry.keywords))
                    case .modSeq:
                        output.pending.append(contentsOf: "MODSEQ (".utf8)
                        DecimalDigits.append(modSeq, to: &output.pending)
                        output.pending.append(UInt8(ascii: ")"))
                    }
                }
                output.pending.append(contentsOf: ")\r\n".utf8)
                if output.pending.count >= FetchCommandHandler.writeBatchSize { try await output.flush() }
            }
        }
    }

    /// `(flag flag ...)` of each flag combination met, encoded once.
    struct FlagListCache {
        /// Set in a flag byte for a message `\Recent` in this session (the
        /// stored system flags use the low five bits).
        static let recentBit: UInt8 = 0x80
        let keywordLists: [[String]]
        /// Lists without keywords, by the system-flag byte.
        var plain = [[UInt8]?](repeating: nil, count: 256)
        /// Lists with keywords, by keyword-list index and flag byte.
        var withKeywords: [UInt64: [UInt8]] = [:]

        init(keywordLists: [[String]]) {
            self.keywordLists = keywordLists
        }

        mutating func encoded(flags: UInt8, keywords: UInt32) -> [UInt8] {
            if keywords == 0, let known = plain[Int(flags)] { return known }
            let key = UInt64(keywords) << 8 | UInt64(flags)
            if keywords != 0, let known = withKeywords[key] { return known }
            var writer = IMAPWriter()
            writer.writeFlagList(IMAPFlags.names(MessageFlags(rawValue: Int(flags & ~Self.recentBit)),
                                                 keywords: keywordLists[Int(keywords)],
                                                 recent: flags & Self.recentBit != 0))
            if keywords == 0 { plain[Int(flags)] = writer.bytes } else { withKeywords[key] = writer.bytes }
            return writer.bytes
        }
    }
}

/// Decimal digits written straight into a byte buffer (no String in between).
enum DecimalDigits {
    static func append(_ value: UInt64, to bytes: inout [UInt8]) {
        var count = 1
        var rest = value / 10
        while rest > 0 {
            count += 1
            rest /= 10
        }
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: count))
        var remaining = value
        var position = start + count - 1
        while remaining > 0 {
            bytes[position] = UInt8(ascii: "0") + UInt8(remaining % 10)
            remaining /= 10
            position -= 1
        }
    }
}
