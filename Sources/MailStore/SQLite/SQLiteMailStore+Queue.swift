import Foundation
import GRDB

/// The outbound queue (DESIGN "Rules that keep mail safe" apply as for
/// messages): the body file is fsynced before the transaction that inserts
/// the message row and one row per recipient commits; a crash in between
/// leaves only an unreferenced file for the start-up orphan sweep.
extension SQLiteMailStore {
    public func enqueueOutbound(_ draft: OutboundMessageDraft) async throws -> QueuedMessage {
        try checkOpen()
        let recipients = try Self.queueRecipients(draft)
        let body = draft.body
        if let maximumMessageSize, body.count > maximumMessageSize {
            throw MailStoreError.messageTooLarge(body.count)
        }
        let bodies = self.bodies
        // 1. The body, durable.
        let fileName = try await BlockingIO.run { try bodies.writeDurably(body) }
        // 2. Only then the metadata transaction.
        return try await commitQueued(draft, recipients, size: body.count, fileName: fileName)
    }

    /// `enqueueOutbound` with the body in a spool file, adopted as the
    /// queued message's blob (no copy); `draft.body` is not used.
    public func enqueueOutbound(_ draft: OutboundMessageDraft, spooled spool: SpoolFile) async throws
        -> QueuedMessage {
        try checkOpen()
        let recipients = try Self.queueRecipients(draft)
        try checkSize(spool.size)
        let fileName = try await putSpool(spool)
        return try await commitQueued(draft, recipients, size: spool.size, fileName: fileName)
    }

    /// The draft's recipients, each once, after the envelope checks
    /// (`QueueError.noRecipients`, `.invalidEnvelope`).
    static func queueRecipients(_ draft: OutboundMessageDraft) throws -> [OutboundMessageDraft.Recipient] {
        var seen = Set<String>()
        let recipients = draft.recipients.filter { seen.insert($0.address).inserted }
        guard !recipients.isEmpty else { throw QueueError.noRecipients }
        try validateEnvelope(draft, recipients)
        return recipients
    }

    /// The metadata transaction of a queued message whose body file is
    /// durable; on failure the file is removed.
    private func commitQueued(_ draft: OutboundMessageDraft, _ recipients: [OutboundMessageDraft.Recipient],
                              size: Int, fileName: String) async throws -> QueuedMessage {
        let now = Self.queueTime(Date())
        do {
            return try await groupWrite { db in
                try Self.insertQueued(db, draft, recipients, size: size, fileName: fileName, now: now)
            }
        } catch {
            await discardUnreferencedFiles([fileName])
            throw error
        }
    }

