import MailCore
import MailStore

/// LIST (RFC 9051 §6.3.9) with LIST-EXTENDED (RFC 5258), SPECIAL-USE (RFC
/// 6154 §2), CHILDREN and LIST-STATUS (RFC 5819); LSUB (RFC 3501 §6.3.9).
///
/// Every LIST answer carries `\HasChildren`/`\HasNoChildren` and the
/// special-use attribute, requested or not (RFC 5258 §4 and RFC 6154 §2
/// allow it). A subscribed name need not exist (RFC 9051 §6.3.7): LIST
/// (SUBSCRIBED) lists it as `\Subscribed \NonExistent` (RFC 5258 §3.1,
/// §5 example 3), LSUB as `\Noselect`.
enum ListCommandHandler {
    /// What the options of one LIST ask for.
    struct Options {
        var selectSubscribed = false
        var selectSpecialUse = false
        var recursiveMatch = false
        var returnSubscribed = false
        var returnStatus: [StatusAttribute]?
        /// The client used LIST-EXTENDED syntax or IMAP4rev2: parents that
        /// are not mailboxes are `\NonExistent` rather than `\Noselect`.
        var extended = false
    }

    static func list(_ command: ListCommand, context: CommandContext) async -> CommandResult {
        let options: Options
        switch parseOptions(command, context: context) {
        case .success(let parsed): options = parsed
        case .failure(let error): return .bad(error.reason)
        }
        var patterns: [ListPattern] = []
        var wantsRoot = false
        for pattern in command.patterns {
            if pattern.isEmpty {
                wantsRoot = true
                continue
            }
            // A pattern that is not valid modified UTF-7 (or UTF-8) is still
            // a valid command: no mailbox name can match it (Dovecot: OK).
            guard let text = try? MailboxNameCodec.decodeText(command.reference.bytes + pattern,
                                                              encoding: context.nameEncoding) else { continue }
            guard let parsed = ListPattern(text) else { return .bad("mailbox pattern too long") }
            patterns.append(parsed)
        }
        var untagged: [UntaggedResponse] = []
        // LIST "" "": the hierarchy delimiter and the root name (RFC 9051 §6.3.9).
        if wantsRoot {
            untagged.append(.list(ListResponse(attributes: ["\\Noselect"], mailbox: MailboxName([]))))
        }
        guard !patterns.isEmpty else { return .ok("LIST completed", untagged: untagged) }
        do {
            let tree = try await MailboxTree.load(context)
            // LIST-STATUS (RFC 5819): every mailbox's counters in one store read.
            let statuses = options.returnStatus == nil ? [:]
                : try await context.store.mailboxStatuses(accountID: context.account.id)
            let names = options.selectSubscribed ? tree.allNamesWithSubscriptions : tree.allNames
            for name in names where patterns.contains(where: { $0.matches(name) }) {
                guard let entry = entry(name, tree: tree, options: options, patterns: patterns) else { continue }
                untagged.append(.list(ListResponse(attributes: entry.attributes,
                                                   mailbox: MailboxNameCodec.encode(name, encoding: context.nameEncoding),
                                                   extended: entry.extended)))
                if let attributes = options.returnStatus, let mailbox = tree.mailboxes[name] {
                    untagged.append(try await StatusCommandHandler.statusResponse(mailbox, attributes,
                                                                                  status: statuses[mailbox.id],
                                                                                  context: context))
                }
            }
        } catch {
            return MailboxCommandErrors.result(for: error, context: context)
        }
        return .ok("LIST completed", untagged: untagged)
    }

