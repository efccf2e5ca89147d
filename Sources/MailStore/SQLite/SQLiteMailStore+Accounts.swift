import Foundation
import GRDB

/// Domains, accounts and aliases.
extension SQLiteMailStore {
    /// The mailboxes every new account gets (RFC 6154 special uses).
    static let defaultMailboxes: [(String, SpecialUse?)] = [
        (MailboxName.inbox, nil), ("Drafts", .drafts), ("Sent", .sent),
        ("Trash", .trash), ("Junk", .junk), ("Archive", .archive),
    ]

    // MARK: Domains

    public func addDomain(_ name: String) async throws {
        let name = name.lowercased()
        let now = Date().timeIntervalSince1970
        try await write { db in
            if try Bool.fetchOne(try db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM domain WHERE name = ?)"), arguments: [name])! {
                throw MailStoreError.domainExists(name)
            }
            try db.execute(sql: "INSERT INTO domain (name, created_at) VALUES (?, ?)", arguments: [name, now])
        }
    }

    public func removeDomain(_ name: String) async throws {
        let name = name.lowercased()
        try await write { db in
            try db.execute(sql: "DELETE FROM domain WHERE name = ?", arguments: [name])
            if db.changesCount == 0 { throw MailStoreError.domainNotFound(name) }
        }
    }

    public func domains() async throws -> [MailDomain] {
        try await read { db in
            try Row.fetchAll(try db.cachedStatement(sql: "SELECT * FROM domain ORDER BY name")).map(Rows.domain)
        }
    }

    // MARK: Accounts

    public func createAccount(address: String, passwordHash: String) async throws -> Account {
        let address = address.lowercased()
        let now = Date()
        return try await write { db in
            if try Bool.fetchOne(try db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM account WHERE address = ?)"),
                                 arguments: [address])! {
                throw MailStoreError.accountExists(address)
            }
            try db.execute(sql: "INSERT INTO account (address, password_hash, created_at) VALUES (?, ?, ?)",
                           arguments: [address, passwordHash, now.timeIntervalSince1970])
            let id = db.lastInsertedRowID
            // The mailboxes every account starts with are subscribed
            // (Dovecot's `auto = subscribe`): clients that show only
            // subscribed mailboxes see them.
            for (name, specialUse) in Self.defaultMailboxes {
                _ = try Self.insertMailbox(db, accountID: id, name: name, specialUse: specialUse)
                try Self.insertSubscription(db, accountID: id, name: name)
            }
            return Account(id: id, address: address, passwordHash: passwordHash,
                           createdAt: Date(timeIntervalSince1970: now.timeIntervalSince1970))
        }
    }

    public func account(address: String) async throws -> Account? {
        let address = address.lowercased()
        return try quickRead { db in
            try Row.fetchOne(try db.cachedStatement(sql: "SELECT * FROM account WHERE address = ?"), arguments: [address]).map(Rows.account)
        }
    }

    public func account(id: AccountID) async throws -> Account? {
        try quickRead { db in
            try Row.fetchOne(try db.cachedStatement(sql: "SELECT * FROM account WHERE id = ?"), arguments: [id]).map(Rows.account)
        }
    }

    public func accounts() async throws -> [Account] {
        try await read { db in
            try Row.fetchAll(try db.cachedStatement(sql: "SELECT * FROM account ORDER BY address")).map(Rows.account)
        }
    }

    public func setPasswordHash(accountID: AccountID, passwordHash: String) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE account SET password_hash = ? WHERE id = ?", arguments: [passwordHash, accountID])
            if db.changesCount == 0 { throw MailStoreError.accountNotFound(String(accountID)) }
        }
    }

    public func deleteAccount(id: AccountID) async throws {
        let (mailboxIDs, files) = try await write { db in
            let mailboxIDs = try MailboxID.fetchAll(try db.cachedStatement(sql: "SELECT id FROM mailbox WHERE account_id = ?"),
                                                    arguments: [id])
            let files = try String.fetchAll(try db.cachedStatement(sql: """
                SELECT DISTINCT body_file FROM message
                WHERE mailbox_id IN (SELECT id FROM mailbox WHERE account_id = ?)
                """), arguments: [id])
            try db.execute(sql: "DELETE FROM account WHERE id = ?", arguments: [id])
            if db.changesCount == 0 { throw MailStoreError.accountNotFound(String(id)) }
            // Also done by ON DELETE CASCADE; explicit so it never depends on it.
            try db.execute(sql: "DELETE FROM subscription WHERE account_id = ?", arguments: [id])
            return (mailboxIDs, try Self.unreferenced(files, db))
        }
        await removeBodyFiles(files)
        notifier.notify(Dictionary(uniqueKeysWithValues: mailboxIDs.map { ($0, ModSeq.max) }))
    }

    public func setAccountDisabled(accountID: AccountID, _ disabled: Bool) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE account SET disabled = ? WHERE id = ?", arguments: [disabled, accountID])
            if db.changesCount == 0 { throw MailStoreError.accountNotFound(String(accountID)) }
        }
    }

    public func renameAccount(id: AccountID, to newAddress: String) async throws -> Account {
        let newAddress = newAddress.lowercased()
        let domain = newAddress.split(separator: "@", omittingEmptySubsequences: false).last.map(String.init) ?? ""
        return try await write { db in
            guard let row = try Row.fetchOne(try db.cachedStatement(sql: "SELECT * FROM account WHERE id = ?"), arguments: [id]) else {
                throw MailStoreError.accountNotFound(String(id))
            }
            var account = Rows.account(row)
            if try Bool.fetchOne(try db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM account WHERE address = ?)"),
                                 arguments: [newAddress])! {
                throw MailStoreError.accountExists(newAddress)
            }
            guard try Bool.fetchOne(try db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM domain WHERE name = ?)"),
                                    arguments: [domain])! else {
                throw MailStoreError.domainNotFound(domain)
            }
            try db.execute(sql: "UPDATE account SET address = ? WHERE id = ?", arguments: [newAddress, id])
            for alias in try Row.fetchAll(try db.cachedStatement(sql: "SELECT * FROM alias")).map(Rows.alias) {
                let renamed = Self.replacing(account.address, with: newAddress, in: alias.destinations)
                guard renamed != alias.destinations else { continue }
                try db.execute(sql: "UPDATE alias SET destinations = ? WHERE source = ?",
                               arguments: [Rows.encodeStrings(renamed), alias.source])
            }
            account.address = newAddress
            return account
        }
    }

    /// `destinations` with `old` (any case) replaced by `new`, each address once.
    static func replacing(_ old: String, with new: String, in destinations: [String]) -> [String] {
        var result: [String] = []
        for destination in destinations {
            let replaced = destination.lowercased() == old ? new : destination
            if !result.contains(where: { $0.lowercased() == replaced.lowercased() }) { result.append(replaced) }
        }
        return result
    }

    // MARK: Aliases

    public func addAlias(_ alias: Alias) async throws {
        let source = alias.source.lowercased()
        let destinations = Rows.encodeStrings(alias.destinations)
        try await write { db in
            if try Bool.fetchOne(try db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM alias WHERE source = ?)"), arguments: [source])! {
                throw MailStoreError.aliasExists(source)
            }
            try db.execute(sql: "INSERT INTO alias (source, destinations) VALUES (?, ?)",
                           arguments: [source, destinations])
        }
    }

    public func removeAlias(source: String) async throws {
        let source = source.lowercased()
        try await write { db in
            try db.execute(sql: "DELETE FROM alias WHERE source = ?", arguments: [source])
            if db.changesCount == 0 { throw MailStoreError.aliasNotFound(source) }
        }
    }

    public func aliases() async throws -> [Alias] {
        try await read { db in
            try Row.fetchAll(try db.cachedStatement(sql: "SELECT * FROM alias ORDER BY source")).map(Rows.alias)
        }
    }
}