    /// The rows of one queued message (the message and one per recipient,
    /// each due `now`) referencing its durable body file; inside the
    /// caller's transaction.
    static func insertQueued(_ db: Database, _ draft: OutboundMessageDraft,
                             _ recipients: [OutboundMessageDraft.Recipient], size: Int, fileName: String,
                             now: Date) throws -> QueuedMessage {
        var id = QueueRows.newQueueID()
        while try QueueRows.exists(db, id: id) { id = QueueRows.newQueueID() }
        try db.execute(sql: """
            INSERT INTO outbound_message (id, sender, created_at, size, body_file, ret, envelope_id,
                                          authenticated_user, smtp_utf8, body_type)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [
                id, draft.sender, now.timeIntervalSince1970, size, fileName, draft.ret?.rawValue,
                draft.envelopeID, draft.authenticatedUser, draft.smtpUTF8, draft.bodyType.rawValue,
            ])
        var queued: [QueuedRecipient] = []
        for (position, recipient) in recipients.enumerated() {
            try db.execute(sql: """
                INSERT INTO outbound_recipient (message_id, position, address, orcpt_type, orcpt_address,
                                                notify, state, attempts, next_attempt_at)
                VALUES (?, ?, ?, ?, ?, ?, 'queued', 0, ?)
                """, arguments: [
                    id, position, recipient.address, recipient.originalRecipient?.addressType,
                    recipient.originalRecipient?.address, recipient.notify?.rawValue,
                    now.timeIntervalSince1970,
                ])
            queued.append(QueuedRecipient(address: recipient.address,
                                          originalRecipient: recipient.originalRecipient,
                                          notify: recipient.notify, nextAttemptAt: now))
        }
        return QueuedMessage(id: id, sender: draft.sender, createdAt: now, size: size, ret: draft.ret,
                             envelopeID: draft.envelopeID, authenticatedUser: draft.authenticatedUser,
                             smtpUTF8: draft.smtpUTF8, bodyType: draft.bodyType, recipients: queued)
    }

    public func queuedMessages() async throws -> [QueuedMessage] {
        try await read { db in
            let messages = try Row.fetchAll(db, sql: """
                SELECT \(QueueRows.messageColumns) FROM outbound_message ORDER BY created_at, id
                """).map(QueueRows.message)
            // All recipients in one query rather than one per message.
            var recipients: [String: [QueuedRecipient]] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT \(QueueRows.recipientColumns) FROM outbound_recipient ORDER BY message_id, position
                """) {
                recipients[row["message_id"], default: []].append(QueueRows.recipient(row))
            }
            return messages.map { message in
                var message = message
                message.recipients = recipients[message.id] ?? []
                return message
            }
        }
    }

    public func queuedMessage(id: String) async throws -> QueuedMessage? {
        try await read { db in try QueueRows.fetchMessage(db, id: id) }
    }

    public func queuedMessageBody(id: String) async throws -> [UInt8] {
        let fileName = try await read { db in
            try String.fetchOne(db, sql: "SELECT body_file FROM outbound_message WHERE id = ?", arguments: [id])
        }
        guard let fileName else { throw QueueError.messageNotFound(id) }
        let bodies = self.bodies
        do {
            return try await BlockingIO.run { try bodies.read(fileName) }
        } catch {
            // Deleted (and its file removed) between the two reads.
            if try await queuedMessage(id: id) == nil { throw QueueError.messageNotFound(id) }
            throw MailStoreError.storageFailure("cannot read body of queued message \(id): \(error)")
        }
    }

    public func dueRecipients(now: Date, limit: Int) async throws -> [(QueuedMessage, [QueuedRecipient])] {
        guard limit > 0 else { return [] }
        let due = try await read { db in
            let ids = try String.fetchAll(db, sql: """
                SELECT message_id FROM outbound_recipient
                WHERE state = 'queued' AND next_attempt_at <= ?
                GROUP BY message_id ORDER BY MIN(next_attempt_at), message_id LIMIT ?
                """, arguments: [now.timeIntervalSince1970, limit])
            return try ids.compactMap { id -> DueMessage? in
                guard let message = try QueueRows.fetchMessage(db, id: id) else { return nil }
                // The same comparison as the query's, on the stored numbers.
                let recipients = message.recipients.filter {
                    $0.state == .queued && $0.nextAttemptAt.timeIntervalSince1970 <= now.timeIntervalSince1970
                }
                return recipients.isEmpty ? nil : DueMessage(message: message, recipients: recipients)
            }
        }
        return due.map { ($0.message, $0.recipients) }
    }

    public func claimRecipients(queueID: String, addresses: [String], now: Date) async throws -> [String] {
        var seen = Set<String>()
        let wanted = addresses.filter { seen.insert($0).inserted }
        let due = now.timeIntervalSince1970
        let claimedAt = Self.queueTime(Date()).timeIntervalSince1970
        return try await groupWrite { db in
            guard try QueueRows.exists(db, id: queueID) else { throw QueueError.messageNotFound(queueID) }
            // The state test in the WHERE clause is the claim: SQLite runs
            // one writer at a time, so a second claimer finds `delivering`.
            let claim = try db.cachedStatement(sql: """
                UPDATE outbound_recipient SET state = 'delivering', claimed_at = ?
                WHERE message_id = ? AND address = ? AND state = 'queued' AND next_attempt_at <= ?
                """)
            var claimed: [String] = []
            for address in wanted {
                try claim.execute(arguments: [claimedAt, queueID, address, due])
                if db.changesCount > 0 { claimed.append(address) }
            }
            return claimed
        }
    }

    public func updateRecipient(queueID: String, address: String, state: QueuedRecipientState, lastError: String?,
                                nextAttemptAt: Date?) async throws {
        let now = Self.queueTime(Date()).timeIntervalSince1970
        let update = RecipientUpdate(address: address, state: state, lastError: lastError,
                                     nextAttemptAt: nextAttemptAt)
        try await groupWrite { db in
            if try !Self.apply(update, queueID: queueID, now: now, db) {
                guard try QueueRows.exists(db, id: queueID) else { throw QueueError.messageNotFound(queueID) }
                if try Self.recipientExists(db, queueID: queueID, address: address) {
                    throw QueueError.recipientFinished(queueID: queueID, address: address)
                }
                throw QueueError.recipientNotFound(queueID: queueID, address: address)
            }
        }
    }

    public func updateRecipients(queueID: String, _ updates: [RecipientUpdate]) async throws {
        guard !updates.isEmpty else { return }
        let now = Self.queueTime(Date()).timeIntervalSince1970
        let firstFinished = try await groupWrite { db -> String? in
            guard try QueueRows.exists(db, id: queueID) else { throw QueueError.messageNotFound(queueID) }
            var firstFinished: String?
            for update in updates where try !Self.apply(update, queueID: queueID, now: now, db) {
                // Thrown inside the transaction: nothing of the batch is kept.
                guard try Self.recipientExists(db, queueID: queueID, address: update.address) else {
                    throw QueueError.recipientNotFound(queueID: queueID, address: update.address)
                }
                firstFinished = firstFinished ?? update.address
            }
            return firstFinished
        }
        if let firstFinished { throw QueueError.recipientFinished(queueID: queueID, address: firstFinished) }
    }

    /// Applies one update unless the recipient is final or unknown; returns
    /// whether a row changed. Any state but `delivering` ends an attempt;
    /// every update ends a claim.
    private static func apply(_ update: RecipientUpdate, queueID: String, now: Double, _ db: Database) throws -> Bool {
        let attemptEnded = update.state != .delivering
        let statement = try db.cachedStatement(sql: """
            UPDATE outbound_recipient
            SET state = ?, attempts = attempts + ?,
                last_attempt_at = CASE WHEN ? THEN ? ELSE last_attempt_at END,
                last_error = COALESCE(?, last_error), next_attempt_at = COALESCE(?, next_attempt_at),
                delay_notice_sent = (delay_notice_sent OR ?), claimed_at = NULL
            WHERE message_id = ? AND address = ? AND state IN ('queued', 'delivering')
            """)
        try statement.execute(arguments: [
            update.state.rawValue, attemptEnded ? 1 : 0, attemptEnded, now, update.lastError.map(boundedError),
            update.nextAttemptAt.map(queueTime)?.timeIntervalSince1970, update.delayNoticeSent, queueID,
            update.address,
        ])
        return db.changesCount > 0
    }

    private static func recipientExists(_ db: Database, queueID: String, address: String) throws -> Bool {
        try Bool.fetchOne(db, sql: """
            SELECT EXISTS (SELECT 1 FROM outbound_recipient WHERE message_id = ? AND address = ?)
            """, arguments: [queueID, address])!
    }

    public func retryNow(queueID: String) async throws {
        let now = Self.queueTime(Date()).timeIntervalSince1970
        try await write { db in
            guard try QueueRows.exists(db, id: queueID) else { throw QueueError.messageNotFound(queueID) }
            try db.execute(sql: """
                UPDATE outbound_recipient SET next_attempt_at = ? WHERE message_id = ? AND state = 'queued'
                """, arguments: [now, queueID])
        }
    }

    public func requeueInterruptedDeliveries() async throws -> Int {
        try await requeueInterruptedDeliveries(at: Date())
    }

    /// `requeueInterruptedDeliveries` as seen at `clock` (tests move it past
    /// the lease). A claim dated more than a lease in the future (the clock
    /// was set back) counts as expired too, so none is held for ever.
    func requeueInterruptedDeliveries(at clock: Date) async throws -> Int {
        let now = Self.queueTime(clock).timeIntervalSince1970
        return try await write { db in
            try db.execute(sql: """
                UPDATE outbound_recipient SET state = 'queued', next_attempt_at = ?, claimed_at = NULL
                WHERE state = 'delivering' AND (claimed_at IS NULL OR claimed_at <= ? OR claimed_at > ?)
                """, arguments: [now, now - QueueClaim.lease, now + QueueClaim.lease])
            return db.changesCount
        }
    }

    public func deleteQueuedMessage(id: String) async throws {
        let files = try await write { db in
            guard let file = try String.fetchOne(db, sql: "SELECT body_file FROM outbound_message WHERE id = ?",
                                                 arguments: [id]) else {
                throw QueueError.messageNotFound(id)
            }
            // The recipients go with it (ON DELETE CASCADE).
            try db.execute(sql: "DELETE FROM outbound_message WHERE id = ?", arguments: [id])
            return try Self.unreferenced([file], db)
        }
        await removeBodyFiles(files)
    }

    public func removeFinishedQueuedMessages() async throws -> [String] {
        let (ids, files) = try await write { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT id, body_file FROM outbound_message AS m
                WHERE NOT EXISTS (SELECT 1 FROM outbound_recipient AS r
                                  WHERE r.message_id = m.id AND r.state IN ('queued', 'delivering'))
                ORDER BY created_at, id
                """)
            let ids: [String] = rows.map { $0["id"] }
            let files: [String] = rows.map { $0["body_file"] }
            for id in ids {
                try db.execute(sql: "DELETE FROM outbound_message WHERE id = ?", arguments: [id])
            }
            return (ids, try Self.unreferenced(files, db))
        }
        await removeBodyFiles(files)
        return ids
    }

    /// Queue times are stored as seconds since 1970 in 1/1024 s steps: such
    /// a value converts exactly both ways, so a date read back equals the
    /// one returned by `enqueueOutbound`. Rounded down, so "now" is never
    /// in the future.
    static func queueTime(_ date: Date) -> Date {
        Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1024).rounded(.down) / 1024)
    }

    /// The longest stored `lastError`, in characters (a remote's reply text
    /// is not ours to bound).
    static let maximumErrorLength = 1000

    static func boundedError(_ text: String) -> String {
        text.count <= maximumErrorLength ? text : String(text.prefix(maximumErrorLength))
    }

    /// Refuses what could inject commands into the outbound SMTP session.
    static func validateEnvelope(_ draft: OutboundMessageDraft,
                                 _ recipients: [OutboundMessageDraft.Recipient]) throws {
        func check(_ value: String?, _ field: String) throws {
            guard let value else { return }
            if value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0x00 }) {
                throw QueueError.invalidEnvelope("\(field) holds CR, LF or NUL")
            }
        }
        try check(draft.sender, "sender")
        try check(draft.envelopeID, "ENVID")
        try check(draft.authenticatedUser, "authenticated user")
        for recipient in recipients {
            guard !recipient.address.isEmpty else { throw QueueError.invalidEnvelope("empty recipient") }
            try check(recipient.address, "recipient")
            try check(recipient.originalRecipient?.addressType, "ORCPT")
            try check(recipient.originalRecipient?.address, "ORCPT")
        }
    }

    /// Deletes a queue body file whose transaction failed, unless a row
    /// references it after all; when that cannot be checked the file stays
    /// for the orphan sweep.
    /// Removes body files whose metadata transaction failed, unless a
    /// mailbox or queue row references them after all.
    func discardUnreferencedFiles(_ fileNames: [String]) async {
        let pool = self.pool
        let bodies = self.bodies
        _ = try? await BlockingIO.run {
            let orphaned = try pool.read { db in try Self.unreferenced(fileNames, db) }
            bodies.remove(orphaned)
        }
    }
}

/// One message of `dueRecipients` while it crosses the read transaction.
private struct DueMessage: Sendable {
    var message: QueuedMessage
    var recipients: [QueuedRecipient]
}
