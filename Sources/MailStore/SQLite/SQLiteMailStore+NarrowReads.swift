import Foundation
import GRDB
import MailCore

/// Reads that look at no more than a command needs: counters instead of
/// message scans, summaries instead of full records, full records only for
/// a UID set, COUNTs and single-key lookups.
extension SQLiteMailStore {
    // MARK: Counters (v6 migration; kept by triggers on `message`)

    public func mailboxStatus(id: MailboxID) async throws -> MailboxStatus {
        try await read { db in
            let statement = try db.cachedStatement(sql: "SELECT \(Rows.statusColumns) FROM mailbox WHERE id = ?")
            guard let row = try Row.fetchOne(statement, arguments: [id]) else {
                throw MailStoreError.mailboxNotFound(String(id))
            }
            return Rows.status(row)
        }
    }

    public func mailboxStatuses(accountID: AccountID) async throws -> [MailboxID: MailboxStatus] {
        try await read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT \(Rows.statusColumns) FROM mailbox WHERE account_id = ?",
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
            guard let count = try Int.fetchOne(db, sql: "SELECT message_count FROM mailbox WHERE id = ?",
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
        try await read { db in
            _ = try Self.fetchMailbox(db, id: mailboxID)
            return try Self.fetchMessageRows(db, mailboxID: mailboxID, uids: uids, columns: Rows.summaryColumns,
                                             Rows.summary)
        }
    }

    public func messages(mailboxID: MailboxID, uids: [MessageUID]) async throws -> [MessageRecord] {
        try await read { db in
            _ = try Self.fetchMailbox(db, id: mailboxID)
            let decoder = JSONDecoder()
            return try Self.fetchMessageRows(db, mailboxID: mailboxID, uids: uids, columns: Rows.messageColumns) {
                Rows.message($0, decoder: decoder)
            }
        }
    }

    /// SQLite extracts the envelope from the stored JSON (a malformed one
    /// gives NULL, not an error), so only that small object is decoded,
    /// and only when asked for; the search text is read from its columns
    /// (v7 migration), computed from the envelope where a row lacks it.
    public func messageEnvelopes(mailboxID: MailboxID, uids: [MessageUID], parts: MessageEnvelope.Parts) async throws
        -> [MessageEnvelope] {
        try await read { db in
            _ = try Self.fetchMailbox(db, id: mailboxID)
            let decoder = JSONDecoder()
            let wantsEnvelope = parts.contains(.envelope)
            let wantsText = parts.contains(.searchText)
            let structure = "CAST(parsed_structure AS TEXT)"
            let envelopeWhen = wantsEnvelope ? "1" : (wantsText ? "search_subject IS NULL" : "0")
            let columns = """
                uid, size, internal_date,
                CASE WHEN \(envelopeWhen) AND json_valid(\(structure)) THEN json_extract(\(structure), '$.envelope') END,
                \(wantsText ? Rows.searchTextColumns : "NULL, NULL, NULL, NULL, NULL")
                """
            return try Self.fetchMessageRows(db, mailboxID: mailboxID, uids: uids, columns: columns) { row in
                let uid: Int64 = row[0]
                let internalDate: TimeInterval = row[2]
                let json: String? = row[3]
                let envelope = json.flatMap { try? decoder.decode(Envelope.self, from: Data($0.utf8)) }
                var searchText: EnvelopeSearchText?
                if wantsText { searchText = Rows.searchText(row, from: 4) ?? envelope.map(EnvelopeSearchText.init) }
                return MessageEnvelope(uid: MessageUID(truncatingIfNeeded: uid), size: row[1],
                                       internalDate: Date(timeIntervalSince1970: internalDate),
                                       envelope: wantsEnvelope ? envelope : nil, searchText: searchText)
            }
        }
    }

    // MARK: Single-key lookups (SMTP recipients)

    public func domainExists(_ name: String) async throws -> Bool {
        let name = name.lowercased()
        return try await read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM domain WHERE name = ?)", arguments: [name])!
        }
    }

    public func alias(source: String) async throws -> Alias? {
        let source = source.lowercased()
        return try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM alias WHERE source = ?", arguments: [source]).map(Rows.alias)
        }
    }

    // MARK: Queue gauge

    public func pendingRecipientCount() async throws -> Int {
        try await read { db in
            try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM outbound_recipient WHERE state IN ('queued', 'delivering')
                """)!
        }
    }
}
