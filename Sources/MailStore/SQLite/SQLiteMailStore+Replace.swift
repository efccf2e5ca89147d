import Foundation
import GRDB
import MailCore

/// REPLACE (RFC 8508): the new message is stored and the old one removed
/// in one transaction, so a failure (the old one gone meanwhile, quota)
/// changes nothing and a success leaves exactly the new one.
extension SQLiteMailStore {
    public func replaceMessage(mailboxID: MailboxID, uid: MessageUID, with message: SpooledMessage,
                               into targetID: MailboxID) async throws -> MessageRecord {
        try checkOpen()
        try checkSize(message.spool.size)
        let fileName = try await putSpool(message.spool)
        let prepared: PreparedMessage
        do {
            prepared = try await prepareStored(fileName, size: message.spool.size, internalDate: message.internalDate,
                                               hash: message.spool.contentHash)
        } catch {
            await discardUncommittedBodies([fileName])
            throw error
        }
        let metadata = NewMessage(body: [], flags: message.flags, keywords: message.keywords,
                                  internalDate: message.internalDate)
        let size = message.spool.size
        let outcome: (record: MessageRecord, files: [String], changes: [MailboxID: ModSeq])
        do {
            outcome = try await groupWrite { db in
                var source = try Self.fetchMailbox(db, id: mailboxID)
                let exists = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM message WHERE mailbox_id = ? AND uid = ?)",
                                               arguments: [mailboxID, Int64(uid)]) ?? false
                guard exists else { throw MailStoreError.messageNotFound(uid) }
                var target = targetID == mailboxID ? source : try Self.fetchMailbox(db, id: targetID)
                guard target.accountID == source.accountID else { throw MailStoreError.mailboxNotFound("\(targetID)") }
                let record = try Self.insertNew(db, metadata, prepared, size: size, bodyFile: fileName, into: &target)
                if targetID == mailboxID { source = target }
                let (_, files) = try Self.expungeRows(db, mailbox: &source, uids: [uid])
                try Self.saveHighestModSeq(db, source)
                if targetID != mailboxID { try Self.saveHighestModSeq(db, target) } else { target = source }
                // The old message's room counts as freed: a replacement
                // of the same size fits an account at its limit.
                try Self.enforceQuota(db, accounts: [target.accountID])
                var changes = [mailboxID: source.highestModSeq]
                changes[targetID] = target.highestModSeq
                return (record, try Self.unreferenced(files, db), changes)
            }
        } catch {
            await discardUncommittedBodies([fileName])
            throw error
        }
        await removeBodyFiles(outcome.files)
        notifier.notify(outcome.changes)
        return outcome.record
    }
}
