import MailCore
import MailStore

extension SelectedMailboxCommands {
    /// EXPUNGE (`uids` nil) or UID EXPUNGE (RFC 4315 §2.1): removes the
    /// `\Deleted` messages (of `uids`) and reports EXPUNGE/VANISHED, with
    /// whatever else changed in the mailbox meanwhile.
    public static func expunge(uids: SequenceSet?, selected: SelectedMailbox,
                               context: CommandContext) async -> CommandResult {
        let command = uids == nil ? "EXPUNGE" : "UID EXPUNGE"
        guard !selected.isReadOnly else { return .no("mailbox is read-only (EXAMINE)") }
        var limit: Set<MessageUID>?
        if let uids {
            do {
                limit = Set(try selected.messages(in: uids, uid: true).map(\.uid))
            } catch {
                return .bad(error.reason)
            }
        }
        do {
            _ = try await expungeDeleted(in: selected, limit: limit, store: context.store)
        } catch {
            return storeFailure(error, command: command, context: context)
        }
        do {
            let untagged = try await selected.synchronize(store: context.store, allowExpunge: true,
                                                          enabled: context.enabled)
            return .ok("\(command) completed", untagged: untagged)
        } catch {
            context.logger.error("IMAP \(command): reading changes failed: \(error)")
            return .ok("\(command) completed")
        }
    }

    /// CLOSE: silently expunges `\Deleted` messages unless read-only (RFC 9051 §6.4.1).
    public static func close(selected: SelectedMailbox, context: CommandContext) async -> CommandResult {
        guard !selected.isReadOnly else { return .ok("CLOSE completed") }
        do {
            _ = try await expungeDeleted(in: selected, limit: nil, store: context.store)
        } catch {
            // RFC 9051 §6.4.1: the mailbox is closed even so; the session drops the view.
            return storeFailure(error, command: "CLOSE", context: context)
        }
        return .ok("CLOSE completed")
    }

    /// Expunges the messages that have `\Deleted` in the store at the time
    /// of the store's transaction (another session may have set or cleared
    /// it since this view last synchronised: RFC 9051 §6.4.3 removes what
    /// is deleted when EXPUNGE runs), within `limit` when given; returns the
    /// UIDs removed. One store call: nothing can change in between.
    static func expungeDeleted(in selected: SelectedMailbox, limit: Set<MessageUID>?,
                               store: any MailStore) async throws -> [MessageUID] {
        if let limit, limit.isEmpty { return [] }
        return try await store.expungeDeleted(mailboxID: selected.mailbox.id, uids: limit.map { $0.sorted() })
    }
}
