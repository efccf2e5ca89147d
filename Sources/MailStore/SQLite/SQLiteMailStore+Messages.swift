import Foundation
import GRDB
import MailCore

/// Messages: append, read, flags, expunge, copy and move. Every change
/// takes the mailbox's next MODSEQ and writes its change-log row in the same
/// transaction (RFC 7162 §3.1).
extension SQLiteMailStore {
    public func appendMessage(mailboxID: MailboxID, _ message: NewMessage) async throws -> MessageRecord {
        let records = try await appendMessages(mailboxID: mailboxID, [message])
        guard let record = records.first else { throw MailStoreError.storageFailure("append stored nothing") }
        return record
    }

    public func messages(mailboxID: MailboxID) async throws -> [MessageRecord] {
        try await read { db in
            _ = try Self.fetchMailbox(db, id: mailboxID)
            let statement = try db.cachedStatement(
                sql: "SELECT \(Rows.messageColumns) FROM message WHERE mailbox_id = ? ORDER BY uid")
            // Decoded straight from the cursor: no intermediate copy of the rows.
            let decoder = JSONDecoder()
            return try Array(Row.fetchCursor(statement, arguments: [mailboxID]).map { Rows.message($0, decoder: decoder) })
        }
    }

    public func message(mailboxID: MailboxID, uid: MessageUID) async throws -> MessageRecord? {
        try quickRead { db in
            let statement = try db.cachedStatement(
                sql: "SELECT \(Rows.messageColumns) FROM message WHERE mailbox_id = ? AND uid = ?")
            return try Row.fetchOne(statement, arguments: [mailboxID, Int64(uid)]).map {
                Rows.message($0, decoder: JSONDecoder())
            }
        }
    }

    public func messageBody(mailboxID: MailboxID, uid: MessageUID) async throws -> [UInt8] {
        let found = try quickRead { db in
            try Row.fetchOne(
                try db.cachedStatement(sql: "SELECT body_file, size FROM message WHERE mailbox_id = ? AND uid = ?"),
                arguments: [mailboxID, Int64(uid)]).map { row -> (String, Int) in (row[0], row[1]) }
        }
        guard let (fileName, size) = found else { throw MailStoreError.messageNotFound(uid) }
        let bodies = self.bodies
        do {
            // A small body is read here (see `BodyFileStore.inlineReadLimit`).
            if size <= BodyFileStore.inlineReadLimit { return try bodies.read(fileName) }
            return try await BlockingIO.run { try bodies.read(fileName) }
        } catch {
            // Expunged (and its file removed) between the two reads.
            if try await message(mailboxID: mailboxID, uid: uid) == nil {
                throw MailStoreError.messageNotFound(uid)
            }
            throw MailStoreError.storageFailure("cannot read body of UID \(uid): \(error)")
        }
    }

    /// One query for every body file, then every `pread(2)` in one trip to
    /// the file I/O threads (or, for a few small ranges, here).
    public func messageBodies(mailboxID: MailboxID, ranges: [BodyRange]) async throws -> [[UInt8]?] {
        guard !ranges.isEmpty else {
            _ = try await read { db in try Self.fetchMailbox(db, id: mailboxID) }
            return []
        }
        let files = try await read(rows: ranges.count) { db in
            _ = try Self.fetchMailbox(db, id: mailboxID)
            let rows = try Self.fetchMessageRows(db, mailboxID: mailboxID, uids: ranges.map(\.uid),
                                                 columns: "uid, body_file") { row -> (MessageUID, String) in
                let uid: Int64 = row[0]
                return (MessageUID(truncatingIfNeeded: uid), row[1])
            }
            return Dictionary(rows, uniquingKeysWith: { first, _ in first })
        }
        let bodies = self.bodies
        let readAll = { @Sendable () -> [Result<[UInt8], any Error>?] in
            ranges.map { range in
                guard let file = files[range.uid] else { return nil }
                return Result { try bodies.read(file, offset: range.offset, count: range.length) }
            }
        }
        // A few small ranges are read here (`BodyFileStore.inlineReadLimit`).
        let small = ranges.count <= 16
            && ranges.reduce(0) { $0 + min(max(0, $1.length), BodyFileStore.inlineReadLimit + 1) }
                <= BodyFileStore.inlineReadLimit
        let results = small ? readAll() : try await BlockingIO.run(readAll)
        var values: [[UInt8]?] = []
        values.reserveCapacity(ranges.count)
        for (range, result) in zip(ranges, results) {
            switch result {
            case nil: values.append(nil)
            case .success(let bytes)?: values.append(bytes)
            case .failure(let error)?:
                // Expunged (and its file removed) between the two reads.
                guard try await message(mailboxID: mailboxID, uid: range.uid) != nil else {
                    values.append(nil)
                    continue
                }
                throw MailStoreError.storageFailure("cannot read body of UID \(range.uid): \(error)")
            }
        }
        return values
    }

