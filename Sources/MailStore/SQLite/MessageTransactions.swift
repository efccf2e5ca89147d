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
extension SQLiteMailStore {
    static func insertMessage(_ db: Database, _ record: MessageRecord, bodyFile: String) throws {
        try db.execute(sql: """
            INSERT INTO message (mailbox_id, uid, modseq, flags, keywords, internal_date, size, content_hash,
                                 message_id, body_file, parsed_structure)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [
                record.mailboxID, Int64(record.uid), record.modSeq, record.flags.rawValue,
                Rows.encodeStrings(record.keywords), Int64(record.internalDate.timeIntervalSince1970), record.size,
                record.contentHash, record.messageID, bodyFile, Data(record.parsedStructure),
            ])
    }

    static func logChange(_ db: Database, mailboxID: MailboxID, modSeq: ModSeq, uid: MessageUID,
                          kind: MailboxChange.Kind) throws {
        try db.execute(sql: "INSERT INTO change_log (mailbox_id, modseq, uid, kind) VALUES (?, ?, ?, ?)",
                       arguments: [mailboxID, modSeq, Int64(uid), Rows.kindColumn(kind)])
    }

    static func saveHighestModSeq(_ db: Database, _ mailbox: Mailbox) throws {
        try db.execute(sql: "UPDATE mailbox SET uid_next = ?, highest_modseq = ? WHERE id = ?",
                       arguments: [Int64(mailbox.uidNext), mailbox.highestModSeq, mailbox.id])
    }

    /// Deletes the rows of the given UIDs that exist, each with its own
    /// MODSEQ and an `expunged` tombstone in the change log (RFC 7162 §3.2.10
    /// needs it for VANISHED). Returns the removed UIDs in ascending order
    /// and their body files; the caller saves `mailbox`.
    static func expungeRows(_ db: Database, mailbox: inout Mailbox, uids: [MessageUID]) throws
        -> (removed: [MessageUID], files: [String]) {
        var removed: [MessageUID] = []
        var files: [String] = []
        for uid in Set(uids).sorted() {
            guard let file = try String.fetchOne(
                db, sql: "SELECT body_file FROM message WHERE mailbox_id = ? AND uid = ?",
                arguments: [mailbox.id, Int64(uid)]) else { continue }
            try db.execute(sql: "DELETE FROM message WHERE mailbox_id = ? AND uid = ?",
                           arguments: [mailbox.id, Int64(uid)])
            // The tombstone replaces the UID's earlier rows.
            try db.execute(sql: "DELETE FROM change_log WHERE mailbox_id = ? AND uid = ?",
                           arguments: [mailbox.id, Int64(uid)])
            mailbox.highestModSeq += 1
            try logChange(db, mailboxID: mailbox.id, modSeq: mailbox.highestModSeq, uid: uid, kind: .expunged)
            removed.append(uid)
            files.append(file)
        }
        return (removed, files)
    }

    /// Inserts copies of the source rows into `target` with new UIDs and
    /// MODSEQs. The copies share the immutable body files. The caller saves
    /// `target`.
    static func copyRows(_ db: Database, from source: MailboxID, uids: [MessageUID],
                         to target: inout Mailbox) throws -> [CopyResult.Pair] {
        var pairs: [CopyResult.Pair] = []
        for uid in Set(uids).sorted() {
            guard let row = try Row.fetchOne(
                db, sql: "SELECT \(Rows.messageColumns), body_file FROM message WHERE mailbox_id = ? AND uid = ?",
                arguments: [source, Int64(uid)]) else { continue }
            guard target.uidNext < MessageUID.max else {
                throw MailStoreError.storageFailure("UIDs of mailbox \(target.name) exhausted")
            }
            var record = Rows.message(row)
            record.mailboxID = target.id
            record.uid = target.uidNext
            target.highestModSeq += 1
            record.modSeq = target.highestModSeq
            try insertMessage(db, record, bodyFile: row["body_file"])
            try logChange(db, mailboxID: target.id, modSeq: record.modSeq, uid: record.uid, kind: .added)
            pairs.append(CopyResult.Pair(source: uid, copy: record.uid))
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
        try Bool.fetchOne(db, sql: """
            SELECT EXISTS (SELECT 1 FROM message WHERE body_file = ?)
                OR EXISTS (SELECT 1 FROM outbound_message WHERE body_file = ?)
            """, arguments: [fileName, fileName])!
    }
}
