import MailStore

/// The tagged NO for a failed store call or a refused name, with the RFC
/// 5530 response code a client can act on.
enum MailboxCommandErrors {
    static func result(for error: any Error, context: CommandContext) -> CommandResult {
        switch error {
        case let error as InvalidMailboxName:
            return invalidName(error)
        case let error as MailStoreError:
            switch error {
            case .mailboxExists: return .no("mailbox already exists", code: .alreadyExists)
            case .mailboxNotFound: return .no("no such mailbox", code: .nonExistent)
            case .invalidMailboxName: return .no("the mailbox name is not allowed here", code: .cannot)
            case .messageTooLarge: return .no("message too large", code: .other("TOOBIG", nil))
            case .messageNotFound, .notFound: return .no("no such message", code: .nonExistent)
            case .conflict: return .no("the mailbox changed meanwhile, try again", code: .cannot)
            case .overQuota(let exceeded): return overQuota(exceeded)
            case .metadataLimit(let exceeded): return metadataLimit(exceeded)
            case .temporarilyUnavailable:
                return temporarilyUnavailable(error, command: "mailbox command", context: context)
            case .accountExists, .accountNotFound, .domainExists, .domainNotFound, .aliasExists, .aliasNotFound,
                 .storageFailure:
                context.logger.error("mailbox command failed in the store: \(String(describing: error))")
                return .no("internal storage error", code: .serverBug)
            }
        default:
            context.logger.error("mailbox command failed: \(String(describing: error))")
            return .no("internal error", code: .serverBug)
        }
    }

    /// `NO [UNAVAILABLE]` (RFC 5530 §3): the store failed in a way that
    /// may pass (busy, disk full); the client should try again later.
    static func temporarilyUnavailable(_ error: any Error, command: String, context: CommandContext) -> CommandResult {
        context.logger.warning("IMAP \(command): store temporarily unavailable: \(error)")
        return .no("\(command) failed: the mail store is temporarily unavailable, try again later",
                   code: .unavailable)
    }

    /// `NO [OVERQUOTA]` (RFC 9208 §4.3): the write would pass a quota.
    static func overQuota(_ exceeded: QuotaExceeded) -> CommandResult {
        let what = exceeded.resource == .storage ? "storage" : "message"
        let whose: String
        switch exceeded.root {
        case .account: whose = "your mailbox"
        case .domain(let name): whose = "the domain \(name)"
        }
        return .no("over quota: \(whose) is at its \(what) limit", code: .overQuota)
    }

    /// `NO [METADATA MAXSIZE n]` or `NO [METADATA TOOMANY]` (RFC 5464 §4.3).
    static func metadataLimit(_ exceeded: MetadataLimitExceeded) -> CommandResult {
        switch exceeded {
        case .valueTooLarge(let maximum):
            return .no("a metadata value is longer than \(maximum) octets", code: .other("METADATA", "MAXSIZE \(maximum)"))
        case .tooMany:
            return .no("too many metadata entries", code: .other("METADATA", "TOOMANY"))
        }
    }

    /// NO [CANNOT] for a name the codec refused.
    static func invalidName(_ error: InvalidMailboxName) -> CommandResult {
        .no("invalid mailbox name: \(error.reason)", code: .cannot)
    }
}
