import Foundation
import MailStore

/// Keeps one POP3 session per maildrop at a time (RFC 1939 §8 exclusive-access lock,
/// RFC 2449 §8.1.1 IN-USE response code). Shared by every POP3 connection of a server.
///
/// The lock lives in this process: IMAP sessions and admin commands may still
/// change the INBOX, which the POP3 snapshot tolerates (vanished messages are
/// reported as unavailable, and QUIT skips them).
public final class MaildropLocks: Sendable {
    private let lock = NSLock()
    nonisolated(unsafe) private var held: Set<AccountID> = []

    public init() {}

    /// Takes the lock of an account's maildrop; false when another session holds it.
    public func acquire(_ accountID: AccountID) -> Bool {
        lock.withLock { held.insert(accountID).inserted }
    }

    /// Releases a lock taken with `acquire`.
    public func release(_ accountID: AccountID) {
        lock.withLock { _ = held.remove(accountID) }
    }

    /// True while some session holds the account's maildrop.
    public func isLocked(_ accountID: AccountID) -> Bool {
        lock.withLock { held.contains(accountID) }
    }
}
