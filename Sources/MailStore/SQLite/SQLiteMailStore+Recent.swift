import Foundation
import GRDB
import MailCore

/// `\Recent` (RFC 3501 §2.3.2), kept as one number per mailbox: the first
/// UID no session has claimed (v9 `mailbox.first_recent_uid`). Messages
/// from it up to UIDNEXT are recent; a claim moves it to UIDNEXT.
extension SQLiteMailStore {
    public func recentMessages(mailboxID: MailboxID, claim: Bool) async throws -> RecentMessages {
        let query: @Sendable (Database) throws -> (RecentMessages, needsClaim: Bool) = { db in
            let statement = try db.cachedStatement(sql: "SELECT first_recent_uid, uid_next FROM mailbox WHERE id = ?")
            guard let row = try Row.fetchOne(statement, arguments: [mailboxID]) else {
                throw MailStoreError.mailboxNotFound(String(mailboxID))
            }
            let uidNext = UInt32(clamping: row[1] as Int64)
            let first = min(UInt32(clamping: row[0] as Int64), uidNext)
            guard first < uidNext else { return (RecentMessages(uids: first..<first, count: 0), false) }
            let count = try Int.fetchOne(
                try db.cachedStatement(sql: "SELECT COUNT(*) FROM message WHERE mailbox_id = ? AND uid >= ?"),
                arguments: [mailboxID, Int64(first)]) ?? 0
            return (RecentMessages(uids: first..<uidNext, count: count), true)
        }
        // Nothing to claim (the usual case: a SELECT with no new mail) is a
        // read; a claim re-reads inside its write transaction, where no
        // other writer can claim the same UIDs between the read and the update.
        let peek = try quickRead(query)
        guard claim, peek.needsClaim else { return peek.0 }
        return try await write { db in
            let (recent, needsClaim) = try query(db)
            if needsClaim {
                try db.execute(sql: "UPDATE mailbox SET first_recent_uid = ? WHERE id = ?",
                               arguments: [Int64(recent.uids.upperBound), mailboxID])
            }
            return recent
        }
    }
}
