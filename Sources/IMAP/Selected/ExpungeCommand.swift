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

    /// Expunges the messages that have `\Deleted` in the store now (another
    /// session may have set it since this view last synchronised), within
    /// `limit` when given; returns the UIDs removed.
    static func expungeDeleted(in selected: SelectedMailbox, limit: Set<MessageUID>?,
                               store: any MailStore) async throws -> [MessageUID] {
        // Summaries (flags), never the records with their structures.
        let records: [MessageSummary]
        if let limit {
            records = try await SelectedMailbox.summaries(Array(limit), in: selected.mailbox.id, store: store)
        } else {
            records = try await store.messageSummaries(mailboxID: selected.mailbox.id)
        }
        let deleted = records.filter { $0.flags.contains(.deleted) }.map(\.uid)
        guard !deleted.isEmpty else { return [] }
        return try await store.expunge(mailboxID: selected.mailbox.id, uids: deleted)
    }
}
