import Foundation
import GRDB
import MailCore

/// Decoding of table rows into the store's value types.
enum Rows {
    /// The columns `message(_:)` decodes, by position: a query selects them
    /// first, in this order (further columns may follow).
    static let messageColumns = """
        uid, modseq, flags, keywords, internal_date, size, content_hash, message_id, parsed_structure, mailbox_id
        """
    /// The number of `messageColumns`: the index of the first column after them.
    static let messageColumnCount = 10

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
        return MessageRecord(
            mailboxID: row[9], uid: MessageUID(truncatingIfNeeded: uid), modSeq: row[1],
            flags: MessageFlags(rawValue: flags), keywords: decodeStrings(row[3]),
            internalDate: Date(timeIntervalSince1970: internalDate), size: row[5],
            contentHash: row[6], messageID: row[7], parsedStructure: nil)
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
