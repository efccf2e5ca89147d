import Foundation
import GRDB
import MailCore

/// Indexing the messages stored before the full-text index existed (v14):
/// the server runs `indexForFullTextSearch` in small batches in the
/// background after start until it returns nil. Until then those messages
/// are candidates for every needle (`FullTextIndex.candidates`), so SEARCH
/// stays exact while the pass runs, only slower.
extension SQLiteMailStore {
    public func indexForFullTextSearch(after position: Int64, limit: Int) async throws -> Int64? {
        let pending = try await read { db in
            try Row.fetchAll(db, sql: """
                SELECT m.id, m.body_file FROM message m
                WHERE m.id > ? AND NOT EXISTS (SELECT 1 FROM message_text t WHERE t.rowid = m.id)
                ORDER BY m.id LIMIT ?
                """, arguments: [position, max(limit, 1)]).map { row -> (id: Int64, file: String) in (row[0], row[1]) }
        }
        guard let last = pending.last?.id else { return nil }
        let bodies = self.bodies
        // Reading and parsing the bodies: on the file I/O threads.
        let rows = try await BlockingIO.run {
            pending.map { message -> (id: Int64, text: (header: String, body: String)?) in
                guard let body = try? bodies.read(message.file) else { return (message.id, nil) }
                return (message.id, SearchText.indexed(body, parsed: ParsedMessage.parse(body)))
            }
        }
        try await write { db in
            for row in rows {
                // Expunged meanwhile, or indexed by a copy: nothing to do.
                let exists = try Bool.fetchOne(db, sql: """
                    SELECT EXISTS (SELECT 1 FROM message WHERE id = ?)
                      AND NOT EXISTS (SELECT 1 FROM message_text WHERE rowid = ?)
                    """, arguments: [row.id, row.id]) ?? false
                guard exists else { continue }
                // An unreadable body gets an incomplete row: a candidate always, and not tried again.
                try FullTextIndex.insert(db, messageID: row.id, text: row.text)
            }
        }
        return last
    }
}
