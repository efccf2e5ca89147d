import Crypto
import Foundation
import GRDB
import MailCore

/// The result of a copy or move inside one transaction.
struct CopyResult: Sendable {
    struct Pair: Sendable {
        var source: MessageUID
        var copy: MessageUID
    }
    var pairs: [Pair]
    /// The new highest MODSEQ of each changed mailbox, for notifications.
    var changes: [MailboxID: ModSeq]
}

/// Row-level steps that run inside a write transaction, shared by the
/// message, mailbox and account operations.
///
/// Bulk changes (a `STORE 1:*` on a large mailbox) read their rows with a
/// few `uid IN (…)` queries and write each row with cached prepared
/// statements, so a call costs one transaction and no per-UID SQL parsing.
extension SQLiteMailStore {
    /// The most UIDs bound to one `uid IN (…)` list. Shorter lists are padded
    /// to a power of two (repeating their last UID), so the statement cache
    /// holds at most a handful of shapes per query.
    static let uidChunkSize = 256

    /// The most UIDs read with one `uid BETWEEN` range.
    static let uidRangeSize = 4096

    /// Reads the rows of `uids` that exist in the mailbox, in ascending UID
    /// order (each once), selecting `columns` — `uid` first — ; `decode`
    /// turns each row into a value before the next one is read. Missing UIDs
    /// are skipped. A dense run of UIDs (most of a range asked for: a SEARCH
    /// or FETCH over a whole mailbox) is read as one `uid BETWEEN` range
    /// scan, skipping the rows not asked for before decoding them; a sparse
    /// one with `uid IN (…)` lists, one index seek per UID.
    static func fetchMessageRows<T>(_ db: Database, mailboxID: MailboxID, uids: some Sequence<MessageUID>,
                                    columns: String, _ decode: (Row) throws -> T) throws -> [T] {
        let sorted = Set(uids).sorted()
        var values: [T] = []
        values.reserveCapacity(sorted.count)
        var start = 0
        while start < sorted.count {
            let end = min(start + uidRangeSize, sorted.count)
            let span = Int(sorted[end - 1] - sorted[start]) + 1
            if end - start >= 64 && span <= 2 * (end - start) {
                try fetchRange(db, mailboxID: mailboxID, wanted: sorted[start..<end], columns: columns,
                               into: &values, decode)
                start = end
                continue
            }
            let chunk = sorted[start..<min(start + uidChunkSize, sorted.count)]
            var width = 1
            while width < chunk.count { width *= 2 }
            var arguments: [any DatabaseValueConvertible] = [mailboxID]
            arguments.reserveCapacity(width + 1)
            for uid in chunk { arguments.append(Int64(uid)) }
            for _ in chunk.count..<width { arguments.append(Int64(chunk.last!)) }
            let statement = try db.cachedStatement(sql: """
                SELECT \(columns) FROM message WHERE mailbox_id = ? AND uid IN (\(databaseQuestionMarks(count: width)))
                ORDER BY uid
                """)
            let cursor = try Row.fetchCursor(statement, arguments: StatementArguments(arguments))
            while let row = try cursor.next() {
                values.append(try decode(row))
            }
            start += chunk.count
        }
        return values
    }

    /// The rows of the sorted, dense `wanted` UIDs, by one range scan.
    private static func fetchRange<T>(_ db: Database, mailboxID: MailboxID, wanted: ArraySlice<MessageUID>,
                                      columns: String, into values: inout [T], _ decode: (Row) throws -> T) throws {
        let statement = try db.cachedStatement(sql: """
            SELECT \(columns) FROM message WHERE mailbox_id = ? AND uid BETWEEN ? AND ? ORDER BY uid
            """)
        let cursor = try Row.fetchCursor(statement, arguments: [mailboxID, Int64(wanted.first!), Int64(wanted.last!)])
        var next = wanted.startIndex
        while let row = try cursor.next() {
            let uid = MessageUID(truncatingIfNeeded: row[0] as Int64)
            while next < wanted.endIndex && wanted[next] < uid { next += 1 }
            guard next < wanted.endIndex else { break }
            if wanted[next] == uid { values.append(try decode(row)) }
        }
    }

    /// Inserts one message row; `structure` is the stored form of
    /// `record.parsedStructure` (JSON of `ParsedMessage`); `derived` (its
    /// search text and cached header fields) is kept beside it.
    /// `record.savedDate` is when it was saved (now, by the caller).
    static func insertMessage(_ db: Database, _ record: MessageRecord, structure: Data, bodyFile: String,
                              derived: Rows.DerivedColumns) throws {
        let statement = try db.cachedStatement(sql: """
            INSERT INTO message (mailbox_id, uid, modseq, flags, keywords, internal_date, size, content_hash,
                                 message_id, body_file, parsed_structure, saved_at, \(Rows.derivedColumns))
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, \(databaseQuestionMarks(count: Rows.derivedColumnCount)))
            """)
        let savedAt = Int64((record.savedDate ?? Date()).timeIntervalSince1970)
        let values: [(any DatabaseValueConvertible)?] = [
            record.mailboxID, Int64(record.uid), record.modSeq, record.flags.rawValue,
            Rows.encodeStrings(record.keywords), Int64(record.internalDate.timeIntervalSince1970), record.size,
            record.contentHash, record.messageID, bodyFile, structure, savedAt,
        ] + Rows.derivedValues(derived)
        try statement.execute(arguments: StatementArguments(values))
        if let fullText = derived.fullText {
            try FullTextIndex.insert(db, messageID: db.lastInsertedRowID, text: fullText)
        }
    }