    public func messageBody(mailboxID: MailboxID, uid: MessageUID, offset: Int, length: Int) async throws
        -> [UInt8] {
        let fileName = try quickRead { db in
            try String.fetchOne(try db.cachedStatement(sql: "SELECT body_file FROM message WHERE mailbox_id = ? AND uid = ?"),
                                arguments: [mailboxID, Int64(uid)])
        }
        guard let fileName else { throw MailStoreError.messageNotFound(uid) }
        do {
            return try await blobs.get(fileName, offset: offset, length: length)
        } catch {
            if try await message(mailboxID: mailboxID, uid: uid) == nil {
                throw MailStoreError.messageNotFound(uid)
            }
            throw MailStoreError.storageFailure("cannot read body of UID \(uid): \(error)")
        }
    }

    /// One transaction: the rows are read with a few `uid IN (…)` queries;
    /// a row whose MODSEQ is over `unchangedSince` is refused (RFC 7162
    /// §3.1.3: compared with the stored MODSEQ, inside the transaction that
    /// writes, so a change committed just before is reported, never
    /// overwritten); each message whose flags or keywords really change
    /// takes the next MODSEQ (in UID order) and a `flags` change-log row.
    /// Unchanged messages keep their MODSEQ and are not returned.
    public func updateFlags(mailboxID: MailboxID, uids: [MessageUID], operation: FlagOperation,
                            flags: MessageFlags, keywords: [String], unchangedSince: ModSeq?) async throws
        -> FlagUpdateResult {
        let result = try await write { db in
            var mailbox = try Self.fetchMailbox(db, id: mailboxID)
            let decoder = JSONDecoder()
            // Structures are decoded only for the records that change (those returned).
            let rows = try Self.fetchMessageRows(db, mailboxID: mailboxID, uids: uids,
                                                 columns: Rows.messageColumns) { row -> (MessageRecord, Data) in
                (Rows.messageWithoutStructure(row), row[8])
            }
            var changed: [MessageRecord] = []
            var modified: [MessageUID] = []
            // A bulk STORE gives most messages the same keyword list: encode each list once.
            var encodedKeywords: [[String]: String] = [:]
            for (row, structure) in rows {
                var record = row
                if let unchangedSince, record.modSeq > unchangedSince {
                    modified.append(record.uid)
                    continue
                }
                let (newFlags, newKeywords) = Self.apply(operation, flags: flags, keywords: keywords,
                                                         to: record.flags, record.keywords)
                if newFlags == record.flags && newKeywords == record.keywords { continue }
                mailbox.highestModSeq += 1
                record.flags = newFlags
                record.keywords = newKeywords
                record.modSeq = mailbox.highestModSeq
                record.parsedStructure = try? decoder.decode(ParsedMessage.self, from: structure)
                let encoded = encodedKeywords[newKeywords] ?? Rows.encodeStrings(newKeywords)
                encodedKeywords[newKeywords] = encoded
                try Self.saveFlags(db, record, encodedKeywords: encoded)
                changed.append(record)
            }
            if !changed.isEmpty { try Self.saveHighestModSeq(db, mailbox) }
            return FlagUpdateResult(changed: changed, modified: modified)
        }
        if let last = result.changed.last { notifier.notify([mailboxID: last.modSeq]) }
        return result
    }

