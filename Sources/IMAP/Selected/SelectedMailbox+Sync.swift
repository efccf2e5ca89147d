import MailCore
import MailStore

extension SelectedMailbox {
    /// Reads the change log after `highestModSeq` and returns what the
    /// client must learn, in order: EXPUNGE (or VANISHED with QRESYNC) when
    /// `allowExpunge`, EXISTS for new messages, FETCH (UID FLAGS, with
    /// MODSEQ under CONDSTORE) for flag changes by others. Held-back
    /// expunges keep their sequence numbers until an allowed point.
    ///
    /// One store query when nothing changed.
    public func synchronize(store: any MailStore, allowExpunge: Bool,
                            enabled: EnabledExtensions) async throws -> [UntaggedResponse] {
        let changes = try await store.changes(mailboxID: mailbox.id, after: highestModSeq)
        let lastKnownUID = entries.last?.record.uid ?? 0
        var newUIDs: Set<MessageUID> = []
        var changedUIDs: Set<MessageUID> = []
        for change in changes {
            let index = index(of: change.uid)
            switch change.kind {
            case .expunged:
                // Tombstones of UIDs this view never announced are not the client's business.
                newUIDs.remove(change.uid)
                changedUIDs.remove(change.uid)
                if let index { entries[index].isExpunged = true }
            case .added, .flagsChanged:
                if let index {
                    // A row the view already knows (its record is as new) is skipped:
                    // the session's own STORE, or a change read with the records at SELECT.
                    if !entries[index].isExpunged, change.modSeq > entries[index].record.modSeq {
                        changedUIDs.insert(change.uid)
                    }
                } else if change.uid > lastKnownUID {
                    newUIDs.insert(change.uid)
                }
            }
            mailbox.highestModSeq = max(mailbox.highestModSeq, change.modSeq)
            if change.uid >= mailbox.uidNext { mailbox.uidNext = change.uid &+ 1 }
        }

        var responses: [UntaggedResponse] = []
        if allowExpunge { responses += flushExpunges(enabled: enabled) }

        if !newUIDs.isEmpty {
            let records = try await Self.records(Array(newUIDs), in: mailbox.id, store: store)
            let before = entries.count
            for record in records.sorted(by: { $0.uid < $1.uid }) where record.uid > (entries.last?.record.uid ?? 0) {
                entries.append(Entry(record: record, isExpunged: false))
            }
            // RFC 9051 §7.4.1: EXISTS gives the new size of the mailbox.
            if entries.count > before { responses.append(.exists(UInt32(entries.count))) }
        }

        if !changedUIDs.isEmpty {
            let records = try await Self.records(Array(changedUIDs), in: mailbox.id, store: store)
            var updates: [(UInt32, [FetchItem])] = []
            for record in records {
                // Gone since the log was read: its tombstone comes with the next synchronisation.
                guard let index = index(of: record.uid), !entries[index].isExpunged,
                      record.modSeq > entries[index].record.modSeq else { continue }
                entries[index].record = record
                updates.append((UInt32(index + 1), Self.flagUpdate(record, enabled: enabled)))
            }
            // RFC 9051 §7.5.2 unsolicited FETCH; RFC 7162 §3.2.4: with QRESYNC it carries UID.
            for (number, items) in updates.sorted(by: { $0.0 < $1.0 }) {
                responses.append(.fetch(number, items))
            }
        }
        return responses
    }

    /// Removes the messages whose expunge was held back and reports them:
    /// EXPUNGE from the highest sequence number down, so that each number
    /// is still valid when the client reads it (RFC 9051 §7.5.1), or one
    /// VANISHED with their UIDs under QRESYNC (RFC 7162 §3.2.10).
    func flushExpunges(enabled: EnabledExtensions) -> [UntaggedResponse] {
        var numbers: [UInt32] = []
        var uids: [MessageUID] = []
        for (index, entry) in entries.enumerated() where entry.isExpunged {
            numbers.append(UInt32(index + 1))
            uids.append(entry.record.uid)
        }
        guard !numbers.isEmpty else { return [] }
        entries.removeAll { $0.isExpunged }
        let gone = Set(uids)
        savedSearchResult.removeAll { gone.contains($0) }
        if enabled.contains(.qresync) {
            return [.vanished(earlier: false, SequenceSet(numbers: uids))]
        }
        return numbers.reversed().map { .expunge($0) }
    }

    /// `UID u FLAGS (...)`, with `MODSEQ (m)` once CONDSTORE is on (RFC 7162 §3.1.4).
    static func flagUpdate(_ record: MessageRecord, enabled: EnabledExtensions) -> [FetchItem] {
        var items: [FetchItem] = [.uid(record.uid), .flags(IMAPFlags.names(record.flags, keywords: record.keywords))]
        if enabled.contains(.condstore) || enabled.contains(.qresync) {
            items.append(.modSeq(UInt64(max(record.modSeq, 0))))
        }
        return items
    }

    /// The current records of some UIDs (missing ones left out): one query
    /// each for a few, the whole mailbox once for many.
    static func records(_ uids: [MessageUID], in mailboxID: MailboxID,
                        store: any MailStore) async throws -> [MessageRecord] {
        if uids.count > 16 {
            let wanted = Set(uids)
            return try await store.messages(mailboxID: mailboxID).filter { wanted.contains($0.uid) }
        }
        var records: [MessageRecord] = []
        for uid in uids.sorted() {
            if let record = try await store.message(mailboxID: mailboxID, uid: uid) { records.append(record) }
        }
        return records
    }
}
