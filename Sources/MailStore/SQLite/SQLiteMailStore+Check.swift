import Foundation
import GRDB
import MailCore

/// `check(repair:)`: one checker per `StoreDamageKind`, run in the order
/// of `allCases`. Each one finds its candidates, then confirms them (and,
/// with `repair`, mends them) inside one write transaction, so a row or
/// file that a concurrent writer changed meanwhile is neither reported
/// nor touched.
extension SQLiteMailStore {
    public func check(repair: Bool) async throws -> StoreCheckReport {
        try checkOpen()
        var findings: [StoreFinding] = []
        for kind in StoreDamageKind.allCases {
            let found = try await check(kind, repair: repair)
            findings += found
            // The other checks read through the indexes: not on a damaged database.
            if kind == .integrity, found.contains(where: { !$0.repaired }) { break }
        }
        return StoreCheckReport(findings: findings)
    }

    func check(_ kind: StoreDamageKind, repair: Bool) async throws -> [StoreFinding] {
        switch kind {
        case .integrity: try await checkIntegrity(repair: repair)
        case .danglingRow: try await checkDanglingRows(repair: repair)
        case .missingMessageBody: try await checkMessageBodies(repair: repair)
        case .missingQueuedBody: try await checkQueuedBodies(repair: repair)
        case .mailboxSequence: try await checkMailboxSequences(repair: repair)
        case .mailboxCounters: try await checkMailboxCounters(repair: repair)
        case .unreferencedBody: try await checkUnreferencedBodies(repair: repair)
        }
    }

    // MARK: integrity

    /// `PRAGMA integrity_check`; the repair rebuilds every index (REINDEX)
    /// and checks again: what remains is not repaired.
    private func checkIntegrity(repair: Bool) async throws -> [StoreFinding] {
        try await write { db in
            let problems = try Self.integrityProblems(db)
            guard !problems.isEmpty else { return [] }
            var remaining = Set<String>()
            if repair {
                try db.execute(sql: "REINDEX")
                remaining = Set(try Self.integrityProblems(db))
            }
            return problems.map { problem in
                StoreFinding(kind: .integrity, detail: problem, repaired: repair && !remaining.contains(problem))
            }
        }
    }

    static func integrityProblems(_ db: Database) throws -> [String] {
        let lines = try String.fetchAll(db, sql: "PRAGMA integrity_check")
        return lines == ["ok"] ? [] : lines
    }

    // MARK: dangling rows

    /// `PRAGMA foreign_key_check`, one finding per table and parent; the
    /// repair deletes the rows whose parent is gone.
    private func checkDanglingRows(repair: Bool) async throws -> [StoreFinding] {
        try await write { db in
            let rows = try Row.fetchAll(db, sql: "PRAGMA foreign_key_check")
            var counts: [String: (table: String, parent: String, fkid: Int, count: Int)] = [:]
            for row in rows {
                let table: String = row[0]
                let parent: String = row[2]
                let fkid: Int = row[3]
                let key = "\(table)/\(fkid)"
                counts[key, default: (table, parent, fkid, 0)].count += 1
            }
            return try counts.keys.sorted().map { key in
                let entry = counts[key]!
                if repair { try Self.deleteDanglingRows(db, table: entry.table, foreignKey: entry.fkid) }
                return StoreFinding(
                    kind: .danglingRow,
                    detail: "\(entry.count) row(s) of \(entry.table) refer to a missing \(entry.parent) row",
                    repaired: repair)
            }
        }
    }

    private static func deleteDanglingRows(_ db: Database, table: String, foreignKey id: Int) throws {
        let columns = try Row.fetchAll(db, sql: "SELECT \"from\", \"table\", \"to\" FROM pragma_foreign_key_list(?) WHERE id = ?",
                                       arguments: [table, id])
        for column in columns {
            let from: String = column[0]
            let parent: String = column[1]
            let to: String = column[2]
            try db.execute(sql: """
                DELETE FROM \(table.quotedDatabaseIdentifier)
                WHERE \(from.quotedDatabaseIdentifier) IS NOT NULL
                  AND \(from.quotedDatabaseIdentifier) NOT IN
                      (SELECT \(to.quotedDatabaseIdentifier) FROM \(parent.quotedDatabaseIdentifier))
                """)
        }
    }

    // MARK: missing bodies

