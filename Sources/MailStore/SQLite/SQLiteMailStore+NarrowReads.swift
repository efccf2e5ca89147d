import Foundation
import GRDB
import MailCore

/// Reads that look at no more than a command needs: counters instead of
/// message scans, summaries instead of full records, full records only for
/// a UID set, COUNTs and single-key lookups.
extension SQLiteMailStore {
    // MARK: Counters (v6 migration; kept by triggers on `message`)

    public func mailboxStatus(id: MailboxID) async throws -> MailboxStatus {
        try quickRead { db in
            let statement = try db.cachedStatement(sql: "SELECT \(Rows.statusColumns) FROM mailbox WHERE id = ?")
            guard let row = try Row.fetchOne(statement, arguments: [id]) else {
                throw MailStoreError.mailboxNotFound(String(id))
            }
            return Rows.status(row)
        }
    }

    public func mailboxStatuses(accountID: AccountID) async throws -> [MailboxID: MailboxStatus] {
        try quickRead { db in
            let rows = try Row.fetchAll(try db.cachedStatement(sql: "SELECT \(Rows.statusColumns) FROM mailbox WHERE account_id = ?"),
                                        arguments: [accountID])
            return Dictionary(rows.map { row in let status = Rows.status(row); return (status.mailboxID, status) },
                              uniquingKeysWith: { first, _ in first })
        }
    }

    // MARK: Summaries and records by UID

    public func messageSummaries(mailboxID: MailboxID) async throws -> [MessageSummary] {
        try await read { db in
            // The counter sizes the array once: no regrowth (and no garbage
            // left to the allocator) for a large mailbox.
            guard let count = try Int.fetchOne(try db.cachedStatement(sql: "SELECT message_count FROM mailbox WHERE id = ?"),
                                               arguments: [mailboxID]) else {
                throw MailStoreError.mailboxNotFound(String(mailboxID))
            }
            let statement = try db.cachedStatement(
                sql: "SELECT \(Rows.summaryColumns) FROM message WHERE mailbox_id = ? ORDER BY uid")
            var summaries: [MessageSummary] = []
            summaries.reserveCapacity(max(count, 0))
            let cursor = try Row.fetchCursor(statement, arguments: [mailboxID])
            while let row = try cursor.next() { summaries.append(Rows.summary(row)) }
            return summaries
        }
    }

    public func messageSummaries(mailboxID: MailboxID, uids: [MessageUID]) async throws -> [MessageSummary] {
        try await read(rows: uids.count) { db in
            _ = try Self.fetchMailbox(db, id: mailboxID)
            return try Self.fetchMessageRows(db, mailboxID: mailboxID, uids: uids, columns: Rows.summaryColumns,
                                             Rows.summary)
        }
    }

    public func messages(mailboxID: MailboxID, uids: [MessageUID]) async throws -> [MessageRecord] {
        try await read(rows: uids.count) { db in
            _ = try Self.fetchMailbox(db, id: mailboxID)
            let decoder = JSONDecoder()
            return try Self.fetchMessageRows(db, mailboxID: mailboxID, uids: uids, columns: Rows.messageColumns) {
                Rows.message($0, decoder: decoder)
            }
        }
    }

    /// SQLite extracts the envelope from the stored JSON (a malformed one
    /// gives NULL, not an error), so only that small object is decoded,
    /// and only when asked for. The search text alone is read from the
    /// `message_search_text` covering index (v7), without touching the
    /// rows and their structures; a row without it (an unreadable
    /// structure) gets it from its envelope, read for that row alone.
    public func messageEnvelopes(mailboxID: MailboxID, uids: [MessageUID], parts: MessageEnvelope.Parts) async throws
        -> [MessageEnvelope] {
        try await read(rows: uids.count) { db in
            _ = try Self.fetchMailbox(db, id: mailboxID)
            let decoder = JSONDecoder()
            let wantsEnvelope = parts.contains(.envelope)
            let wantsText = parts.contains(.searchText)
            let envelopeColumn = wantsEnvelope ? Self.envelopeColumn : "NULL"
            let textColumns = wantsText ? Rows.searchTextColumns : "NULL, NULL, NULL, NULL, NULL"
            var lacking: [Int] = []
            var envelopes = try Self.fetchMessageRows(db, mailboxID: mailboxID, uids: uids,
                                                      columns: "uid, size, internal_date, \(envelopeColumn), \(textColumns)") { row in
                let uid: Int64 = row[0]
                let internalDate: TimeInterval = row[2]
                let json: String? = row[3]
                return MessageEnvelope(uid: MessageUID(truncatingIfNeeded: uid), size: row[1],
                                       internalDate: Date(timeIntervalSince1970: internalDate),
                                       envelope: json.flatMap { try? decoder.decode(Envelope.self, from: Data($0.utf8)) },
                                       searchText: wantsText ? Rows.searchText(row, from: 4) : nil)
            }
            guard wantsText else { return envelopes }
            for index in envelopes.indices where envelopes[index].searchText == nil {
                if let envelope = envelopes[index].envelope {
                    envelopes[index].searchText = EnvelopeSearchText(envelope)
                } else {
                    lacking.append(index)
                }
            }
            guard !lacking.isEmpty else { return envelopes }
            let found = try Self.fetchMessageRows(db, mailboxID: mailboxID, uids: lacking.map { envelopes[$0].uid },
                                                  columns: "uid, \(Self.envelopeColumn)") { row -> (MessageUID, Envelope?) in
                let uid: Int64 = row[0]
                let json: String? = row[1]
                return (MessageUID(truncatingIfNeeded: uid),
                        json.flatMap { try? decoder.decode(Envelope.self, from: Data($0.utf8)) })
            }
            let byUID = Dictionary(found.map { ($0.0, $0.1) }, uniquingKeysWith: { first, _ in first })
            for index in lacking {
                envelopes[index].searchText = byUID[envelopes[index].uid].flatMap { $0 }.map(EnvelopeSearchText.init)
            }
            return envelopes
        }
    }

