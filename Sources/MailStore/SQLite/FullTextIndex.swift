import Foundation
import GRDB
import MailCore

/// The full-text index of SEARCH BODY, TEXT and HEADER (v14): one FTS5 row
/// per message, `rowid` = `message.id`, holding the folded header text and
/// the folded decoded text parts (`SearchText.indexed`) — exactly the
/// strings SEARCH's substring rule reads (RFC 9051 §6.4.4).
///
/// The `trigram` tokenizer (SQLite ≥ 3.34) makes a quoted phrase match
/// every row where the needle occurs as a substring: each three-character
/// window of the needle is a trigram of the text, at consecutive positions.
/// `case_sensitive 1` because the text is folded already (Swift's
/// lower-casing, which FTS5's own folding does not equal), and so no
/// diacritic is removed either. A needle of fewer than three characters has
/// no trigram: the index cannot narrow it. The index only narrows; SEARCH's
/// exact rule decides on the candidates.
///
/// A message row without an index row (stored before v14, until the
/// server's background pass `indexForFullTextSearch` reaches it) is always
/// a candidate, and so is one whose row is not `complete` (text longer
/// than `maximumIndexedCharacters`, or a body file that could not be read). An `AFTER DELETE` trigger on `message` removes the index row,
/// so every way out (expunge, move, mailbox and account deletion through
/// `ON DELETE CASCADE`) keeps the index in step.
enum FullTextIndex {
    static func migrate(_ db: Database) throws {
        try db.execute(sql: """
            CREATE VIRTUAL TABLE message_text USING fts5(header, body, complete UNINDEXED,
                                                         tokenize = 'trigram case_sensitive 1');
            CREATE TRIGGER message_text_delete AFTER DELETE ON message BEGIN
                DELETE FROM message_text WHERE rowid = old.id;
            END;
            """)
    }

    /// Above this many characters of header and text together a message
    /// is not indexed (its row says so): the index stays small, and such a
    /// message is always a candidate.
    static let maximumIndexedCharacters = 4 << 20

    /// The index row of message `messageID`; an incomplete one (always a
    /// candidate) for text over the limit or none (an unreadable body).
    static func insert(_ db: Database, messageID: Int64, text: (header: String, body: String)?) throws {
        let statement = try db.cachedStatement(sql: "INSERT INTO message_text (rowid, header, body, complete) VALUES (?, ?, ?, ?)")
        if let text, text.header.utf8.count + text.body.utf8.count <= maximumIndexedCharacters {
            try statement.execute(arguments: [messageID, text.header, text.body, 1])
        } else {
            try statement.execute(arguments: [messageID, "", "", 0])
        }
    }

    /// A copy (COPY, MOVE) gets the source's index row, if it has one.
    static func copy(_ db: Database, from source: MailboxID, uid: MessageUID, to messageID: Int64) throws {
        let statement = try db.cachedStatement(sql: """
            INSERT INTO message_text (rowid, header, body, complete)
            SELECT ?, header, body, complete FROM message_text
            WHERE rowid = (SELECT id FROM message WHERE mailbox_id = ? AND uid = ?)
            """)
        try statement.execute(arguments: [messageID, source, Int64(uid)])
    }

    /// The FTS5 query for a folded needle: one quoted phrase, `"` doubled
    /// (FTS5 string syntax); nil when the needle has fewer than three
    /// characters (no trigram).
    static func phrase(_ needle: [UInt8]) -> String? {
        let text = String(decoding: needle, as: UTF8.self)
        guard text.unicodeScalars.count >= 3 else { return nil }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// The UIDs of the mailbox that may match: those whose indexed column
    /// holds the phrase, and those not (completely) indexed.
    static func candidates(_ db: Database, mailboxID: MailboxID, field: FullTextField, phrase: String) throws
        -> Set<MessageUID> {
        let column: String
        switch field {
        case .header: column = "header"
        case .body: column = "body"
        case .text: column = "message_text"
        }
        let statement = try db.cachedStatement(sql: """
            SELECT m.uid FROM message m WHERE m.mailbox_id = ?
              AND (m.id IN (SELECT rowid FROM message_text WHERE \(column) MATCH ?)
                   OR NOT EXISTS (SELECT 1 FROM message_text t WHERE t.rowid = m.id AND t.complete = 1))
            """)
        var uids = Set<MessageUID>()
        let rows = try Int64.fetchCursor(statement, arguments: [mailboxID, phrase])
        while let uid = try rows.next() { uids.insert(MessageUID(truncatingIfNeeded: uid)) }
        return uids
    }
}

extension SQLiteMailStore {
    public func searchCandidates(mailboxID: MailboxID, field: FullTextField, needle: [UInt8]) async throws
        -> Set<MessageUID>? {
        guard let phrase = FullTextIndex.phrase(needle) else { return nil }
        return try await read { db in
            _ = try Self.fetchMailbox(db, id: mailboxID)
            return try FullTextIndex.candidates(db, mailboxID: mailboxID, field: field, phrase: phrase)
        }
    }
}
