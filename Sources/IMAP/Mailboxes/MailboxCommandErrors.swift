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
            case .messageNotFound: return .no("no such message", code: .nonExistent)
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

    /// NO [CANNOT] for a name the codec refused.
    static func invalidName(_ error: InvalidMailboxName) -> CommandResult {
        .no("invalid mailbox name: \(error.reason)", code: .cannot)
    }
}
