import Foundation
import GRDB
import MailCore

/// Decoding of table rows into the store's value types.
enum Rows {
    /// The columns `message(_:)` decodes, by position: a query selects them
    /// first, in this order (further columns may follow).
    static let messageColumns = """
        uid, modseq, flags, keywords, internal_date, size, content_hash, message_id, parsed_structure, mailbox_id,
        saved_at
        """
    /// The number of `messageColumns`: the index of the first column after them.
    static let messageColumnCount = 11

    /// The columns of a message's searchable text (v7 migration), in
    /// `EnvelopeSearchText` order; NULL where the structure could not be read.
    static let searchTextColumns = "search_subject, search_from, search_to, search_cc, search_bcc"

    /// The search text in the five columns starting at `first`; nil when
    /// the row has none.
    static func searchText(_ row: Row, from first: Int) -> EnvelopeSearchText? {
        guard let subject: String = row[first] else { return nil }
        return EnvelopeSearchText(subject: subject, from: row[first + 1] ?? "", to: row[first + 2] ?? "",
                                  cc: row[first + 3] ?? "", bcc: row[first + 4] ?? "")
    }

    /// What the store derives from a message when it stores it and keeps
    /// beside its row, so that reads need neither its structure nor its
    /// file: the search text (v7), where the root part's header and body
    /// lie, and the cached header fields (v8).
    struct DerivedColumns {
        var searchText: EnvelopeSearchText?
        /// The root part's header and body ranges; nil only for a row whose
        /// stored structure could not be read when v8 filled them in.
        var header: Range<Int>?
        var text: Range<Int>?
        /// `CachedHeaderFields.extract` of the message's header; nil when
        /// too long, or for a message stored before v8.
        var cachedHeaderFields: [UInt8]?
        /// The SORT keys (`MessageSortKeys`, v12); nil for older rows.
        var sortKeys: MessageSortKeys?
        /// The full-text index row (`SearchText.indexed`, v14); nil when
        /// read back from a row (a copy copies the index row instead).
        var fullText: (header: String, body: String)?

        init(searchText: EnvelopeSearchText?, header: Range<Int>?, text: Range<Int>?, cachedHeaderFields: [UInt8]?,
             sortKeys: MessageSortKeys?) {
            self.searchText = searchText
            self.header = header
            self.text = text
            self.cachedHeaderFields = cachedHeaderFields
            self.sortKeys = sortKeys
        }

        /// What is derived from a message parsed as `parsed` with body
        /// `body`, received at `internalDate` (the sent date's fallback).
        init(_ parsed: ParsedMessage, body: [UInt8], internalDate: Date) {
            let root = parsed.root
            let header = Array(body[root.headerRange.clamped(to: body.indices)])
            let date = MailDate(secondsSinceEpoch: Int64(internalDate.timeIntervalSince1970.rounded(.down)))
            self.init(searchText: EnvelopeSearchText(parsed.envelope), header: root.headerRange, text: root.bodyRange,
                      cachedHeaderFields: CachedHeaderFields.extract(fromHeader: header),
                      sortKeys: MessageSortKeys(SortableMessage(id: 0, internalDate: date, size: body.count,
                                                                header: header)))
            fullText = SearchText.indexed(body, parsed: parsed)
        }
    }

    /// The v12 columns of `MessageSortKeys`, in its order.
    static let sortKeyColumns = "sort_date, sort_subject, sort_from, sort_to, sort_cc, sort_display_from, sort_display_to"

    static func sortKeys(_ row: Row, from first: Int) -> MessageSortKeys? {
        guard let date: Int64 = row[first] else { return nil }
        func bytes(_ index: Int) -> [UInt8] { (row[first + index] as Data?).map { [UInt8]($0) } ?? [] }
        return MessageSortKeys(sentDate: date, subject: bytes(1), from: bytes(2), to: bytes(3), cc: bytes(4),
                               displayFrom: bytes(5), displayTo: bytes(6))
    }

    static func sortKeyValues(_ keys: MessageSortKeys?) -> [(any DatabaseValueConvertible)?] {
        guard let keys else { return [nil, nil, nil, nil, nil, nil, nil] }
        return [keys.sentDate] + [keys.subject, keys.from, keys.to, keys.cc, keys.displayFrom, keys.displayTo].map { Data($0) }
    }

    /// The root part's ranges as the v8 columns keep them (offset, size).
    static let layoutColumns = "root_header_offset, root_header_size, root_body_offset, root_body_size"

    /// The columns of `DerivedColumns`, in order.
    static let derivedColumns = "\(searchTextColumns), \(layoutColumns), cached_header_fields, \(sortKeyColumns)"
    /// The number of `derivedColumns`.
    static let derivedColumnCount = 17

    static func derived(_ row: Row, from first: Int) -> DerivedColumns {
        let (header, text) = layout(row, from: first + 5)
        let cached: Data? = row[first + 9]
        return DerivedColumns(searchText: searchText(row, from: first), header: header, text: text,
                              cachedHeaderFields: cached.map { [UInt8]($0) }, sortKeys: sortKeys(row, from: first + 10))
    }

    /// The header and body ranges in the four `layoutColumns` starting at
    /// `first`; nil when they are NULL or make no range.
    static func layout(_ row: Row, from first: Int) -> (header: Range<Int>?, text: Range<Int>?) {
        guard let headerOffset: Int = row[first], let headerSize: Int = row[first + 1],
              let bodyOffset: Int = row[first + 2], let bodySize: Int = row[first + 3],
              headerOffset >= 0, headerSize >= 0, bodyOffset >= 0, bodySize >= 0,
              headerOffset <= Int.max - headerSize, bodyOffset <= Int.max - bodySize else { return (nil, nil) }
        return (headerOffset..<(headerOffset + headerSize), bodyOffset..<(bodyOffset + bodySize))
    }

