import MailCore
import MailStore

extension SelectedMailboxCommands {
    /// COPY / UID COPY with COPYUID (RFC 4315 §3); `[TRYCREATE]` for a missing target.
    public static func copy(_ set: SequenceSet, to name: MailboxName, uid: Bool,
                            selected: SelectedMailbox, context: CommandContext) async -> CommandResult {
        let command = uid ? "UID COPY" : "COPY"
        let target: Mailbox
        let sources: [MessageUID]
        switch await prepareTransfer(set, to: name, uid: uid, selected: selected, context: context) {
        case .success(let prepared): (target, sources) = prepared
        case .failure(let failure): return failure.result
        }
        do {
            let pairs = sources.isEmpty ? [] : try await context.store.copyMessages(
                from: selected.mailbox.id, uids: sources, to: target.id)
            return .ok("\(command) completed", code: copyUID(pairs, target: target))
        } catch {
            return storeFailure(error, command: command, context: context)
        }
    }

    /// MOVE / UID MOVE (RFC 6851 §3): COPYUID in an untagged OK, then
    /// EXPUNGE (or VANISHED) of the moved messages (§3.3), with whatever
    /// else changed in the mailbox meanwhile. Into the selected mailbox
    /// itself (as Dovecot allows) the messages get new UIDs: EXPUNGE of the
    /// old ones, EXISTS for the new.
    public static func move(_ set: SequenceSet, to name: MailboxName, uid: Bool,
                            selected: SelectedMailbox, context: CommandContext) async -> CommandResult {
        let command = uid ? "UID MOVE" : "MOVE"
        // RFC 6851 §3.3: MOVE expunges from the source, which EXAMINE forbids.
        guard !selected.isReadOnly else { return .no("mailbox is read-only (EXAMINE)") }
        let target: Mailbox
        let sources: [MessageUID]
        switch await prepareTransfer(set, to: name, uid: uid, selected: selected, context: context) {
        case .success(let prepared): (target, sources) = prepared
        case .failure(let failure): return failure.result
        }
        let pairs: [(MessageUID, MessageUID)]
        do {
            pairs = sources.isEmpty ? [] : try await context.store.moveMessages(
                from: selected.mailbox.id, uids: sources, to: target.id)
        } catch {
            return storeFailure(error, command: command, context: context)
        }
        var untagged: [UntaggedResponse] = []
        if let code = copyUID(pairs, target: target) {
            untagged.append(.condition(.ok, ResponseText(code: code, "Moved")))
        }
        do {
            untagged += try await selected.synchronize(store: context.store, allowExpunge: true,
                                                       enabled: context.enabled)
        } catch {
            // The move is done; the expunges are reported at the next synchronisation.
            context.logger.error("IMAP \(command): reading changes failed: \(error)")
        }
        return .ok("\(command) completed", untagged: untagged)
    }

    /// The target mailbox and the source UIDs of a COPY or MOVE.
    private static func prepareTransfer(_ set: SequenceSet, to name: MailboxName, uid: Bool,
                                        selected: SelectedMailbox,
                                        context: CommandContext) async -> Result<(Mailbox, [MessageUID]), LookUpFailure> {
        let messages: [SelectedMessage]
        do {
            messages = try selected.messages(in: set, uid: uid)
        } catch {
            return .failure(LookUpFailure(result: .bad(error.reason)))
        }
        // RFC 9051 §6.4.7: a missing target is NO [TRYCREATE].
        switch await lookUp(name, missingCode: .tryCreate, context: context) {
        case .success(let target):
            return .success((target, messages.filter { !selected.isExpunged(uid: $0.uid) }.map(\.uid)))
        case .failure(let failure):
            return .failure(failure)
        }
    }

    /// `COPYUID uidvalidity source-uids destination-uids` (RFC 4315 §3): the
    /// store hands out ascending UIDs in source order, so both sets list
    /// the pairs in the same order. Nil when nothing was copied.
    private static func copyUID(_ pairs: [(MessageUID, MessageUID)], target: Mailbox) -> ResponseCode? {
        guard !pairs.isEmpty else { return nil }
        return .copyUID(uidValidity: target.uidValidity, source: SequenceSet(numbers: pairs.map(\.0)),
                        destination: SequenceSet(numbers: pairs.map(\.1)))
    }
}
