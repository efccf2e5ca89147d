import MailCore
import MailStore

/// CREATE, DELETE, RENAME, SUBSCRIBE and UNSUBSCRIBE (RFC 9051 §6.3.4 to
/// §6.3.8). Every store call names `context.account.id`: a client's name is
/// only ever looked up among its own account's mailboxes.
enum MailboxTreeCommands {
    // MARK: CREATE

    /// CREATE (RFC 9051 §6.3.4): a trailing delimiter is dropped, missing
    /// parents are created too, and `(USE (\Drafts))` sets the special use
    /// (CREATE-SPECIAL-USE, RFC 6154 §3).
    static func create(_ name: MailboxName, parameters: [CommandParameter], context: CommandContext) async
        -> CommandResult {
        var bytes = name.bytes
        if bytes.count > 1, bytes.last == UInt8(ascii: "/") { bytes.removeLast() }
        let storeName: String
        do {
            storeName = try MailboxNameCodec.decode(MailboxName(bytes), encoding: context.nameEncoding)
        } catch {
            return MailboxCommandErrors.invalidName(error)
        }
        let specialUse: SpecialUse?
        switch parseUse(parameters) {
        case .success(let use): specialUse = use
        case .failure(let refusal): return refusal.result
        }
        if storeName == "INBOX" { return .no("INBOX always exists", code: .alreadyExists) }
        do {
            let account = context.account.id
            if try await context.store.mailbox(accountID: account, name: storeName) != nil {
                return .no("mailbox already exists", code: .alreadyExists)
            }
            try await createMissingParents(of: storeName, context: context)
            let created = try await context.store.createMailbox(accountID: account, name: storeName, specialUse: specialUse)
            // RFC 8474 §4.1: the new mailbox's MAILBOXID.
            return .ok("CREATE completed", code: .mailboxID(ObjectID.mailbox(created)))
        } catch {
            return MailboxCommandErrors.result(for: error, context: context)
        }
    }

    /// Why a USE parameter was refused: BAD for syntax, NO [USEATTR] for a
    /// use this server cannot give (RFC 6154 §3).
    struct UseRefusal: Error {
        var result: CommandResult
    }

    /// The special use asked by CREATE's parameters (at most one: the store
    /// keeps one per mailbox); other parameters are BAD (RFC 4466 §2.2).
    static func parseUse(_ parameters: [CommandParameter]) -> Result<SpecialUse?, UseRefusal> {
        var uses: [SpecialUse] = []
        for parameter in parameters {
            guard parameter.name.uppercased() == "USE" else {
                return .failure(UseRefusal(result: .bad("unknown CREATE parameter \(parameter.name)")))
            }
            guard case .list(let values)? = parameter.value else {
                return .failure(UseRefusal(result: .bad("USE needs a list of attributes")))
            }
            for value in values {
                guard case .token(let text) = value else {
                    return .failure(UseRefusal(result: .bad("USE needs a list of attributes")))
                }
                guard let use = SpecialUse.allCases.first(where: { $0.rawValue.lowercased() == text.lowercased() }) else {
                    return .failure(UseRefusal(result: .no("unsupported special use \(text)", code: .useAttr)))
                }
                if !uses.contains(use) { uses.append(use) }
            }
        }
        guard uses.count <= 1 else {
            return .failure(UseRefusal(result: .no("only one special use per mailbox", code: .useAttr)))
        }
        return .success(uses.first)
    }

    static func createMissingParents(of name: String, context: CommandContext) async throws {
        try await MailboxNameCodec.createMissingParents(of: name, accountID: context.account.id, store: context.store)
    }

    // MARK: DELETE

    /// DELETE (RFC 9051 §6.3.5). INBOX cannot be deleted. A mailbox with
    /// children is deleted alone: its children stay, and its name lives on
    /// as a `\NonExistent` parent in LIST until they go (the hierarchy is by
    /// name, so no `\Noselect` mailbox is ever stored; §6.3.5's example).
    static func delete(_ name: MailboxName, context: CommandContext) async -> CommandResult {
        let storeName: String
        do {
            storeName = try MailboxNameCodec.decode(name, encoding: context.nameEncoding)
        } catch {
            return MailboxCommandErrors.invalidName(error)
        }
        if storeName == "INBOX" { return .no("INBOX cannot be deleted", code: .cannot) }
        do {
            guard let mailbox = try await context.store.mailbox(accountID: context.account.id, name: storeName) else {
                return .no("no such mailbox", code: .nonExistent)
            }
            try await context.store.deleteMailbox(id: mailbox.id)
            context.viewCache?.forget(mailboxID: mailbox.id)
            return .ok("DELETE completed")
        } catch {
            return MailboxCommandErrors.result(for: error, context: context)
        }
    }

    // MARK: RENAME

    /// RENAME (RFC 9051 §6.3.6): children move with their parent, missing
    /// parents of the new name are created, and renaming INBOX moves its
    /// messages into the new mailbox, leaving INBOX empty. Renaming a
    /// mailbox below itself is refused.
    static func rename(from: MailboxName, to: MailboxName, context: CommandContext) async -> CommandResult {
        let source: String
        let target: String
        do {
            source = try MailboxNameCodec.decode(from, encoding: context.nameEncoding)
            target = try MailboxNameCodec.decode(to, encoding: context.nameEncoding)
        } catch {
            return MailboxCommandErrors.invalidName(error)
        }
        if target == "INBOX" { return .no("INBOX always exists", code: .alreadyExists) }
        if source != "INBOX", target.hasPrefix(source + "/") {
            return .no("cannot rename a mailbox below itself", code: .cannot)
        }
        do {
            let account = context.account.id
            guard let mailbox = try await context.store.mailbox(accountID: account, name: source) else {
                return .no("no such mailbox", code: .nonExistent)
            }
            let existing = try await context.store.mailbox(accountID: account, name: target)
            if source == target || existing != nil {
                return .no("mailbox already exists", code: .alreadyExists)
            }
            try await context.store.renameMailbox(id: mailbox.id, to: target)
            try await createMissingParents(of: target, context: context)
            return .ok("RENAME completed")
        } catch {
            return MailboxCommandErrors.result(for: error, context: context)
        }
    }

    // MARK: SUBSCRIBE, UNSUBSCRIBE

    /// SUBSCRIBE / UNSUBSCRIBE (RFC 9051 §6.3.7, §6.3.8). Subscriptions are
    /// names, kept apart from mailboxes: SUBSCRIBE takes any valid name, a
    /// mailbox of that name or not (§6.3.7 allows either; Dovecot does the
    /// same), and the name stays subscribed when its mailbox is deleted.
    /// UNSUBSCRIBE of a name that is not subscribed is NO [NONEXISTENT].
    static func setSubscribed(_ name: MailboxName, _ subscribed: Bool, context: CommandContext) async -> CommandResult {
        let storeName: String
        do {
            storeName = try MailboxNameCodec.decode(name, encoding: context.nameEncoding)
        } catch {
            return MailboxCommandErrors.invalidName(error)
        }
        do {
            let account = context.account.id
            if subscribed {
                try await context.store.subscribe(accountID: account, name: storeName)
                return .ok("SUBSCRIBE completed")
            }
            guard try await context.store.unsubscribe(accountID: account, name: storeName) else {
                return .no("not subscribed", code: .nonExistent)
            }
            return .ok("UNSUBSCRIBE completed")
        } catch {
            return MailboxCommandErrors.result(for: error, context: context)
        }
    }
}