    static func derivedValues(_ derived: DerivedColumns) -> [(any DatabaseValueConvertible)?] {
        searchTextValues(derived.searchText)
            + [derived.header?.lowerBound, derived.header?.count, derived.text?.lowerBound, derived.text?.count]
            + [derived.cachedHeaderFields.map { Data($0) }] + sortKeyValues(derived.sortKeys)
    }

    /// The values stored in `searchTextColumns` for a message.
    static func searchTextValues(_ text: EnvelopeSearchText?) -> [(any DatabaseValueConvertible)?] {
        guard let text else { return [nil, nil, nil, nil, nil] }
        return [text.subject, text.from, text.to, text.cc, text.bcc]
    }

    static func domain(_ row: Row) -> MailDomain {
        MailDomain(name: row["name"], createdAt: Date(timeIntervalSince1970: row["created_at"]))
    }

    static func account(_ row: Row) -> Account {
        Account(id: row["id"], address: row["address"], passwordHash: row["password_hash"],
                createdAt: Date(timeIntervalSince1970: row["created_at"]), isDisabled: row["disabled"])
    }

    static func alias(_ row: Row) -> Alias {
        Alias(source: row["source"], destinations: decodeStrings(row["destinations"]))
    }

    static func mailbox(_ row: Row) -> Mailbox {
        let specialUse: String? = row["special_use"]
        let uidValidity: Int64 = row["uid_validity"]
        let uidNext: Int64 = row["uid_next"]
        return Mailbox(id: row["id"], accountID: row["account_id"], name: row["name"],
                       specialUse: specialUse.flatMap(SpecialUse.init(rawValue:)),
                       isSubscribed: row["subscribed"], uidValidity: UInt32(truncatingIfNeeded: uidValidity),
                       uidNext: UInt32(clamping: uidNext), highestModSeq: row["highest_modseq"])
    }

    /// Decodes a row that starts with `messageColumns`. Columns are read by
    /// position, not name: `messages(mailboxID:)` decodes every row of a
    /// mailbox. The structure is decoded here, in the store, so callers get
    /// a typed `ParsedMessage` (nil when the stored JSON cannot be read).
    static func message(_ row: Row, decoder: JSONDecoder) -> MessageRecord {
        var record = messageWithoutStructure(row)
        let parsed: Data = row[8]
        record.parsedStructure = try? decoder.decode(ParsedMessage.self, from: parsed)
        return record
    }

    /// A row that starts with `messageColumns`, without decoding its
    /// structure (for copies, which write the stored bytes back unchanged).
    static func messageWithoutStructure(_ row: Row) -> MessageRecord {
        let uid: Int64 = row[0]
        let flags: Int = row[2]
        let internalDate: TimeInterval = row[4]
        let savedAt: Int64? = row[10]
        return MessageRecord(
            mailboxID: row[9], uid: MessageUID(truncatingIfNeeded: uid), modSeq: row[1],
            flags: MessageFlags(rawValue: flags), keywords: decodeStrings(row[3]),
            internalDate: Date(timeIntervalSince1970: internalDate), size: row[5],
            contentHash: row[6], messageID: row[7], parsedStructure: nil,
            savedDate: savedAt.map { Date(timeIntervalSince1970: TimeInterval($0)) })
    }

    /// The columns `summary(_:)` decodes, by position.
    static let summaryColumns = "uid, modseq, flags, keywords, size"

    static func summary(_ row: Row) -> MessageSummary {
        let uid: Int64 = row[0]
        let flags: Int = row[2]
        return MessageSummary(uid: MessageUID(truncatingIfNeeded: uid), modSeq: row[1],
                              flags: MessageFlags(rawValue: flags), keywords: decodeStrings(row[3]), size: row[4])
    }

    /// The mailbox columns `status(_:)` reads (the v6 counters).
    static let statusColumns = """
        id, message_count, unseen_count, deleted_count, total_size, uid_next, uid_validity, highest_modseq
        """

    static func status(_ row: Row) -> MailboxStatus {
        let uidNext: Int64 = row[5]
        let uidValidity: Int64 = row[6]
        return MailboxStatus(mailboxID: row[0], messages: row[1], unseen: row[2], deleted: row[3], size: row[4],
                             uidNext: UInt32(clamping: uidNext), uidValidity: UInt32(truncatingIfNeeded: uidValidity),
                             highestModSeq: row[7])
    }

    static func change(_ row: Row) -> MailboxChange {
        let uid: Int64 = row["uid"]
        let kind: String = row["kind"]
        let decoded: MailboxChange.Kind = switch kind {
        case "added": .added
        case "flags": .flagsChanged
        default: .expunged
        }
        return MailboxChange(modSeq: row["modseq"], uid: MessageUID(truncatingIfNeeded: uid), kind: decoded)
    }

    static func kindColumn(_ kind: MailboxChange.Kind) -> String {
        switch kind {
        case .added: "added"
        case .flagsChanged: "flags"
        case .expunged: "expunged"
        }
    }

    /// A JSON array of strings (keywords, alias destinations).
    static func encodeStrings(_ strings: [String]) -> String {
        // Most messages have no keywords: skip the encoder.
        if strings.isEmpty { return "[]" }
        let data = (try? JSONEncoder().encode(strings)) ?? Data("[]".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    static func decodeStrings(_ text: String) -> [String] {
        if text == "[]" { return [] }
        return (try? JSONDecoder().decode([String].self, from: Data(text.utf8))) ?? []
    }
}
