import Foundation
import MailCore
import MailStore

extension SelectedMailboxCommands {
    /// REPLACE and UID REPLACE (RFC 8508 §3): the message is appended to
    /// `name` (the selected mailbox or another) and the replaced one is
    /// expunged from the selected mailbox, in one store transaction
    /// (`MailStore.replaceMessage`). `* OK [APPENDUID …]` comes first, then
    /// the EXPUNGE (or VANISHED) and EXISTS updates (§3.3, as MOVE does).
    /// The APPEND rules apply to the message (flags, APPENDLIMIT `[TOOBIG]`,
    /// `[TRYCREATE]` for a missing target, `[OVERQUOTA]`); nothing changes
    /// when any fails.
    static func replace(_ number: SequenceNumber, in name: MailboxName, with message: AppendMessage, uid: Bool,
                        selected: SelectedMailbox, context: CommandContext) async -> CommandResult {
        let command = uid ? "UID REPLACE" : "REPLACE"
        defer { message.spool?.abort() }
        // §3.3: the replaced message is expunged, which EXAMINE does not allow.
        guard !selected.isReadOnly else { return .no("mailbox is read-only (EXAMINE)") }
        let original: SelectedMessage
        do {
            guard let found = try selected.messages(in: .elements([.single(number)]), uid: uid).first else {
                // A UID that is not (or no longer) there (§3.3).
                return .no("no such message", code: .nonExistent)
            }
            original = found
        } catch {
            return .bad(error.reason)
        }
        let new: NewMessage
        switch AppendCommandHandler.newMessage(message, command: command, context: context) {
        case .success(let message): new = message
        case .failure(let refusal): return refusal.result
        }
        let target: Mailbox
        switch await lookUp(name, missingCode: .tryCreate, context: context) {
        case .success(let mailbox): target = mailbox
        case .failure(let failure): return failure.result
        }
        let record: MessageRecord
        do {
            let spooled = try AppendCommandHandler.spooled([message], [new], store: context.store)
            defer { for message in spooled { message.spool.abort() } }
            record = try await context.store.replaceMessage(mailboxID: selected.mailbox.id, uid: original.uid,
                                                            with: spooled[0], into: target.id)
        } catch MailStoreError.messageNotFound {
            // Expunged by another session since this view last synchronised.
            return .no("no such message", code: .expungeIssued)
        } catch {
            return storeFailure(error, command: command, context: context)
        }
        var untagged: [UntaggedResponse] = [.condition(.ok, ResponseText(
            code: .appendUID(uidValidity: target.uidValidity, uids: SequenceSet(numbers: [record.uid])),
            "Replacement Message ready"))]
        do {
            untagged += try await selected.synchronize(store: context.store, allowExpunge: true, enabled: context.enabled)
        } catch {
            context.logger.error("IMAP \(command): reading changes failed: \(error)")
        }
        return .ok("\(command) completed", untagged: untagged)
    }
}
