import MailCore
import MailStore

extension SelectedMailbox {
    /// Reads the change log after `highestModSeq` and returns what the
    /// client must learn, in order: EXPUNGE (or VANISHED with QRESYNC) when
    /// `allowExpunge`, EXISTS for new messages, FETCH (UID FLAGS, with
    /// MODSEQ under CONDSTORE) for flag changes by others. Held-back
    /// expunges keep their sequence numbers until an allowed point.
    ///
    /// One store query when nothing changed; otherwise the summaries (no
    /// structures) of the UIDs the log names, a few `uid IN (…)` queries.
    public func synchronize(store: any MailStore, allowExpunge: Bool,
                            enabled: EnabledExtensions) async throws -> [UntaggedResponse] {
        let changes = try await store.changes(mailboxID: mailbox.id, after: highestModSeq)
        let lastKnownUID = entries.last?.uid ?? 0
        var newUIDs: Set<MessageUID> = []
        var changedUIDs: Set<MessageUID> = []
        for change in changes {
            let index = index(of: change.uid)
            switch change.kind {
            case .expunged:
                // Tombstones of UIDs this view never announced are not the client's business.
                newUIDs.remove(change.uid)
                changedUIDs.remove(change.uid)
                if let index, !entries[index].isExpunged {
                    entries[index].isExpunged = true
                    heldExpungeCount += 1
                }
            case .added, .flagsChanged:
                if let index {
                    // A row the view already knows (its record is as new) is skipped:
                    // the session's own STORE, or a change read with the records at SELECT.
                    if !entries[index].isExpunged, change.modSeq > entries[index].modSeq {
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
        // New keywords are announced before the EXISTS and FETCH that show them.
        let announcementIndex = responses.count
        var keywordsSeen: [String] = []

        if !newUIDs.isEmpty {
            let summaries = try await Self.summaries(Array(newUIDs), in: mailbox.id, store: store)
            let before = entries.count
            for summary in summaries.sorted(by: { $0.uid < $1.uid }) where summary.uid > (entries.last?.uid ?? 0) {
                entries.append(entry(summary))
                keywordsSeen += summary.keywords
            }
            // RFC 9051 §7.4.1: EXISTS gives the new size of the mailbox.
            if entries.count > before {
                responses.append(.exists(UInt32(entries.count)))
                responses += await recentAfterNewMessages(store: store)
            }
        }

        if !changedUIDs.isEmpty {
            let summaries = try await Self.summaries(Array(changedUIDs), in: mailbox.id, store: store)
            var updates: [(UInt32, [FetchItem])] = []
            for summary in summaries {
                // Gone since the log was read: its tombstone comes with the next synchronisation.
                guard let index = index(of: summary.uid), !entries[index].isExpunged,
                      summary.modSeq > entries[index].modSeq else { continue }
                entries[index] = entry(summary)
                keywordsSeen += summary.keywords
                updates.append((UInt32(index + 1), Self.flagUpdate(selectedMessage(at: index), enabled: enabled)))
            }
            // RFC 9051 §7.5.2 unsolicited FETCH; RFC 7162 §3.2.4: with QRESYNC it carries UID.
            for (number, items) in updates.sorted(by: { $0.0 < $1.0 }) {
                responses.append(.fetch(number, items))
            }
        }
        responses.insert(contentsOf: announceKeywords(keywordsSeen), at: announcementIndex)
        return responses
    }

    /// Removes the messages whose expunge was held back and reports them:
    /// EXPUNGE from the highest sequence number down, so that each number
    /// is still valid when the client reads it (RFC 9051 §7.5.1), or one
    /// VANISHED with their UIDs under QRESYNC (RFC 7162 §3.2.10).
    func flushExpunges(enabled: EnabledExtensions) -> [UntaggedResponse] {
        guard heldExpungeCount > 0 else { return [] }
        heldExpungeCount = 0
        var numbers: [UInt32] = []
        var uids: [MessageUID] = []
        for (index, entry) in entries.enumerated() where entry.isExpunged {
            numbers.append(UInt32(index + 1))
            uids.append(entry.uid)
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
    static func flagUpdate(_ message: SelectedMessage, enabled: EnabledExtensions) -> [FetchItem] {
        var items: [FetchItem] = [.uid(message.uid), .flags(message.flagNames)]
        if enabled.contains(.condstore) || enabled.contains(.qresync) {
            items.append(.modSeq(UInt64(max(message.modSeq, 0))))
        }
        return items
    }

    /// The current summaries (UID, flags, keywords, MODSEQ; no structure)
    /// of some UIDs, missing ones left out, read with a few `uid IN (…)`
    /// queries however many there are.
    static func summaries(_ uids: [MessageUID], in mailboxID: MailboxID,
                          store: any MailStore) async throws -> [MessageSummary] {
        guard !uids.isEmpty else { return [] }
        return try await store.messageSummaries(mailboxID: mailboxID, uids: uids)
    }
}