    /// Now in whole seconds, as SAVEDATE is kept (RFC 8514).
    static func saveDateNow() -> Date {
        Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
    }

    static func logChange(_ db: Database, mailboxID: MailboxID, modSeq: ModSeq, uid: MessageUID,
                          kind: MailboxChange.Kind) throws {
        let statement = try db.cachedStatement(
            sql: "INSERT INTO change_log (mailbox_id, modseq, uid, kind) VALUES (?, ?, ?, ?)")
        try statement.execute(arguments: [mailboxID, modSeq, Int64(uid), Rows.kindColumn(kind)])
    }

    static func saveHighestModSeq(_ db: Database, _ mailbox: Mailbox) throws {
        try db.execute(sql: "UPDATE mailbox SET uid_next = ?, highest_modseq = ? WHERE id = ?",
                       arguments: [Int64(mailbox.uidNext), mailbox.highestModSeq, mailbox.id])
    }

    /// Sets new flags, keywords and MODSEQ of one message row, and replaces
    /// the UID's older `flags` row of the change log with one for `record`.
    static func saveFlags(_ db: Database, _ record: MessageRecord, encodedKeywords: String) throws {
        let update = try db.cachedStatement(
            sql: "UPDATE message SET flags = ?, keywords = ?, modseq = ? WHERE mailbox_id = ? AND uid = ?")
        try update.execute(arguments: [record.flags.rawValue, encodedKeywords, record.modSeq,
                                       record.mailboxID, Int64(record.uid)])
        // An older flags row of this UID says nothing the new one does not.
        // Without statistics SQLite plans this DELETE on the primary key
        // (a scan of the mailbox's whole log per UID): name the UID index.
        let dropOlder = try db.cachedStatement(sql: """
            DELETE FROM change_log INDEXED BY change_log_by_uid WHERE mailbox_id = ? AND uid = ? AND kind = 'flags'
            """)
        try dropOlder.execute(arguments: [record.mailboxID, Int64(record.uid)])
        try logChange(db, mailboxID: record.mailboxID, modSeq: record.modSeq, uid: record.uid, kind: .flagsChanged)
    }

    /// Deletes the rows of the given UIDs that exist, each with its own
    /// MODSEQ and an `expunged` tombstone in the change log (RFC 7162 §3.2.10
    /// needs it for VANISHED). Returns the removed UIDs in ascending order
    /// and their body files; the caller saves `mailbox`.
    static func expungeRows(_ db: Database, mailbox: inout Mailbox, uids: [MessageUID]) throws
        -> (removed: [MessageUID], files: [String]) {
        let found = try fetchMessageRows(db, mailboxID: mailbox.id, uids: uids, columns: "uid, body_file") { row in
            let uid: Int64 = row[0]
            let file: String = row[1]
            return (MessageUID(truncatingIfNeeded: uid), file)
        }
        let deleteMessage = try db.cachedStatement(sql: "DELETE FROM message WHERE mailbox_id = ? AND uid = ?")
        // The tombstone replaces the UID's earlier rows.
        let deleteChanges = try db.cachedStatement(sql: "DELETE FROM change_log WHERE mailbox_id = ? AND uid = ?")
        for (uid, _) in found {
            try deleteMessage.execute(arguments: [mailbox.id, Int64(uid)])
            try deleteChanges.execute(arguments: [mailbox.id, Int64(uid)])
            mailbox.highestModSeq += 1
            try logChange(db, mailboxID: mailbox.id, modSeq: mailbox.highestModSeq, uid: uid, kind: .expunged)
        }
        return (found.map(\.0), found.map(\.1))
    }

