import MailStore

/// An error a command reports as one line (`Error: …`, exit code 1).
struct CommandError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }

    /// A store error in words.
    init(_ error: MailStoreError) {
        switch error {
        case .accountExists(let address): description = "account \(address) already exists"
        case .accountNotFound(let address): description = "no account \(address)"
        case .domainExists(let name): description = "domain \(name) already exists"
        case .domainNotFound(let name): description = "no local domain \(name)"
        case .aliasExists(let source): description = "alias \(source) already exists"
        case .aliasNotFound(let source): description = "no alias \(source)"
        case .mailboxExists(let name): description = "mailbox \(name) already exists"
        case .mailboxNotFound(let name): description = "no mailbox \(name)"
        case .invalidMailboxName(let name): description = "invalid mailbox name \"\(name)\""
        case .messageNotFound(let uid): description = "no message with UID \(uid)"
        case .messageTooLarge(let size): description = "a message of \(size) octets is over the size limit"
        case .notFound(let what): description = "not found: \(what)"
        case .conflict(let reason): description = "conflict: \(reason)"
        case .overQuota(let exceeded):
            let whose = switch exceeded.root {
            case .account(let address): "account \(address)"
            case .domain(let name): "domain \(name)"
            }
            description = "over quota: \(whose) is at its \(exceeded.resource.rawValue) limit of \(exceeded.limit)"
        case .metadataLimit(.valueTooLarge(let maximum)): description = "a metadata value is longer than \(maximum) octets"
        case .metadataLimit(.tooMany): description = "too many metadata entries for the account"
        case .temporarilyUnavailable(let reason): description = "store temporarily unavailable (try again): \(reason)"
        case .storageFailure(let reason): description = "storage failure: \(reason)"
        }
    }
}