    public func expunge(mailboxID: MailboxID, uids: [MessageUID]) async throws -> [MessageUID] {
        let (removed, files, modSeq) = try await write { db in
            var mailbox = try Self.fetchMailbox(db, id: mailboxID)
            let (removed, files) = try Self.expungeRows(db, mailbox: &mailbox, uids: uids)
            try Self.saveHighestModSeq(db, mailbox)
            return (removed, try Self.unreferenced(files, db), mailbox.highestModSeq)
        }
        await removeBodyFiles(files)
        if !removed.isEmpty { notifier.notify([mailboxID: modSeq]) }
        return removed
    }

    /// One transaction: the `\Deleted` rows are found and removed by the
    /// same writer, so the flag is the one at commit time.
    public func expungeDeleted(mailboxID: MailboxID, uids: [MessageUID]?) async throws -> [MessageUID] {
        let (removed, files, modSeq) = try await write { db in
            var mailbox = try Self.fetchMailbox(db, id: mailboxID)
            let deleted = MessageFlags.deleted.rawValue
            let targets: [MessageUID]
            if let uids {
                targets = try Self.fetchMessageRows(db, mailboxID: mailboxID, uids: uids, columns: "uid, flags") { row in
                    let uid: Int64 = row[0]
                    let flags: Int = row[1]
                    return (MessageUID(truncatingIfNeeded: uid), flags)
                }.filter { $0.1 & deleted != 0 }.map(\.0)
            } else {
                targets = try Int64.fetchAll(try db.cachedStatement(sql: """
                    SELECT uid FROM message WHERE mailbox_id = ? AND (flags & ?) != 0 ORDER BY uid
                    """), arguments: [mailboxID, deleted]).map { MessageUID(truncatingIfNeeded: $0) }
            }
            guard !targets.isEmpty else { return ([MessageUID](), [String](), mailbox.highestModSeq) }
            let (removed, files) = try Self.expungeRows(db, mailbox: &mailbox, uids: targets)
            try Self.saveHighestModSeq(db, mailbox)
            return (removed, try Self.unreferenced(files, db), mailbox.highestModSeq)
        }
        await removeBodyFiles(files)
        if !removed.isEmpty { notifier.notify([mailboxID: modSeq]) }
        return removed
    }

    public func copyMessages(from source: MailboxID, uids: [MessageUID], to destination: MailboxID) async throws
        -> [(MessageUID, MessageUID)] {
        let result = try await write { db in
            let sourceBox = try Self.fetchMailbox(db, id: source)
            var target = try Self.fetchMailbox(db, id: destination)
            guard target.accountID == sourceBox.accountID else {
                throw MailStoreError.mailboxNotFound(String(destination))
            }
            let pairs = try Self.copyRows(db, from: source, uids: uids, to: &target)
            try Self.saveHighestModSeq(db, target)
            try Self.enforceQuota(db, accounts: [target.accountID])
            return CopyResult(pairs: pairs, changes: [destination: target.highestModSeq])
        }
        if !result.pairs.isEmpty { notifier.notify(result.changes) }
        return result.pairs.map { ($0.source, $0.copy) }
    }

    public func moveMessages(from source: MailboxID, uids: [MessageUID], to destination: MailboxID) async throws
        -> [(MessageUID, MessageUID)] {
        let result = try await write { db in
            let sourceBox = try Self.fetchMailbox(db, id: source)
            let target = try Self.fetchMailbox(db, id: destination)
            return try Self.moveRows(db, from: sourceBox, uids: uids, to: target)
        }
        if !result.pairs.isEmpty { notifier.notify(result.changes) }
        return result.pairs.map { ($0.source, $0.copy) }
    }