    /// Inserts copies of the source rows into `target` with new UIDs and
    /// MODSEQs. The copies share the immutable body files. The caller saves
    /// `target`.
    static func copyRows(_ db: Database, from source: MailboxID, uids: [MessageUID],
                         to target: inout Mailbox) throws -> [CopyResult.Pair] {
        // The structure is copied as stored, never decoded.
        let found = try fetchMessageRows(db, mailboxID: source, uids: uids,
                                         columns: "\(Rows.messageColumns), body_file, \(Rows.derivedColumns)") { row in
            let file: String = row[Rows.messageColumnCount]
            let structure: Data = row[8]
            return (Rows.messageWithoutStructure(row), structure, file,
                    Rows.derived(row, from: Rows.messageColumnCount + 1))
        }
        var pairs: [CopyResult.Pair] = []
        pairs.reserveCapacity(found.count)
        let savedNow = Self.saveDateNow()
        for (original, structure, bodyFile, derived) in found {
            guard target.uidNext < MessageUID.max else {
                throw MailStoreError.storageFailure("UIDs of mailbox \(target.name) exhausted")
            }
            var record = original
            record.mailboxID = target.id
            record.uid = target.uidNext
            // RFC 8514: a copy (or a moved message) is saved in its new mailbox now.
            record.savedDate = savedNow
            target.highestModSeq += 1
            record.modSeq = target.highestModSeq
            try insertMessage(db, record, structure: structure, bodyFile: bodyFile, derived: derived)
            try FullTextIndex.copy(db, from: source, uid: original.uid, to: db.lastInsertedRowID)
            try logChange(db, mailboxID: target.id, modSeq: record.modSeq, uid: record.uid, kind: .added)
            pairs.append(CopyResult.Pair(source: original.uid, copy: record.uid))
            target.uidNext += 1
        }
        return pairs
    }

    /// Copy then expunge in one transaction (RFC 6851 MOVE). The body files
    /// stay: the copies reference them.
    static func moveRows(_ db: Database, from source: Mailbox, uids: [MessageUID],
                         to target: Mailbox) throws -> CopyResult {
        guard target.accountID == source.accountID else {
            throw MailStoreError.mailboxNotFound(String(target.id))
        }
        if target.id == source.id {
            // A move within one mailbox gives the messages new UIDs.
            var mailbox = source
            let pairs = try copyRows(db, from: source.id, uids: uids, to: &mailbox)
            _ = try expungeRows(db, mailbox: &mailbox, uids: pairs.map(\.source))
            try saveHighestModSeq(db, mailbox)
            return CopyResult(pairs: pairs, changes: [mailbox.id: mailbox.highestModSeq])
        }
        var target = target
        var source = source
        let pairs = try copyRows(db, from: source.id, uids: uids, to: &target)
        _ = try expungeRows(db, mailbox: &source, uids: pairs.map(\.source))
        try saveHighestModSeq(db, target)
        try saveHighestModSeq(db, source)
        return CopyResult(pairs: pairs, changes: [source.id: source.highestModSeq, target.id: target.highestModSeq])
    }

    /// The files of `candidates` that no message row and no queued message
    /// references any more.
    static func unreferenced(_ candidates: [String], _ db: Database) throws -> [String] {
        try Array(Set(candidates)).filter { name in
            try !isReferenced(name, db)
        }
    }

    /// A mailbox message or an outbound queue message uses the body file.
    static func isReferenced(_ fileName: String, _ db: Database) throws -> Bool {
        let statement = try db.cachedStatement(sql: """
            SELECT EXISTS (SELECT 1 FROM message WHERE body_file = ?)
                OR EXISTS (SELECT 1 FROM outbound_message WHERE body_file = ?)
            """)
        return try Bool.fetchOne(statement, arguments: [fileName, fileName])!
    }
}

// MARK: Bulk append (tests and benchmarks)

extension SQLiteMailStore {
    /// Appends `count` copies of `message` in one transaction, all sharing
    /// one body file: a fast way to fill a large mailbox for tests and
    /// benchmarks. Each copy gets its own UID, MODSEQ and `added` row.
    func appendCopies(mailboxID: MailboxID, of message: NewMessage, count: Int) async throws -> [MessageRecord] {
        try checkOpen()
        let body = message.body
        let (parsed, structure, internalDate, hash, derived) = try Self.prepare(message)
        let bodies = self.bodies
        let fileName = try await BlockingIO.run { try bodies.writeDurably(body) }
        let records = try await write { db in
            var mailbox = try Self.fetchMailbox(db, id: mailboxID)
            var records: [MessageRecord] = []
            records.reserveCapacity(count)
            for _ in 0..<count {
                guard mailbox.uidNext < MessageUID.max else {
                    throw MailStoreError.storageFailure("UIDs of mailbox \(mailbox.name) exhausted")
                }
                mailbox.highestModSeq += 1
                let record = MessageRecord(
                    mailboxID: mailboxID, uid: mailbox.uidNext, modSeq: mailbox.highestModSeq, flags: message.flags,
                    keywords: Self.uniqueKeywords(message.keywords), internalDate: internalDate,
                    size: body.count, contentHash: hash, messageID: parsed.messageID, parsedStructure: parsed,
                    savedDate: Self.saveDateNow())
                try Self.insertMessage(db, record, structure: structure, bodyFile: fileName, derived: derived)
                try Self.logChange(db, mailboxID: mailboxID, modSeq: record.modSeq, uid: record.uid, kind: .added)
                mailbox.uidNext += 1
                records.append(record)
            }
            try Self.saveHighestModSeq(db, mailbox)
            return records
        }
        if let last = records.last { notifier.notify([mailboxID: last.modSeq]) }
        return records
    }
}
