import Foundation
import GRDB
import MailCore

/// A message with local and relayed recipients in one transaction
/// (`MailStore.deliverAndEnqueue`): the local copies' body file and the
/// queued copy's are both made durable first (`BlobStore.put` fsyncs), then
/// one metadata transaction inserts the mailbox rows and the queue rows;
/// if anything fails, neither set of rows exists and both files are removed
/// (DESIGN "Rules that keep mail safe").
extension SQLiteMailStore {
    public func deliverAndEnqueue(spooled spool: SpoolFile, internalDate: Date, to mailboxIDs: [MailboxID],
                                  outbound draft: OutboundMessageDraft, spooled outboundSpool: SpoolFile)
        async throws -> DeliveryAndQueueResult {
        try checkOpen()
        guard spool !== outboundSpool else {
            throw MailStoreError.storageFailure("the local and the queued copy need their own spool files")
        }
        var seen = Set<MailboxID>()
        let targets = mailboxIDs.filter { seen.insert($0).inserted }
        let recipients = try Self.queueRecipients(draft)
        guard !targets.isEmpty else {
            return DeliveryAndQueueResult(records: [], queued: try await enqueueOutbound(draft, spooled: outboundSpool))
        }
        try checkSize(spool.size)
        try checkSize(outboundSpool.size)
        let fileName = try await putSpool(spool)
        var fileNames = [fileName]
        let message = NewMessage(body: [], internalDate: internalDate)
        let prepared: PreparedMessage
        do {
            fileNames.append(try await putSpool(outboundSpool))
            prepared = try await prepareStored(fileName, size: spool.size, internalDate: internalDate,
                                               hash: spool.contentHash)
        } catch {
            await discardUnreferencedFiles(fileNames)
            throw error
        }
        let localSize = spool.size
        let queuedSize = outboundSpool.size
        let queuedFile = fileNames[1]
        let now = Self.queueTime(Date())
        let result: DeliveryAndQueueResult
        do {
            result = try await groupWrite { db in
                let records = try Self.insertDelivery(db, message, prepared, size: localSize, fileName: fileName,
                                                      to: targets)
                let queued = try Self.insertQueued(db, draft, recipients, size: queuedSize, fileName: queuedFile,
                                                   now: now)
                return DeliveryAndQueueResult(records: records, queued: queued)
            }
        } catch {
            await discardUnreferencedFiles(fileNames)
            throw error
        }
        notifier.notify(Self.deliveryModSeqs(result.records))
        return result
    }
}
