import Foundation
import GRDB
import MailCore

/// The writes that store several messages at once, each one transaction:
/// MULTIAPPEND (several bodies, one mailbox) and local delivery (one body,
/// several mailboxes). Bodies are written and fsynced first, then one
/// metadata transaction references them all; if it fails, none of the
/// rows exist and the files are removed (DESIGN "Rules that keep mail safe").
extension SQLiteMailStore {
    /// RFC 3502 §3: all of the messages or none, with consecutive UIDs.
    public func appendMessages(mailboxID: MailboxID, _ messages: [NewMessage]) async throws -> [MessageRecord] {
        try checkOpen()
        guard !messages.isEmpty else { return [] }
        for message in messages { try checkSize(message.body.count) }
        let prepared = try messages.map(Self.prepare)
        let fileNames = try await writeBodies(messages.map(\.body))
        return try await commitAppends(mailboxID: mailboxID, messages, prepared,
                                       sizes: messages.map(\.body.count), fileNames: fileNames)
    }

    /// `appendMessages` with the bodies in spool files: each is finished
    /// (fsynced) and adopted as its blob without copying, then one
    /// transaction inserts them all; on failure the adopted files go.
    public func appendMessages(mailboxID: MailboxID, spooled messages: [SpooledMessage]) async throws
        -> [MessageRecord] {
        try checkOpen()
        guard !messages.isEmpty else { return [] }
        for message in messages { try checkSize(message.spool.size) }
        var fileNames: [String] = []
        var prepared: [PreparedMessage] = []
        do {
            for message in messages {
                fileNames.append(try await putSpool(message.spool))
                prepared.append(try await prepareStored(fileNames[fileNames.count - 1], size: message.spool.size,
                                                        internalDate: message.internalDate,
                                                        hash: message.spool.contentHash))
            }
        } catch {
            await discardUncommittedBodies(fileNames)
            throw error
        }
        let metadata = messages.map {
            NewMessage(body: [], flags: $0.flags, keywords: $0.keywords, internalDate: $0.internalDate)
        }
        return try await commitAppends(mailboxID: mailboxID, metadata, prepared,
                                       sizes: messages.map(\.spool.size), fileNames: fileNames)
    }

    /// The one transaction of `appendMessages` (bytes or spooled) whose body
    /// files are durable: the rows in order, consecutive UIDs; on failure
    /// the files are removed. `messages` give flags, keywords and date.
    private func commitAppends(mailboxID: MailboxID, _ messages: [NewMessage],
                               _ prepared: [PreparedMessage],
                               sizes: [Int], fileNames: [String]) async throws -> [MessageRecord] {
        let records: [MessageRecord]
        do {
            records = try await groupWrite { db in
                var mailbox = try Self.fetchMailbox(db, id: mailboxID)
                var records: [MessageRecord] = []
                records.reserveCapacity(messages.count)
                for index in messages.indices {
                    records.append(try Self.insertNew(db, messages[index], prepared[index], size: sizes[index],
                                                      bodyFile: fileNames[index], into: &mailbox))
                }
                try Self.saveHighestModSeq(db, mailbox)
                try Self.enforceQuota(db, accounts: [mailbox.accountID])
                return records
            }
        } catch {
            await discardUncommittedBodies(fileNames)
            throw error
        }
        if let last = records.last { notifier.notify([mailboxID: last.modSeq]) }
        return records
    }

    /// One body file for every mailbox, one transaction for all of them.
    public func deliverMessage(_ message: NewMessage, to mailboxIDs: [MailboxID]) async throws -> [MessageRecord] {
        try checkOpen()
        var seen = Set<MailboxID>()
        let targets = mailboxIDs.filter { seen.insert($0).inserted }
        guard !targets.isEmpty else { return [] }
        try checkSize(message.body.count)
        let prepared = try Self.prepare(message)
        let fileNames = try await writeBodies([message.body])
        return try await commitDelivery(message, prepared, size: message.body.count, fileName: fileNames[0],
                                        to: targets)
    }

    /// `deliverMessage` with the body in a spool file: the spool is
    /// finished (fsynced) and adopted as the one blob of every copy
    /// without copying; the structure is parsed from the stored file.
    public func deliverMessage(spooled spool: SpoolFile, internalDate: Date, to mailboxIDs: [MailboxID]) async throws
        -> [MessageRecord] {
        try checkOpen()
        var seen = Set<MailboxID>()
        let targets = mailboxIDs.filter { seen.insert($0).inserted }
        guard !targets.isEmpty else { return [] }
        try checkSize(spool.size)
        let fileName = try await putSpool(spool)
        let message = NewMessage(body: [], internalDate: internalDate)
        let prepared: PreparedMessage
        do {
            prepared = try await prepareStored(fileName, size: spool.size, internalDate: internalDate,
                                               hash: spool.contentHash)
        } catch {
            await discardUncommittedBodies([fileName])
            throw error
        }
        return try await commitDelivery(message, prepared, size: spool.size, fileName: fileName, to: targets)
    }

