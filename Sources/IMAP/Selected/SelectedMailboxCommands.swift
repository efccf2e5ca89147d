import MailCore
import MailStore

/// SELECT/EXAMINE and the commands that change the selected mailbox's
/// messages (RFC 9051 §6.3.2, §6.3.3, §6.4; UIDPLUS RFC 4315; MOVE RFC 6851;
/// CONDSTORE/QRESYNC RFC 7162). The commands live in their own files:
/// SelectCommand.swift, StoreCommand.swift, CopyMoveCommand.swift,
/// ExpungeCommand.swift.
public enum SelectedMailboxCommands {
    /// The result of SELECT or EXAMINE: the new view on OK (the previous
    /// selection is closed either way, RFC 9051 §6.3.2), and whether the
    /// parameters turned CONDSTORE or QRESYNC on.
    public struct Selection {
        public var result: CommandResult
        public var selected: SelectedMailbox?
        public var enabled: EnabledExtensions

        public init(result: CommandResult, selected: SelectedMailbox?, enabled: EnabledExtensions = []) {
            self.result = result
            self.selected = selected
            self.enabled = enabled
        }
    }

    /// What a failing store call answers: the client learns the command
    /// failed, the log gets the reason. `[UNAVAILABLE]` when the failure may
    /// pass (the store is busy or the disk full: try again), `[SERVERBUG]`
    /// otherwise (RFC 5530 §3).
    static func storeFailure(_ error: any Error, command: String, context: CommandContext) -> CommandResult {
        if MailStoreError.isTemporary(error) {
            return MailboxCommandErrors.temporarilyUnavailable(error, command: command, context: context)
        }
        if case MailStoreError.overQuota(let exceeded) = error { return MailboxCommandErrors.overQuota(exceeded) }
        context.logger.error("IMAP \(command) failed: \(error)")
        return .no("\(command) failed: internal error", code: .serverBug)
    }

    /// The store mailbox a client's name designates, or the NO to answer:
    /// `[NONEXISTENT]` for an invalid or unknown name unless `missingCode`
    /// says otherwise (COPY and MOVE answer `[TRYCREATE]`, RFC 9051 §6.4.7).
    static func lookUp(_ name: MailboxName, missingCode: ResponseCode = .nonExistent,
                       context: CommandContext) async -> Result<Mailbox, LookUpFailure> {
        let storeName: String
        do {
            storeName = try MailboxNameCodec.decode(name, encoding: context.nameEncoding)
        } catch {
            return .failure(LookUpFailure(result: .no("invalid mailbox name: \(error.reason)", code: missingCode)))
        }
        do {
            guard let mailbox = try await context.store.mailbox(accountID: context.account.id, name: storeName) else {
                return .failure(LookUpFailure(result: .no("no such mailbox", code: missingCode)))
            }
            return .success(mailbox)
        } catch {
            return .failure(LookUpFailure(result: storeFailure(error, command: "mailbox lookup", context: context)))
        }
    }

    /// A failed mailbox lookup, carrying the answer for the client.
    struct LookUpFailure: Error {
        var result: CommandResult
    }

    /// The CONDSTORE features are in use: enabled, or implied by QRESYNC (RFC 7162 §3.2.3).
    static func condStoreOn(_ enabled: EnabledExtensions) -> Bool {
        enabled.contains(.condstore) || enabled.contains(.qresync)
    }
}
