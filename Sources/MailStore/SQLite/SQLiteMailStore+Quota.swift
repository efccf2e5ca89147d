import Foundation
import GRDB
import MailCore

/// Quotas (v10 migration; `Quota.swift`). Usage is the sum of the mailbox
/// counters the v6 triggers keep, so a check costs a few indexed rows, not
/// a scan of messages. `enforceQuota` runs at the end of every write that
/// adds messages (append, delivery, copy), inside its transaction: a
/// write that ends over a limit throws, and the transaction rolls back.
extension SQLiteMailStore {
    public func quota(accountID: AccountID) async throws -> AccountQuota {
        try quickRead { db in try Self.accountQuota(db, accountID: accountID) }
    }

    public func quotas() async throws -> [AccountQuota] {
        try await read { db in
            let ids = try AccountID.fetchAll(db, sql: "SELECT id FROM account ORDER BY address")
            var domains: [String: DomainQuota?] = [:]
            return try ids.map { try Self.accountQuota(db, accountID: $0, domains: &domains) }
        }
    }

    public func setQuota(accountID: AccountID, _ setting: AccountQuota.Setting) async throws {
        try await write { db in
            let custom: Bool
            let limits: QuotaLimits
            switch setting {
            case .default: (custom, limits) = (false, .unlimited)
            case .custom(let own): (custom, limits) = (true, own)
            }
            try db.execute(sql: "UPDATE account SET quota_custom = ?, quota_storage = ?, quota_messages = ? WHERE id = ?",
                           arguments: [custom, limits.storage, limits.messages, accountID])
            guard db.changesCount == 1 else { throw MailStoreError.accountNotFound(String(accountID)) }
        }
    }

    public func setDefaultQuota(_ limits: QuotaLimits) async throws {
        try await write { db in
            for (key, value) in [("default_quota_storage", limits.storage), ("default_quota_messages", limits.messages)] {
                if let value {
                    try db.execute(sql: "INSERT INTO store_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                                   arguments: [key, value])
                } else {
                    try db.execute(sql: "DELETE FROM store_meta WHERE key = ?", arguments: [key])
                }
            }
        }
    }

    public func defaultQuota() async throws -> QuotaLimits {
        try quickRead { db in try Self.defaultQuota(db) }
    }

    public func setDomainQuota(domain: String, _ limits: QuotaLimits) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE domain SET quota_storage = ?, quota_messages = ? WHERE name = ?",
                           arguments: [limits.storage, limits.messages, domain.lowercased()])
            guard db.changesCount == 1 else { throw MailStoreError.domainNotFound(domain) }
        }
    }

    public func deletedStorage(mailboxID: MailboxID) async throws -> Int64 {
        try await read { db in
            _ = try Self.fetchMailbox(db, id: mailboxID)
            return try Int64.fetchOne(try db.cachedStatement(sql: """
                SELECT COALESCE(SUM(size), 0) FROM message WHERE mailbox_id = ? AND (flags & 8) != 0
                """), arguments: [mailboxID]) ?? 0
        }
    }

    // MARK: Inside transactions

    /// Throws `overQuota` when one of `accounts` (or its domain) holds more
    /// than a limit allows. Usage equal to a limit is allowed.
    static func enforceQuota(_ db: Database, accounts: some Sequence<AccountID>) throws {
        var domains: [String: DomainQuota?] = [:]
        for accountID in Set(accounts) {
            let quota = try accountQuota(db, accountID: accountID, domains: &domains)
            if let exceeded = exceeded(quota.limits, quota.usage, root: .account(quota.address)) {
                throw MailStoreError.overQuota(exceeded)
            }
            if let domain = quota.domain, let exceeded = exceeded(domain.limits, domain.usage, root: .domain(domain.name)) {
                throw MailStoreError.overQuota(exceeded)
            }
        }
    }

    private static func exceeded(_ limits: QuotaLimits, _ usage: QuotaUsage, root: QuotaExceeded.Root) -> QuotaExceeded? {
        if let storage = limits.storage, usage.storage > storage {
            return QuotaExceeded(root: root, resource: .storage, limit: storage)
        }
        if let messages = limits.messages, usage.messages > messages {
            return QuotaExceeded(root: root, resource: .messages, limit: messages)
        }
        return nil
    }

    static func defaultQuota(_ db: Database) throws -> QuotaLimits {
        let rows = try Row.fetchAll(try db.cachedStatement(sql: """
            SELECT key, value FROM store_meta WHERE key IN ('default_quota_storage', 'default_quota_messages')
            """))
        var limits = QuotaLimits.unlimited
        for row in rows {
            let key: String = row[0]
            let value: Int64 = row[1]
            if key == "default_quota_storage" { limits.storage = value } else { limits.messages = value }
        }
        return limits
    }

    static func accountQuota(_ db: Database, accountID: AccountID) throws -> AccountQuota {
        var domains: [String: DomainQuota?] = [:]
        return try accountQuota(db, accountID: accountID, domains: &domains)
    }

    /// `domains` remembers the domain quotas read so far in this call.
    static func accountQuota(_ db: Database, accountID: AccountID, domains: inout [String: DomainQuota?]) throws
        -> AccountQuota {
        guard let row = try Row.fetchOne(try db.cachedStatement(sql: """
            SELECT address, quota_custom, quota_storage, quota_messages,
                   (SELECT COALESCE(SUM(total_size), 0) FROM mailbox WHERE account_id = account.id),
                   (SELECT COALESCE(SUM(message_count), 0) FROM mailbox WHERE account_id = account.id)
            FROM account WHERE id = ?
            """), arguments: [accountID]) else {
            throw MailStoreError.accountNotFound(String(accountID))
        }
        let address: String = row[0]
        let custom: Bool = row[1]
        let own = QuotaLimits(storage: row[2], messages: row[3])
        let limits = custom ? own : try defaultQuota(db)
        let usage = QuotaUsage(storage: row[4], messages: row[5])
        let domainName = address.split(separator: "@").last.map { String($0).lowercased() } ?? ""
        if domains[domainName] == nil { domains[domainName] = .some(try domainQuota(db, name: domainName)) }
        return AccountQuota(accountID: accountID, address: address, setting: custom ? .custom(own) : .default,
                            limits: limits, usage: usage, domain: domains[domainName] ?? nil)
    }

    /// The domain's shared quota with its usage, nil when it has no limits.
    static func domainQuota(_ db: Database, name: String) throws -> DomainQuota? {
        guard let row = try Row.fetchOne(try db.cachedStatement(sql: "SELECT quota_storage, quota_messages FROM domain WHERE name = ?"),
                                         arguments: [name]) else { return nil }
        let limits = QuotaLimits(storage: row[0], messages: row[1])
        guard !limits.isUnlimited else { return nil }
        let pattern = "%@" + name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_")
        let usage = try Row.fetchOne(try db.cachedStatement(sql: """
            SELECT COALESCE(SUM(m.total_size), 0), COALESCE(SUM(m.message_count), 0)
            FROM mailbox m JOIN account a ON a.id = m.account_id WHERE a.address LIKE ? ESCAPE '\\'
            """), arguments: [pattern])
        return DomainQuota(name: name, limits: limits, usage: QuotaUsage(storage: usage?[0] ?? 0, messages: usage?[1] ?? 0))
    }
}