    /// Makes the spool a durable blob; errors become `MailStoreError`s.
    func putSpool(_ spool: SpoolFile) async throws -> String {
        do {
            return try await blobs.put(spool)
        } catch let error as MailStoreError {
            throw error
        } catch {
            throw MailStoreError.storageFailure("cannot store spooled body: \(error)")
        }
    }

    /// The one transaction of a delivery whose body file is durable; on
    /// failure the file is removed.
    private func commitDelivery(_ message: NewMessage, _ prepared: PreparedMessage,
                                size: Int, fileName: String, to targets: [MailboxID]) async throws
        -> [MessageRecord] {
        let records: [MessageRecord]
        do {
            records = try await groupWrite { db in
                try Self.insertDelivery(db, message, prepared, size: size, fileName: fileName, to: targets)
            }
        } catch {
            await discardUncommittedBodies([fileName])
            throw error
        }
        notifier.notify(Self.deliveryModSeqs(records))
        return records
    }

    /// The rows of one delivery: a copy in each of `targets` (distinct,
    /// in order) referencing the one body file; inside the caller's transaction.
    static func insertDelivery(_ db: Database, _ message: NewMessage, _ prepared: PreparedMessage,
                               size: Int, fileName: String, to targets: [MailboxID]) throws -> [MessageRecord] {
        var records: [MessageRecord] = []
        records.reserveCapacity(targets.count)
        var accounts: Set<AccountID> = []
        for mailboxID in targets {
            var mailbox = try fetchMailbox(db, id: mailboxID)
            records.append(try insertNew(db, message, prepared, size: size, bodyFile: fileName, into: &mailbox))
            try saveHighestModSeq(db, mailbox)
            accounts.insert(mailbox.accountID)
        }
        try enforceQuota(db, accounts: accounts)
        return records
    }

    /// What a committed delivery tells the notifier: each mailbox's new highest MODSEQ.
    static func deliveryModSeqs(_ records: [MessageRecord]) -> [MailboxID: ModSeq] {
        Dictionary(records.map { ($0.mailboxID, $0.modSeq) }, uniquingKeysWith: max)
    }

    // MARK: Helpers

    func checkSize(_ size: Int) throws {
        if let maximumMessageSize, size > maximumMessageSize {
            throw MailStoreError.messageTooLarge(size)
        }
    }

    /// Writes each body durably under a new file name, in order; on a
    /// failure the files already written are removed and the error is
    /// rethrown as a `MailStoreError`.
    func writeBodies(_ bodies: [[UInt8]]) async throws -> [String] {
        let store = self.bodies
        var names: [String] = []
        names.reserveCapacity(bodies.count)
        do {
            for body in bodies {
                names.append(try await BlockingIO.run { try store.writeDurably(body) })
            }
        } catch {
            let written = names
            _ = try? await BlockingIO.run { store.remove(written) }
            if let error = error as? MailStoreError { throw error }
            throw MailStoreError.storageFailure("cannot write message body: \(error)")
        }
        return names
    }

    /// Inserts one new message into `mailbox` with its next UID and MODSEQ
    /// and its `added` change-log row; the caller saves `mailbox`.
    static func insertNew(_ db: Database, _ message: NewMessage,
                          _ prepared: PreparedMessage,
                          size: Int, bodyFile: String, into mailbox: inout Mailbox) throws -> MessageRecord {
        guard mailbox.uidNext < MessageUID.max else {
            throw MailStoreError.storageFailure("UIDs of mailbox \(mailbox.name) exhausted")
        }
        mailbox.highestModSeq += 1
        let record = MessageRecord(
            mailboxID: mailbox.id, uid: mailbox.uidNext, modSeq: mailbox.highestModSeq, flags: message.flags,
            keywords: uniqueKeywords(message.keywords), internalDate: prepared.internalDate,
            size: size, contentHash: prepared.hash, messageID: prepared.parsed.messageID,
            parsedStructure: prepared.parsed, savedDate: saveDateNow())
        try insertMessage(db, record, structure: prepared.structure, bodyFile: bodyFile, derived: prepared.derived)
        try logChange(db, mailboxID: mailbox.id, modSeq: record.modSeq, uid: record.uid, kind: .added)
        mailbox.uidNext += 1
        return record
    }
}