    /// Message rows whose body file is gone; the repair expunges them,
    /// each with its MODSEQ and `expunged` change-log row, and wakes the
    /// mailbox's sessions.
    private func checkMessageBodies(repair: Bool) async throws -> [StoreFinding] {
        let candidates = try await missingBodyCandidates(sql: "SELECT DISTINCT body_file FROM message")
        guard !candidates.isEmpty else { return [] }
        let bodies = self.bodies
        let (findings, changes) = try await write { db in
            var findings: [StoreFinding] = []
            var changes: [MailboxID: ModSeq] = [:]
            var lost: [MailboxID: [MessageUID]] = [:]
            for name in candidates.sorted() where !bodies.exists(name) {
                // Rows of a missing mailbox are dangling rows, that kind's business.
                let rows = try Row.fetchAll(db, sql: """
                    SELECT m.mailbox_id, m.uid FROM message m JOIN mailbox b ON b.id = m.mailbox_id
                    WHERE m.body_file = ?
                    """, arguments: [name])
                for row in rows {
                    let mailboxID: MailboxID = row[0]
                    let uid: Int64 = row[1]
                    lost[mailboxID, default: []].append(MessageUID(truncatingIfNeeded: uid))
                }
            }
            for mailboxID in lost.keys.sorted() {
                var mailbox = try Self.fetchMailbox(db, id: mailboxID)
                let label = try Self.mailboxLabel(db, mailbox)
                let uids = lost[mailboxID]!.sorted()
                for uid in uids {
                    findings.append(StoreFinding(kind: .missingMessageBody,
                                                 detail: "\(label) UID \(uid): the body file is missing",
                                                 repaired: repair))
                }
                if repair {
                    _ = try Self.expungeRows(db, mailbox: &mailbox, uids: uids)
                    try Self.saveHighestModSeq(db, mailbox)
                    changes[mailboxID] = mailbox.highestModSeq
                }
            }
            return (findings, changes)
        }
        if !changes.isEmpty { notifier.notify(changes) }
        return findings
    }

    /// Queued messages whose body file is gone: nothing can be sent nor
    /// quoted in a bounce, so the repair removes them (and their recipients);
    /// the finding names sender and recipients for the admin to tell.
    private func checkQueuedBodies(repair: Bool) async throws -> [StoreFinding] {
        let candidates = try await missingBodyCandidates(sql: "SELECT DISTINCT body_file FROM outbound_message")
        guard !candidates.isEmpty else { return [] }
        let bodies = self.bodies
        return try await write { db in
            var findings: [StoreFinding] = []
            for name in candidates.sorted() where !bodies.exists(name) {
                let rows = try Row.fetchAll(db, sql: "SELECT id, sender FROM outbound_message WHERE body_file = ? ORDER BY id",
                                            arguments: [name])
                for row in rows {
                    let id: String = row[0]
                    let sender: String = row[1]
                    let recipients = try String.fetchAll(
                        db, sql: "SELECT address FROM outbound_recipient WHERE message_id = ? ORDER BY position",
                        arguments: [id])
                    findings.append(StoreFinding(
                        kind: .missingQueuedBody,
                        detail: "queued message \(id) from <\(sender)> to \(recipients.map { "<\($0)>" }.joined(separator: ", ")): "
                            + "the body file is missing",
                        repaired: repair))
                    if repair { try db.execute(sql: "DELETE FROM outbound_message WHERE id = ?", arguments: [id]) }
                }
            }
            return findings
        }
    }

    /// The referenced body files (of `sql`) missing on disk, read on a
    /// snapshot without the write lock; the caller confirms them in its
    /// transaction.
    private func missingBodyCandidates(sql: String) async throws -> [String] {
        let names = try await read { db in try String.fetchAll(db, sql: sql) }
        let bodies = self.bodies
        return try await BlockingIO.run { names.filter { !bodies.exists($0) } }
    }

    // MARK: mailbox sequences

