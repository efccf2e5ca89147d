import MailCore
import MailStore

/// SELECT/EXAMINE and the commands that change the selected mailbox's
/// messages (RFC 9051 §6.3.2, §6.3.3, §6.4; UIDPLUS RFC 4315; MOVE RFC 6851;
/// CONDSTORE/QRESYNC RFC 7162).
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

    /// SELECT (`readOnly` false) or EXAMINE: FLAGS, EXISTS, OK [UIDVALIDITY],
    /// [UIDNEXT], [PERMANENTFLAGS], [HIGHESTMODSEQ] untagged data and
    /// `OK [READ-WRITE]`/`[READ-ONLY]`; `(CONDSTORE)` and `(QRESYNC (...))`
    /// parameters with VANISHED (EARLIER) and FETCH of changes since.
    public static func select(_ name: MailboxName, parameters: [CommandParameter], readOnly: Bool,
                              context: CommandContext) async -> Selection {
        Selection(result: .no("not implemented"), selected: nil)
    }

    /// EXPUNGE (`uids` nil) or UID EXPUNGE (RFC 4315 §2.1): removes the
    /// `\Deleted` messages (of `uids`) and reports EXPUNGE/VANISHED.
    public static func expunge(uids: SequenceSet?, selected: SelectedMailbox,
                               context: CommandContext) async -> CommandResult {
        .no("not implemented")
    }

    /// CLOSE: silently expunges `\Deleted` messages unless read-only (RFC 9051 §6.4.1).
    public static func close(selected: SelectedMailbox, context: CommandContext) async -> CommandResult {
        .no("not implemented")
    }

    /// STORE / UID STORE (RFC 9051 §6.4.6) with UNCHANGEDSINCE (RFC 7162 §3.1.3).
    public static func store(_ set: SequenceSet, unchangedSince: UInt64?, action: StoreAction, uid: Bool,
                             selected: SelectedMailbox, context: CommandContext) async -> CommandResult {
        .no("not implemented")
    }

    /// COPY / UID COPY with COPYUID (RFC 4315 §3); `[TRYCREATE]` for a missing target.
    public static func copy(_ set: SequenceSet, to name: MailboxName, uid: Bool,
                            selected: SelectedMailbox, context: CommandContext) async -> CommandResult {
        .no("not implemented")
    }

    /// MOVE / UID MOVE (RFC 6851 §3): COPYUID in an untagged OK, then
    /// EXPUNGE (or VANISHED) of the moved messages.
    public static func move(_ set: SequenceSet, to name: MailboxName, uid: Bool,
                            selected: SelectedMailbox, context: CommandContext) async -> CommandResult {
        .no("not implemented")
    }
}
