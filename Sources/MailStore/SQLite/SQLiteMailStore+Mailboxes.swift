import Foundation
import GRDB

/// Mailboxes: names, hierarchy, subscriptions, UIDVALIDITY.
extension SQLiteMailStore {
    public func mailboxes(accountID: AccountID) async throws -> [Mailbox] {
        try quickRead { db in
            try Row.fetchAll(try db.cachedStatement(sql: Self.mailboxSelect + " WHERE m.account_id = ? ORDER BY m.name"),
                             arguments: [accountID]).map(Rows.mailbox)
        }
    }

    public func mailbox(accountID: AccountID, name: String) async throws -> Mailbox? {
        guard let name = try? MailboxName.normalize(name) else { return nil }
        return try quickRead { db in
            try Row.fetchOne(try db.cachedStatement(sql: Self.mailboxSelect + " WHERE m.account_id = ? AND m.name = ?"),
                             arguments: [accountID, name]).map(Rows.mailbox)
        }
    }

    public func mailbox(id: MailboxID) async throws -> Mailbox? {
        try quickRead { db in
            try Row.fetchOne(try db.cachedStatement(sql: Self.mailboxSelect + " WHERE m.id = ?"), arguments: [id]).map(Rows.mailbox)
        }
    }

    /// Creates one mailbox. Its parents need not exist (the IMAP layer
    /// creates them, RFC 9051 §6.3.4).
    public func createMailbox(accountID: AccountID, name: String, specialUse: SpecialUse?) async throws -> Mailbox {
        let name = try MailboxName.normalize(name)
        return try await write { db in
            guard try Bool.fetchOne(try db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM account WHERE id = ?)"),
                                    arguments: [accountID])! else {
                throw MailStoreError.accountNotFound(String(accountID))
            }
            return try Self.insertMailbox(db, accountID: accountID, name: name, specialUse: specialUse)
        }
    }

    /// Deletes the mailbox and its messages; INBOX is refused. Its children
    /// are left alone (RFC 9051 §6.3.5: the IMAP layer decides), and so is
    /// its subscription (RFC 9051 §6.3.7).
    public func deleteMailbox(id: MailboxID) async throws {
        let files = try await write { db in
            let mailbox = try Self.fetchMailbox(db, id: id)
            if mailbox.name == MailboxName.inbox { throw MailStoreError.invalidMailboxName(mailbox.name) }
            let files = try String.fetchAll(try db.cachedStatement(sql: "SELECT DISTINCT body_file FROM message WHERE mailbox_id = ?"),
                                            arguments: [id])
            try db.execute(sql: "DELETE FROM mailbox WHERE id = ?", arguments: [id])
            return try Self.unreferenced(files, db)
        }
        await removeBodyFiles(files)
        notifier.notify([id: ModSeq.max])
    }

    /// Renames the mailbox and every mailbox below it (`a` → `x` also moves
    /// `a/b` to `x/b`). Renaming INBOX moves its messages into a new mailbox
    /// of that name and leaves INBOX empty (RFC 9051 §6.3.6); that new
    /// mailbox is not subscribed, like any created one.
    ///
    /// Subscriptions follow the rename (RFC 9051 is silent; Dovecot keeps
    /// the old names instead): a subscribed old name is replaced by its new
    /// name, so the client keeps seeing the mailboxes it subscribed to. A
    /// new name that was already subscribed stays subscribed. INBOX stays
    /// subscribed or not, and the new mailbox it moves into is not subscribed
    /// (unless its name was), like any new mailbox.
    public func renameMailbox(id: MailboxID, to newName: String) async throws {
        let newName = try MailboxName.normalize(newName)
        let changed: [MailboxID: ModSeq] = try await write { db in
            let mailbox = try Self.fetchMailbox(db, id: id)
            if try Self.mailboxExists(db, accountID: mailbox.accountID, name: newName) {
                throw MailStoreError.mailboxExists(newName)
            }
            if mailbox.name == MailboxName.inbox {
                let target = try Self.insertMailbox(db, accountID: mailbox.accountID, name: newName, specialUse: nil)
                let uids = try MessageUID.fetchAll(try db.cachedStatement(sql: "SELECT uid FROM message WHERE mailbox_id = ? ORDER BY uid"),
                                                   arguments: [id])
                _ = try Self.moveRows(db, from: mailbox, uids: uids, to: target)
                return [id: ModSeq.max, target.id: ModSeq.max]
            }
            let oldPrefix = mailbox.name + "/"
            let children = try Row.fetchAll(try db.cachedStatement(sql: "SELECT id, name FROM mailbox WHERE account_id = ?"),
                                            arguments: [mailbox.accountID])
                .compactMap { row -> (MailboxID, String)? in
                    let name: String = row["name"]
                    guard name.utf8.starts(with: oldPrefix.utf8) else { return nil }
                    return (row["id"], name)
                }
            var renames = [(id, newName)]
            for (childID, childName) in children {
                let suffix = String(decoding: childName.utf8.dropFirst(oldPrefix.utf8.count), as: UTF8.self)
                let childNewName = try MailboxName.normalize(newName + "/" + suffix)
                if try Self.mailboxExists(db, accountID: mailbox.accountID, name: childNewName) {
                    throw MailStoreError.mailboxExists(childNewName)
                }
                renames.append((childID, childNewName))
            }
            var moved: [String] = []
            for (renamedID, name) in renames {
                let oldName = try String.fetchOne(try db.cachedStatement(sql: "SELECT name FROM mailbox WHERE id = ?"),
                                                  arguments: [renamedID])
                try db.execute(sql: "UPDATE mailbox SET name = ? WHERE id = ?", arguments: [name, renamedID])
                try db.execute(sql: "DELETE FROM subscription WHERE account_id = ? AND name = ?",
                               arguments: [mailbox.accountID, oldName])
                if db.changesCount > 0 { moved.append(name) }
            }
            // Inserted after every delete: an old name is never a new one
            // (the new names do not exist as mailboxes), but stay safe.
            for name in moved {
                try Self.insertSubscription(db, accountID: mailbox.accountID, name: name)
            }
            return Dictionary(uniqueKeysWithValues: renames.map { ($0.0, ModSeq.max) })
        }
        notifier.notify(changed)
    }

    /// Subscribes or unsubscribes the name of an existing mailbox.
    public func setSubscribed(mailboxID: MailboxID, _ subscribed: Bool) async throws {
        try await write { db in
            let mailbox = try Self.fetchMailbox(db, id: mailboxID)
            if subscribed {
                try Self.insertSubscription(db, accountID: mailbox.accountID, name: mailbox.name)
            } else {
                try db.execute(sql: "DELETE FROM subscription WHERE account_id = ? AND name = ?",
                               arguments: [mailbox.accountID, mailbox.name])
            }
        }
    }

    // MARK: Subscriptions (RFC 9051 §6.3.7, §6.3.8)

    /// The subscribed names of the account, whether or not a mailbox of
    /// that name exists, in name order.
    public func subscriptions(accountID: AccountID) async throws -> [String] {
        try quickRead { db in
            try String.fetchAll(try db.cachedStatement(sql: "SELECT name FROM subscription WHERE account_id = ? ORDER BY name"),
                                arguments: [accountID])
        }
    }

    /// Subscribes a valid name; the mailbox need not exist. Subscribing
    /// twice is not an error.
    public func subscribe(accountID: AccountID, name: String) async throws {
        let name = try MailboxName.normalize(name)
        try await write { db in
            guard try Bool.fetchOne(try db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM account WHERE id = ?)"),
                                    arguments: [accountID])! else {
                throw MailStoreError.accountNotFound(String(accountID))
            }
            try Self.insertSubscription(db, accountID: accountID, name: name)
        }
    }

    /// Removes a subscription; false when the name was not subscribed.
    @discardableResult
    public func unsubscribe(accountID: AccountID, name: String) async throws -> Bool {
        guard let name = try? MailboxName.normalize(name) else { return false }
        return try await write { db in
            try db.execute(sql: "DELETE FROM subscription WHERE account_id = ? AND name = ?",
                           arguments: [accountID, name])
            return db.changesCount > 0
        }
    }

    // MARK: Helpers inside a transaction

    /// The columns `Rows.mailbox` reads, with `subscribed` taken from the
    /// subscription table (the old `mailbox.subscribed` column is unused).
    static let mailboxSelect = """
        SELECT m.id, m.account_id, m.name, m.special_use, m.uid_validity, m.uid_next, m.highest_modseq,
            EXISTS (SELECT 1 FROM subscription s WHERE s.account_id = m.account_id AND s.name = m.name)
                AS subscribed
        FROM mailbox m
        """

    static func insertSubscription(_ db: Database, accountID: AccountID, name: String) throws {
        try db.execute(sql: "INSERT OR IGNORE INTO subscription (account_id, name) VALUES (?, ?)",
                       arguments: [accountID, name])
    }

    static func fetchMailbox(_ db: Database, id: MailboxID) throws -> Mailbox {
        guard let row = try Row.fetchOne(try db.cachedStatement(sql: mailboxSelect + " WHERE m.id = ?"), arguments: [id]) else {
            throw MailStoreError.mailboxNotFound(String(id))
        }
        return Rows.mailbox(row)
    }

    static func mailboxExists(_ db: Database, accountID: AccountID, name: String) throws -> Bool {
        try Bool.fetchOne(try db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM mailbox WHERE account_id = ? AND name = ?)"),
                          arguments: [accountID, name])!
    }

    /// Inserts a mailbox with a fresh UIDVALIDITY. Its name is not
    /// subscribed (RFC 9051 §6.3.4: CREATE does not subscribe; Dovecot
    /// neither); a name subscribed before stays so (subscriptions are by
    /// name, §6.3.7).
    static func insertMailbox(_ db: Database, accountID: AccountID, name: String,
                              specialUse: SpecialUse?) throws -> Mailbox {
        if try mailboxExists(db, accountID: accountID, name: name) {
            throw MailStoreError.mailboxExists(name)
        }
        let uidValidity = try nextUIDValidity(db)
        try db.execute(sql: """
            INSERT INTO mailbox (account_id, name, special_use, subscribed, uid_validity, uid_next, highest_modseq)
            VALUES (?, ?, ?, 1, ?, 1, 1)
            """, arguments: [accountID, name, specialUse?.rawValue, Int64(uidValidity)])
        return try fetchMailbox(db, id: db.lastInsertedRowID)
    }

    /// A UIDVALIDITY never handed out before in this store (RFC 9051
    /// §2.3.1.1): the current time in seconds, or one more than the last
    /// value when that is later, so a recreated name always gets a new one.
    static func nextUIDValidity(_ db: Database) throws -> UInt32 {
        let last = try Int64.fetchOne(try db.cachedStatement(sql: "SELECT value FROM store_meta WHERE key = 'last_uid_validity'")) ?? 0
        let now = Int64(Date().timeIntervalSince1970)
        let next = max(last + 1, now)
        guard next <= Int64(UInt32.max) else {
            throw MailStoreError.storageFailure("UIDVALIDITY values exhausted")
        }
        try db.execute(sql: """
            INSERT INTO store_meta (key, value) VALUES ('last_uid_validity', ?)
            ON CONFLICT (key) DO UPDATE SET value = excluded.value
            """, arguments: [next])
        return UInt32(next)
    }
}
