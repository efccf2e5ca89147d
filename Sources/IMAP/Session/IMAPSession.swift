import Accounts
import Logging
import MailCore
import MailStore

/// One IMAP connection's session (RFC 9051 §3 states: not authenticated,
/// authenticated, selected, logout). It frames the client's bytes with
/// `IMAPCommandParser`, runs each command through the handlers, and sends
/// untagged updates from the selected mailbox's change log wherever RFC
/// 9051 §7.5.1 allows them. It never touches the network: the connection
/// feeds it bytes and sends what it returns; long responses go out through
/// `write` as they are made.
///
/// Used by one connection task at a time; not Sendable.
public final class IMAPSession {
    public init(store: any MailStore, authenticator: Authenticator, configuration: IMAPSessionConfiguration,
                connection: ConnectionInfo, logger: Logger, write: @escaping IMAPResponseWriter) {}

    /// `* OK [CAPABILITY ...] host ready` (RFC 9051 §7.1.1).
    public func greeting() -> IMAPSessionOutput { IMAPSessionOutput() }

    /// Bytes as read from the connection, any framing.
    public func receive(_ bytes: [UInt8]) async -> IMAPSessionOutput { IMAPSessionOutput() }

    /// The mailbox whose change notifications the connection should turn
    /// into `mailboxChanged()` calls: the selected one, nil when none.
    public var watchedMailbox: MailboxID? { nil }

    /// The watched mailbox changed (a wake-up, see `MailStore.changeNotifications`).
    /// While the client is in IDLE (RFC 2177) the new EXISTS, EXPUNGE and
    /// FETCH responses go out at once; otherwise nothing is sent now and
    /// the changes are reported after the client's next command.
    public func mailboxChanged() async -> IMAPSessionOutput { IMAPSessionOutput() }

    /// The STARTTLS handshake completed.
    public func tlsStarted(_ connection: ConnectionInfo) {}

    /// Sent before the connection closes at server shutdown (RFC 9051 §7.1.5).
    public func shutdownNotice() -> [UInt8] { [] }

    /// The connection ended for any reason.
    public func connectionClosed() async {}
}
