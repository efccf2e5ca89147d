import Foundation
import GRDB
import MailCore

/// METADATA entries (v13 migration; `Metadata.swift`). `scope` is 0 for
/// server entries and the mailbox ID for a mailbox's.
extension SQLiteMailStore {
    public func metadata(accountID: AccountID, mailboxID: MailboxID?) async throws -> [MetadataEntry] {
        try await read { db in
            try Self.requireScope(db, accountID: accountID, mailboxID: mailboxID)
            return try Row.fetchAll(try db.cachedStatement(sql: """
                SELECT name, value FROM metadata WHERE account_id = ? AND scope = ? ORDER BY name
                """), arguments: [accountID, Self.scope(mailboxID)]).map {
                MetadataEntry(name: $0[0], value: [UInt8]($0[1] as Data))
            }
        }
    }

    public func setMetadata(accountID: AccountID, mailboxID: MailboxID?, _ changes: [MetadataChange],
                            limits: MetadataLimits) async throws {
        // RFC 5464 §4.3: a value over the server's size limit fails the
        // whole command with [METADATA MAXSIZE n].
        if changes.contains(where: { ($0.value?.count ?? 0) > limits.maximumValueSize }) {
            throw MailStoreError.metadataLimit(.valueTooLarge(maximum: limits.maximumValueSize))
        }
        try await write { db in
            try Self.requireScope(db, accountID: accountID, mailboxID: mailboxID)
            let scope = Self.scope(mailboxID)
            for change in changes {
                if let value = change.value {
                    try db.execute(sql: """
                        INSERT INTO metadata (account_id, mailbox_id, scope, name, value) VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT (account_id, scope, name) DO UPDATE SET value = excluded.value
                        """, arguments: [accountID, mailboxID, scope, change.name, Data(value)])
                } else {
                    try db.execute(sql: "DELETE FROM metadata WHERE account_id = ? AND scope = ? AND name = ?",
                                   arguments: [accountID, scope, change.name])
                }
            }
            guard changes.contains(where: { $0.value != nil }) else { return }
            // Counted after the changes and inside the transaction: a throw
            // rolls every change back (RFC 5464 §4.3 [METADATA TOOMANY]).
            let row = try Row.fetchOne(db, sql: """
                SELECT COUNT(*), COALESCE(SUM(length(CAST(name AS BLOB)) + length(value)), 0)
                FROM metadata WHERE account_id = ?
                """, arguments: [accountID])!
            let (entries, octets): (Int, Int) = (row[0], row[1])
            if entries > limits.maximumEntries || octets > limits.maximumTotalSize {
                throw MailStoreError.metadataLimit(.tooMany)
            }
        }
    }

    private static func scope(_ mailboxID: MailboxID?) -> Int64 {
        mailboxID ?? 0
    }

    /// The account exists and, for a mailbox scope, owns the mailbox.
    private static func requireScope(_ db: Database, accountID: AccountID, mailboxID: MailboxID?) throws {
        if let mailboxID {
            let owner = try AccountID.fetchOne(try db.cachedStatement(sql: "SELECT account_id FROM mailbox WHERE id = ?"),
                                               arguments: [mailboxID])
            guard owner == accountID else { throw MailStoreError.mailboxNotFound(String(mailboxID)) }
        } else {
            guard try Bool.fetchOne(try db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM account WHERE id = ?)"),
                                    arguments: [accountID])! else {
                throw MailStoreError.accountNotFound(String(accountID))
            }
        }
    }
}
