#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Errors every `MailStore` implementation reports in the same way.
///
/// The specific cases say what is wrong for callers that need to know
/// (`mailboxExists` gives IMAP `[ALREADYEXISTS]`); `kind` sorts every case
/// into the contract's classes, which say whether to retry.
public enum MailStoreError: Error, Sendable, Equatable {
    case accountExists(String)
    case accountNotFound(String)
    case domainExists(String)
    case domainNotFound(String)
    case aliasExists(String)
    case aliasNotFound(String)
    case mailboxExists(String)
    case mailboxNotFound(String)
    /// INBOX cannot be deleted; a name with empty or `.`/`..` components, control
    /// characters or over the length bound is refused.
    case invalidMailboxName(String)
    case messageNotFound(MessageUID)
    /// The message is over the configured size bound.
    case messageTooLarge(Int)
    /// The write would take an account or a domain over its quota; nothing
    /// was stored (IMAP `NO [OVERQUOTA]`, SMTP `452 4.2.2`/`552 5.2.2`).
    case overQuota(QuotaExceeded)
    /// A `setMetadata` would pass a `MetadataLimits` bound; nothing was
    /// changed (IMAP `NO [METADATA MAXSIZE n]` / `[METADATA TOOMANY]`).
    case metadataLimit(MetadataLimitExceeded)
    /// Something else the operation needs does not exist.
    case notFound(String)
    /// The operation collides with the stored state (something exists
    /// already, or changed in a way the operation cannot accept).
    case conflict(String)
    /// The store cannot serve the call now, but may soon: the database is
    /// busy or locked by another writer beyond the busy timeout, the disk is
    /// full, an I/O error. The operation changed nothing; the same call may
    /// succeed later, so protocols answer with their temporary error (IMAP
    /// `NO [UNAVAILABLE]`, POP3 `-ERR [SYS/TEMP]`, SMTP `451 4.3.0`).
    case temporarilyUnavailable(String)
    /// A failure retrying will not mend (a damaged database, a closed
    /// store, an inconsistency); the operation changed nothing.
    case storageFailure(String)

    /// The contract's error classes.
    public enum Kind: Sendable, Hashable {
        /// What the call names does not exist (account, domain, alias,
        /// mailbox, message). Permanent for this call.
        case notFound
        /// It exists already or the state forbids the change. Permanent
        /// for this call.
        case conflict
        /// The request itself is refused (a name or size over a bound).
        case invalidRequest
        /// A quota would be exceeded; nothing was changed. Permanent for
        /// this call, but the same call may work once mail is deleted.
        case overQuota
        /// Retry later; nothing was changed.
        case temporarilyUnavailable
        /// Do not retry; nothing was changed.
        case storageFailure
    }

    public var kind: Kind {
        switch self {
        case .accountNotFound, .domainNotFound, .aliasNotFound, .mailboxNotFound, .messageNotFound, .notFound:
            return .notFound
        case .accountExists, .domainExists, .aliasExists, .mailboxExists, .conflict:
            return .conflict
        case .invalidMailboxName, .messageTooLarge, .metadataLimit:
            return .invalidRequest
        case .overQuota:
            return .overQuota
        case .temporarilyUnavailable:
            return .temporarilyUnavailable
        case .storageFailure:
            return .storageFailure
        }
    }

    /// True when `error` is a store failure that may pass: the caller should
    /// answer with its protocol's temporary error, and a login that failed
    /// this way is not a wrong password.
    public static func isTemporary(_ error: any Error) -> Bool {
        (error as? MailStoreError)?.kind == .temporarilyUnavailable
    }

    /// The error for a failed POSIX call on the store's files: temporary for
    /// the errno values that describe a passing condition (full disk, quota,
    /// I/O error, out of descriptors or memory), permanent otherwise.
    public static func posix(_ description: String, errno code: Int32) -> MailStoreError {
        let text = "\(description): \(String(cString: strerror(code)))"
        switch code {
        case ENOSPC, EDQUOT, EIO, EAGAIN, EINTR, EMFILE, ENFILE, ENOMEM, EBUSY:
            return .temporarilyUnavailable(text)
        default:
            return .storageFailure(text)
        }
    }
}