    /// The attributes and extended data of one name, nil when the selection
    /// options leave it out.
    static func entry(_ name: String, tree: MailboxTree, options: Options, patterns: [ListPattern])
        -> (attributes: [String], extended: [ListResponse.ExtendedItem])? {
        let mailbox = tree.mailboxes[name]
        let subscribed = tree.subscribed.contains(name)
        var selected = mailbox != nil || !(options.selectSubscribed || options.selectSpecialUse)
        // RFC 5258 §3.1: SUBSCRIBED also selects subscribed names that do not exist.
        if options.selectSubscribed { selected = subscribed }
        if options.selectSpecialUse, mailbox?.specialUse == nil { selected = false }
        // RECURSIVEMATCH (RFC 5258 §3.5): a parent of a selected mailbox
        // that the patterns do not list themselves gets CHILDINFO, and is
        // listed for it even when it is not selected itself.
        let childInfo = options.recursiveMatch && options.selectSubscribed && tree.subscribedAncestors.contains(name)
            && tree.subscribed.contains { descendant in
                descendant.utf8.starts(with: (name + "/").utf8) && !patterns.contains { $0.matches(descendant) }
            }
        guard selected || childInfo else { return nil }

        var attributes: [String] = []
        if let mailbox {
            attributes.append(tree.hasChildren(name) ? "\\HasChildren" : "\\HasNoChildren")
            if let use = mailbox.specialUse { attributes.append(use.rawValue) }
            if options.returnSubscribed, subscribed { attributes.append("\\Subscribed") }
        } else {
            if options.returnSubscribed, subscribed { attributes.append("\\Subscribed") }
            attributes.append(options.extended ? "\\NonExistent" : "\\Noselect")
            if tree.hasChildren(name) { attributes.append("\\HasChildren") }
        }
        return (attributes, childInfo ? [.childInfo(["SUBSCRIBED"])] : [])
    }

    static func parseOptions(_ command: ListCommand, context: CommandContext) -> Result<Options, InvalidMailboxName> {
        var options = Options()
        options.extended = !command.selectOptions.isEmpty || !command.returnOptions.isEmpty
            || command.patterns.count > 1 || context.enabled.contains(.imap4rev2)
        var otherSelection = false
        for option in command.selectOptions {
            switch option {
            case .subscribed:
                options.selectSubscribed = true
                options.returnSubscribed = true
                otherSelection = true
            case .specialUse:
                options.selectSpecialUse = true
                otherSelection = true
            case .recursiveMatch: options.recursiveMatch = true
            // No remote mailboxes here (RFC 2193): REMOTE changes nothing.
            case .remote: break
            case .other(let name):
                return .failure(InvalidMailboxName("unknown LIST selection option \(name)"))
            }
        }
        // RFC 5258 §3.1: RECURSIVEMATCH alone (or with REMOTE only) is BAD.
        if options.recursiveMatch, !otherSelection {
            return .failure(InvalidMailboxName("RECURSIVEMATCH needs another selection option"))
        }
        for option in command.returnOptions {
            switch option {
            case .subscribed: options.returnSubscribed = true
            // Always returned: \HasChildren/\HasNoChildren and special-use.
            case .children, .specialUse: break
            case .status(let attributes): options.returnStatus = (options.returnStatus ?? []) + attributes
            // An unknown return option is BAD, as an unknown selection
            // option is (RFC 5258 §3; Dovecot does the same).
            case .other(let name):
                return .failure(InvalidMailboxName("unknown LIST return option \(name)"))
            }
        }
        return .success(options)
    }

    /// LSUB (RFC 3501 §6.3.9): subscribed mailboxes matching the pattern;
    /// with a trailing `%`, unsubscribed parents of subscribed mailboxes are
    /// listed with `\Noselect`. A subscribed name with no mailbox is listed
    /// too, as `\Noselect` (RFC 9051 §6.3.7 keeps it subscribed).
    static func lsub(reference: MailboxName, pattern: [UInt8], context: CommandContext) async -> CommandResult {
        guard !pattern.isEmpty else { return .ok("LSUB completed") }
        // An undecodable pattern matches no name (as in LIST).
        guard let text = try? MailboxNameCodec.decodeText(reference.bytes + pattern, encoding: context.nameEncoding)
        else { return .ok("LSUB completed") }
        guard let matcher = ListPattern(text) else { return .bad("mailbox pattern too long") }
        do {
            let tree = try await MailboxTree.load(context)
            var untagged: [UntaggedResponse] = []
            for name in tree.allNamesWithSubscriptions where matcher.matches(name) {
                let attributes: [String]
                if tree.subscribed.contains(name) {
                    attributes = tree.mailboxes[name] == nil ? ["\\Noselect"] : []
                } else if matcher.endsWithPercent, tree.subscribedAncestors.contains(name) {
                    attributes = ["\\Noselect"]
                } else {
                    continue
                }
                untagged.append(.lsub(ListResponse(attributes: attributes,
                                                   mailbox: MailboxNameCodec.encode(name, encoding: context.nameEncoding))))
            }
            return .ok("LSUB completed", untagged: untagged)
        } catch {
            return MailboxCommandErrors.result(for: error, context: context)
        }
    }
}
