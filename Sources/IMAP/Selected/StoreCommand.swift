import MailCore
import MailStore

extension SelectedMailboxCommands {
    /// STORE / UID STORE (RFC 9051 §6.4.6) with UNCHANGEDSINCE (RFC 7162 §3.1.3).
    ///
    /// Without `.SILENT` every named message gets `* n FETCH (FLAGS (...))`
    /// (with UID for UID STORE or under QRESYNC, MODSEQ under CONDSTORE). With `.SILENT`
    /// and CONDSTORE the changed messages still get `FETCH (MODSEQ (m))`
    /// (RFC 7162 §3.1.3). Messages that changed after UNCHANGEDSINCE are
    /// left alone and listed in the tagged `OK [MODIFIED set]`.
    /// UNCHANGEDSINCE turns CONDSTORE on (RFC 7162 §3.1): the session
    /// should add `.condstore` to its enabled set when it sees one.
    public static func store(_ set: SequenceSet, unchangedSince: UInt64?, action: StoreAction, uid: Bool,
                             selected: SelectedMailbox, context: CommandContext) async -> CommandResult {
        let command = uid ? "UID STORE" : "STORE"
        guard let parsed = IMAPFlags.parse(action.flags) else {
            return .bad("invalid flag in \(command)")
        }
        guard !selected.isReadOnly else { return .no("mailbox is read-only (EXAMINE)") }
        let targets: [SelectedMessage]
        do {
            targets = try selected.messages(in: set, uid: uid)
        } catch {
            return .bad(error.reason)
        }
        // Messages whose expunge is not reported yet cannot change any more.
        let candidates = targets.filter { !selected.isExpunged(uid: $0.uid) }
        // RFC 2180 §4.2.1: the others are stored; the client hears of the
        // expunge through `OK [EXPUNGEISSUED]` and its next NOOP.
        let skippedExpunged = candidates.count < targets.count
        var modified: [SelectedMessage] = []
        let changed: [MessageRecord]
        do {
            // RFC 7162 §3.1.3: the store compares UNCHANGEDSINCE with the
            // stored MODSEQ in the same transaction that writes, so a change
            // another session commits first is reported as MODIFIED, never
            // overwritten.
            let result = candidates.isEmpty ? FlagUpdateResult(changed: [], modified: []) :
                try await context.store.updateFlags(
                    mailboxID: selected.mailbox.id, uids: candidates.map(\.uid),
                    operation: operation(action.operation), flags: parsed.flags, keywords: parsed.keywords,
                    unchangedSince: unchangedSince.map { ModSeq(clamping: $0) })
            changed = result.changed
            let refused = Set(result.modified)
            modified = candidates.filter { refused.contains($0.uid) }
        } catch {
            return storeFailure(error, command: command, context: context)
        }
        selected.noteOwnChanges(changed)

        let condStore = condStoreOn(context.enabled) || unchangedSince != nil
        let changedUIDs = Set(changed.map(\.uid))
        let refused = Set(modified.map(\.uid))
        // A keyword new to the mailbox is announced before the FETCH that
        // shows it (RFC 9051 §7.3.5), even under .SILENT.
        var untagged: [UntaggedResponse] = selected.announceKeywords(changed.flatMap(\.keywords))
        // The refused messages get no FETCH: their flags did not change by
        // this command (the client learns the new ones on its next sync).
        for candidate in candidates where !refused.contains(candidate.uid) {
            guard let message = selected.message(uid: candidate.uid) else { continue }
            let record = message
            var items: [FetchItem] = []
            if !action.silent { items.append(.flags(record.flagNames)) }
            if !action.silent || (condStore && changedUIDs.contains(record.uid)) {
                // RFC 7162 §3.2.4: once QRESYNC is on, every FETCH a STORE
                // causes carries UID (and MODSEQ); CONDSTORE alone adds MODSEQ.
                if uid || context.enabled.contains(.qresync) { items.append(.uid(record.uid)) }
                if condStore { items.append(.modSeq(UInt64(max(record.modSeq, 0)))) }
            }
            if !items.isEmpty { untagged.append(.fetch(message.sequenceNumber, items)) }
        }
        if !modified.isEmpty {
            // RFC 7162 §3.1.3: sequence numbers for STORE, UIDs for UID STORE.
            let numbers = modified.map { uid ? $0.uid : $0.sequenceNumber }
            return .ok("Conditional \(command) failed for some messages", code: .modified(SequenceSet(numbers: numbers)),
                       untagged: untagged)
        }
        if skippedExpunged {
            return .ok("\(command) completed; some messages were expunged meanwhile", code: .expungeIssued,
                       untagged: untagged)
        }
        return .ok("\(command) completed", untagged: untagged)
    }

    static func operation(_ operation: StoreAction.Operation) -> FlagOperation {
        switch operation {
        case .replace: return .replace
        case .add: return .add
        case .remove: return .remove
        }
    }
}