    /// The root part's ranges and the cached header fields are columns
    /// (v8): nothing is decoded here.
    public func messageLayouts(mailboxID: MailboxID, uids: [MessageUID], cachedHeaderFields: Bool) async throws
        -> [MessageLayout] {
        try await read(rows: uids.count) { db in
            _ = try Self.fetchMailbox(db, id: mailboxID)
            let columns = "uid, size, internal_date, \(Rows.layoutColumns), "
                + (cachedHeaderFields ? "cached_header_fields" : "NULL")
            return try Self.fetchMessageRows(db, mailboxID: mailboxID, uids: uids, columns: columns) { row in
                let uid: Int64 = row[0]
                let internalDate: TimeInterval = row[2]
                let (header, text) = Rows.layout(row, from: 3)
                let cached: Data? = row[7]
                return MessageLayout(uid: MessageUID(truncatingIfNeeded: uid), size: row[1],
                                     internalDate: Date(timeIntervalSince1970: internalDate), header: header, text: text,
                                     cachedHeaderFields: cached.map { [UInt8]($0) })
            }
        }
    }

    /// Read from the `message_sort_keys` covering index (v12), never the
    /// wide table rows; a text key not asked for is not read.
    public func messageSortKeys(mailboxID: MailboxID, uids: [MessageUID], keys: Set<SortKey>) async throws
        -> [MessageSortRow] {
        try await read(rows: uids.count) { db in
            _ = try Self.fetchMailbox(db, id: mailboxID)
            let texts: [(SortKey, String)] = [(.subject, "sort_subject"), (.from, "sort_from"), (.to, "sort_to"),
                                              (.cc, "sort_cc"), (.displayFrom, "sort_display_from"),
                                              (.displayTo, "sort_display_to")]
            let columns = "uid, size, internal_date, sort_date, "
                + texts.map { keys.contains($0.0) ? $0.1 : "NULL" }.joined(separator: ", ")
            return try Self.fetchMessageRows(db, mailboxID: mailboxID, uids: uids, columns: columns) { row in
                let uid: Int64 = row[0]
                let internalDate: TimeInterval = row[2]
                return MessageSortRow(uid: MessageUID(truncatingIfNeeded: uid), size: row[1],
                                      internalDate: Date(timeIntervalSince1970: internalDate),
                                      keys: Rows.sortKeys(row, from: 3))
            }
        }
    }

    /// The stored ENVELOPE as JSON, NULL where the structure is not valid JSON.
    static let envelopeColumn = """
        CASE WHEN json_valid(CAST(parsed_structure AS TEXT))
            THEN json_extract(CAST(parsed_structure AS TEXT), '$.envelope') END
        """

    // MARK: Single-key lookups (SMTP recipients)

    public func domainExists(_ name: String) async throws -> Bool {
        let name = name.lowercased()
        return try quickRead { db in
            try Bool.fetchOne(try db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM domain WHERE name = ?)"), arguments: [name])!
        }
    }

    public func alias(source: String) async throws -> Alias? {
        let source = source.lowercased()
        return try quickRead { db in
            try Row.fetchOne(try db.cachedStatement(sql: "SELECT * FROM alias WHERE source = ?"), arguments: [source]).map(Rows.alias)
        }
    }

    // MARK: Queue gauge

    public func pendingRecipientCount() async throws -> Int {
        try quickRead { db in
            try Int.fetchOne(try db.cachedStatement(sql: """
                SELECT COUNT(*) FROM outbound_recipient WHERE state IN ('queued', 'delivering')
                """))!
        }
    }
}