    /// UIDNEXT must be above every UID the mailbox has used (rows and
    /// change-log tombstones: a UID is never reused, RFC 9051 §2.3.1.1),
    /// HIGHESTMODSEQ at least every MODSEQ (RFC 7162 §3.1.2.1); the repair
    /// raises them, never lowers them.
    private func checkMailboxSequences(repair: Bool) async throws -> [StoreFinding] {
        try await write { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT id, uid_next, highest_modseq,
                       MAX(IFNULL((SELECT MAX(uid) FROM message WHERE mailbox_id = mailbox.id), 0),
                           IFNULL((SELECT MAX(uid) FROM change_log WHERE mailbox_id = mailbox.id), 0)),
                       MAX(IFNULL((SELECT MAX(modseq) FROM message WHERE mailbox_id = mailbox.id), 0),
                           IFNULL((SELECT MAX(modseq) FROM change_log WHERE mailbox_id = mailbox.id), 0))
                FROM mailbox ORDER BY id
                """)
            var findings: [StoreFinding] = []
            for row in rows {
                let id: MailboxID = row[0]
                let uidNext: Int64 = row[1]
                let highestModSeq: Int64 = row[2]
                let maxUID: Int64 = row[3]
                let maxModSeq: Int64 = row[4]
                var problems: [String] = []
                if uidNext <= maxUID { problems.append("uid_next \(uidNext) <= highest UID \(maxUID)") }
                if highestModSeq < maxModSeq {
                    problems.append("highest_modseq \(highestModSeq) < highest MODSEQ \(maxModSeq)")
                }
                guard !problems.isEmpty else { continue }
                let label = try Self.mailboxLabel(db, Self.fetchMailbox(db, id: id))
                findings.append(StoreFinding(kind: .mailboxSequence,
                                             detail: "\(label): " + problems.joined(separator: ", "),
                                             repaired: repair))
                if repair {
                    try db.execute(sql: "UPDATE mailbox SET uid_next = ?, highest_modseq = ? WHERE id = ?",
                                   arguments: [max(uidNext, maxUID + 1), max(highestModSeq, maxModSeq), id])
                }
            }
            return findings
        }
    }

    // MARK: mailbox counters

    /// The v6 counters against a recount of the rows (the triggers keep
    /// them in step; a file edited by hand or a bug could not).
    private func checkMailboxCounters(repair: Bool) async throws -> [StoreFinding] {
        try await write { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT m.id, m.message_count, m.unseen_count, m.deleted_count, m.total_size,
                       COUNT(x.uid), IFNULL(SUM((x.flags & 1) = 0), 0), IFNULL(SUM((x.flags & 8) != 0), 0),
                       IFNULL(SUM(x.size), 0)
                FROM mailbox m LEFT JOIN message x ON x.mailbox_id = m.id
                GROUP BY m.id ORDER BY m.id
                """)
            var findings: [StoreFinding] = []
            for row in rows {
                let id: MailboxID = row[0]
                let stored: [Int64] = [row[1], row[2], row[3], row[4]]
                let counted: [Int64] = [row[5], row[6], row[7], row[8]]
                guard stored != counted else { continue }
                let names = ["messages", "unseen", "deleted", "size"]
                let problems = names.indices.filter { stored[$0] != counted[$0] }
                    .map { "\(names[$0]) \(stored[$0]) != \(counted[$0])" }
                let label = try Self.mailboxLabel(db, Self.fetchMailbox(db, id: id))
                findings.append(StoreFinding(kind: .mailboxCounters,
                                             detail: "\(label): counters " + problems.joined(separator: ", "),
                                             repaired: repair))
                if repair {
                    try db.execute(sql: """
                        UPDATE mailbox SET message_count = ?, unseen_count = ?, deleted_count = ?, total_size = ?
                        WHERE id = ?
                        """, arguments: [counted[0], counted[1], counted[2], counted[3], id])
                }
            }
            return findings
        }
    }

    // MARK: unreferenced bodies

    /// Orphans (`orphans(among:now:_:)`: old enough that no writer can
    /// still commit a reference); the repair deletes them while the write
    /// lock is held, so no commit can reference one meanwhile.
    private func checkUnreferencedBodies(repair: Bool) async throws -> [StoreFinding] {
        let bodies = self.bodies
        let files = try await BlockingIO.run { bodies.allFiles() }
        let now = Date()
        return try await write { db in
            try Self.orphans(among: files, now: now, db).map { file in
                let removed = repair && unlink(file.path) == 0
                return StoreFinding(kind: .unreferencedBody,
                                    detail: "\(BodyFileStore.directoryName)/\(String(file.name.prefix(2)))/\(file.name): "
                                        + "no message references it", repaired: removed)
            }
        }
    }

    /// `alice@example.org/INBOX (mailbox 3)`, for findings.
    static func mailboxLabel(_ db: Database, _ mailbox: Mailbox) throws -> String {
        let address = try String.fetchOne(db, sql: "SELECT address FROM account WHERE id = ?",
                                          arguments: [mailbox.accountID]) ?? "account \(mailbox.accountID)"
        return "\(address)/\(mailbox.name) (mailbox \(mailbox.id))"
    }
}