    public func containsMessage(mailboxID: MailboxID, contentHash: String) async throws -> Bool {
        try quickRead { db in
            try Bool.fetchOne(try db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM message WHERE mailbox_id = ? AND content_hash = ?)"),
                              arguments: [mailboxID, contentHash.lowercased()])!
        }
    }

    public func changes(mailboxID: MailboxID, after modSeq: ModSeq) async throws -> [MailboxChange] {
        try quickRead { db in
            try Row.fetchAll(try db.cachedStatement(sql: "SELECT modseq, uid, kind FROM change_log WHERE mailbox_id = ? AND modseq > ? ORDER BY modseq"),
                             arguments: [mailboxID, modSeq]).map(Rows.change)
        }
    }

    // MARK: Helpers

    /// `prepare`'s result.
    typealias PreparedMessage = (parsed: ParsedMessage, structure: Data, internalDate: Date, hash: String,
                                 derived: Rows.DerivedColumns)

    /// What storing a message needs besides its bytes: the structure parsed
    /// once (and its stored form, JSON), the internal date in whole seconds (IMAP's
    /// INTERNALDATE, RFC 9051 §2.3.3) and the content hash.
    static func prepare(_ message: NewMessage) throws
        -> PreparedMessage {
        try prepare(body: message.body, internalDate: message.internalDate, hash: nil)
    }

    /// `prepare` of a stored body file (a spool just adopted), read whole —
    /// the MIME parser works on bytes in memory — within `parseBudget`, so
    /// concurrent big deliveries take turns instead of all being in memory.
    func prepareStored(_ fileName: String, size: Int, internalDate: Date, hash: String?) async throws
        -> PreparedMessage {
        try await parseBudget.withOctets(size) {
            let body = try await self.blobs.get(fileName)
            // Parsing a big message takes a while: not on a connection's thread.
            return try await BlockingIO.run { try Self.prepare(body: body, internalDate: internalDate, hash: hash) }
        }
    }

    /// `prepare` of a body whose hash may be known already (a spool's).
    static func prepare(body: [UInt8], internalDate date: Date, hash known: String?) throws
        -> PreparedMessage {
        let parsed = ParsedMessage.parse(body)
        let structure: Data
        do {
            structure = try JSONEncoder().encode(parsed)
        } catch {
            throw MailStoreError.storageFailure("cannot encode parsed structure: \(error)")
        }
        let internalDate = Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))
        let hash = known ?? MessageContentHash.of(body)
        return (parsed, structure, internalDate, hash, Rows.DerivedColumns(parsed, body: body, internalDate: internalDate))
    }

    /// Deletes body files whose metadata transaction failed, unless a row
    /// references them after all (then the commit did happen); when that
    /// cannot be checked the files stay for the orphan sweep.
    func discardUncommittedBodies(_ fileNames: [String]) async {
        guard !fileNames.isEmpty else { return }
        let pool = self.pool
        let bodies = self.bodies
        _ = try? await BlockingIO.run {
            let unreferenced = try pool.read { db in
                try fileNames.filter { name in
                    try !Bool.fetchOne(try db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM message WHERE body_file = ?)"),
                                       arguments: [name])!
                }
            }
            bodies.remove(unreferenced)
        }
    }

    /// The new flags and keywords of a STORE (RFC 9051 §6.4.6); keywords
    /// compare case-insensitively and keep their first spelling.
    static func apply(_ operation: FlagOperation, flags: MessageFlags, keywords: [String],
                      to oldFlags: MessageFlags, _ oldKeywords: [String]) -> (MessageFlags, [String]) {
        switch operation {
        case .replace:
            return (flags, uniqueKeywords(keywords))
        case .add:
            return (oldFlags.union(flags), uniqueKeywords(oldKeywords + keywords))
        case .remove:
            let removed = Set(keywords.map { $0.lowercased() })
            return (oldFlags.subtracting(flags), oldKeywords.filter { !removed.contains($0.lowercased()) })
        }
    }

    static func uniqueKeywords(_ keywords: [String]) -> [String] {
        var seen = Set<String>()
        return keywords.filter { !$0.isEmpty && seen.insert($0.lowercased()).inserted }
    }
}
