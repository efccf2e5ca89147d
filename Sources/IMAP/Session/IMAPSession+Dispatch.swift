// Runs a command that is valid in the current state (the caller checked,
// see `IMAPCommand.requiredState`): any-state commands (RFC 9051 §6.1,
// ID RFC 2971), ENABLE (RFC 5161), and the handlers of the authenticated
// and selected states.
import Logging
import MailCore
import MailStore

extension IMAPSession {
    /// The command's completion, or nil when it continues (AUTHENTICATE
    /// waiting for a SASL line, IDLE waiting for DONE).
    func execute(_ tagged: TaggedCommand) async -> CommandResult? {
        switch tagged.command {
        case .capability:
            return .ok("CAPABILITY completed", untagged: [.capability(capabilities)])
        case .noop:
            if await selectedMailboxIsGone() { return selectedMailboxDeleted() }
            return .ok("NOOP completed")
        case .unauthenticate:
            return unauthenticate()
        case .logout:
            return logout()
        case .id(let parameters):
            return id(parameters)
        case .starttls:
            return startTLS()
        case .login(let user, let password):
            return await login(user: user, password: password)
        case .authenticate(let mechanism, let initialResponse):
            return await authenticate(tag: tagged.tag, mechanism: mechanism, initialResponse: initialResponse)
        case .enable(let names):
            return enable(names)
        case .idle:
            return await startIdle(tag: tagged.tag)
        case .compress(let algorithm):
            return compress(algorithm)
        case .select(let name, let parameters):
            return await select(name, parameters: parameters, readOnly: false)
        case .examine(let name, let parameters):
            return await select(name, parameters: parameters, readOnly: true)
        case .create, .delete, .rename, .subscribe, .unsubscribe, .list, .lsub, .namespace, .status, .append,
             .getQuota, .getQuotaRoot, .setQuota, .getMetadata, .setMetadata:
            return await mailboxCommand(tagged.command)
        case .check:
            // RFC 3501 §6.4.1; gone from rev2, kept for rev1 clients: a NOOP here.
            if await selectedMailboxIsGone() { return selectedMailboxDeleted() }
            return .ok("CHECK completed")
        case .close, .unselect, .expunge, .uidExpunge, .search, .sort, .thread, .fetch, .store, .copy, .move, .replace:
            return await selectedCommand(tagged)
        }
    }

    // MARK: Any state

    /// RFC 9051 §6.1.3: `* BYE`, then the tagged OK, then the connection closes.
    func logout() -> CommandResult {
        if account != nil { logger.info("logout") }
        end(action: .close)
        return .ok("LOGOUT completed",
                   untagged: [.condition(.bye, ResponseText("\(configuration.hostName) IMAP4rev2 server logging out"))])
    }

    /// RFC 8437 §3: back to the not-authenticated state on the same
    /// connection (TLS stays): the selection ends without expunging, the
    /// ENABLEd extensions and the account are forgotten, and the parser
    /// returns to its pre-login bounds; the client may log in again.
    func unauthenticate() -> CommandResult {
        logger.info("unauthenticate")
        selected = nil
        account = nil
        enabled = []
        parser.limits = configuration.limitsBeforeLogin
        parser.spoolFactory = nil
        commandsBeforeLogin = 0
        logger[metadataKey: "account"] = nil
        return .ok("UNAUTHENTICATE completed")
    }

    /// COMPRESS (RFC 4978 §3): DEFLATE from the byte after the tagged OK
    /// on, once per connection; `NO [COMPRESSIONACTIVE]` when it is on
    /// already. A listener that cannot compress does not know the command.
    func compress(_ algorithm: String) -> CommandResult {
        guard configuration.offersCompression else { return .bad("unknown command COMPRESS") }
        guard !isCompressing else { return .no("DEFLATE is active already", code: .compressionActive) }
        guard algorithm.uppercased() == "DEFLATE" else { return .bad("unknown compression algorithm \(algorithm)") }
        isCompressing = true
        // Anything after the command in this read was sent before the
        // client saw the OK (RFC 4978 §3: it must wait), so it is neither
        // compressed nor a command: dropped, as after STARTTLS.
        var fresh = IMAPCommandParser(limits: parser.limits)
        fresh.spoolFactory = parser.spoolFactory
        parser = fresh
        pendingAction = .startCompression
        logger.debug("starting DEFLATE compression")
        return .ok("DEFLATE active")
    }

    /// RFC 2971 §3.3: the client's identification is logged, the server's sent.
    func id(_ parameters: [IDParameter]?) -> CommandResult {
        if let parameters {
            let client = parameters.prefix(30).map { parameter in
                let value = parameter.value.map { String(decoding: $0, as: UTF8.self) } ?? "NIL"
                return LoggableText.clean(String(decoding: parameter.key, as: UTF8.self)) + "=" + LoggableText.clean(value)
            }.joined(separator: " ")
            logger.debug("client ID", metadata: ["id": "\(client)"])
        }
        let server = [IDParameter("name", "Tern"), IDParameter("version", configuration.serverVersion)]
        return .ok("ID completed", untagged: [.id(server)])
    }

    // MARK: ENABLE (RFC 5161)

    /// The extensions ENABLE knows, by their upper-cased capability name,
    /// with the spelling the ENABLED response uses.
    static let enableable: [String: (EnabledExtensions, String)] = [
        "IMAP4REV2": (.imap4rev2, "IMAP4rev2"),
        "CONDSTORE": (.condstore, "CONDSTORE"),
        // RFC 7162 §3.2.3: QRESYNC implies CONDSTORE.
        "QRESYNC": ([.qresync, .condstore], "QRESYNC"),
        "UTF8=ACCEPT": (.utf8Accept, "UTF8=ACCEPT"),
    ]

    /// RFC 5161 §3.1: only in the authenticated state; unknown names are
    /// ignored, and `* ENABLED` lists what this command newly turned on.
    func enable(_ names: [String]) -> CommandResult {
        guard selected == nil else { return .bad("ENABLE is not allowed while a mailbox is selected") }
        let before = enabled
        var newlyEnabled: [String] = []
        for name in names {
            guard let (extensions, spelling) = Self.enableable[name.uppercased()] else { continue }
            let primary = extensions.contains(.qresync) ? EnabledExtensions.qresync : extensions
            if !before.contains(primary), !newlyEnabled.contains(spelling) { newlyEnabled.append(spelling) }
            enabled.formUnion(extensions)
        }
        if !newlyEnabled.isEmpty { logger.debug("enabled", metadata: ["extensions": "\(newlyEnabled)"]) }
        return .ok("ENABLE completed", untagged: [.enabled(newlyEnabled)])
    }

    // MARK: Authenticated state

    /// CREATE, DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE, LIST, LSUB, NAMESPACE,
    /// STATUS and APPEND go to `MailboxCommandHandler`. A DELETE (or a
    /// RENAME) that removed the selected mailbox ends the selection.
    func mailboxCommand(_ command: IMAPCommand) async -> CommandResult {
        guard let account else { return .bad("\(command.name) is not allowed before login") }
        guard let context = await makeContext(account) else { return .no("Connection closed") }
        var result = await MailboxCommandHandler.handle(command, context: context)
        switch command {
        case .delete, .rename:
            if result.status == .ok, await selectedMailboxIsGone() {
                logger.debug("selected mailbox removed by this session, deselected")
                selected = nil
                result.untagged.append(.condition(.ok, ResponseText(code: .closed, "Selected mailbox no longer exists")))
            }
        default:
            break
        }
        return result
    }

    /// True when a mailbox is selected and the store no longer has it.
    func selectedMailboxIsGone() async -> Bool {
        guard let selected else { return false }
        do {
            return try await store.mailbox(id: selected.mailbox.id) == nil
        } catch {
            logger.error("cannot read the selected mailbox", metadata: ["error": "\(error)"])
            return false
        }
    }

    /// Another session or an admin command deleted the selected mailbox:
    /// RFC 9051 has no way to tell the client but `* BYE` (as Dovecot does).
    /// Nil: there is no tagged completion.
    func selectedMailboxDeleted() -> CommandResult? {
        logger.info("selected mailbox was deleted, closing")
        send(.untagged(.condition(.bye, ResponseText("Selected mailbox was deleted, have to disconnect"))))
        end(action: .close)
        return nil
    }

    /// SELECT and EXAMINE (RFC 9051 §6.3.2, §6.3.3). The current selection
    /// ends first, with `* OK [CLOSED]`, whether or not the new one works.
    func select(_ name: MailboxName, parameters: [CommandParameter], readOnly: Bool) async -> CommandResult {
        guard let account else { return .bad("SELECT is not allowed before login") }
        if selected != nil {
            selected = nil
            send(.untagged(.condition(.ok, ResponseText(code: .closed, "Previous mailbox is now closed"))))
        }
        guard let context = await makeContext(account) else { return .no("Connection closed") }
        let selection = await SelectedMailboxCommands.select(name, parameters: parameters, readOnly: readOnly,
                                                             context: context)
        enabled.formUnion(selection.enabled)
        if selection.result.status == .ok, let view = selection.selected {
            selected = view
            logger.debug("selected", metadata: ["mailbox": "\(LoggableText.clean(view.mailbox.name))",
                                                "readOnly": "\(readOnly)"])
        }
        return selection.result
    }

    // MARK: Selected state

    /// The selected-state commands: SelectedMailboxCommands, FETCH and SEARCH.
    func selectedCommand(_ tagged: TaggedCommand) async -> CommandResult {
        guard let account, let selected else { return .bad("\(tagged.command.name) needs a selected mailbox") }
        guard let context = await makeContext(account) else { return .no("Connection closed") }
        switch tagged.command {
        case .close:
            // RFC 9051 §6.4.1: back to the authenticated state (even when the
            // silent expunge failed), no EXPUNGE responses.
            let result = await SelectedMailboxCommands.close(selected: selected, context: context)
            self.selected = nil
            return result
        case .unselect:
            // RFC 3691 §2 (RFC 9051 §6.4.2): like CLOSE without expunging.
            self.selected = nil
            return .ok("UNSELECT completed")
        case .expunge:
            return await SelectedMailboxCommands.expunge(uids: nil, selected: selected, context: context)
        case .uidExpunge(let set):
            return await SelectedMailboxCommands.expunge(uids: set, selected: selected, context: context)
        case .store(let set, let unchangedSince, let action, let uid):
            return await SelectedMailboxCommands.store(set, unchangedSince: unchangedSince, action: action, uid: uid,
                                                       selected: selected, context: context)
        case .copy(let set, let name, let uid):
            return await SelectedMailboxCommands.copy(set, to: name, uid: uid, selected: selected, context: context)
        case .move(let set, let name, let uid):
            return await SelectedMailboxCommands.move(set, to: name, uid: uid, selected: selected, context: context)
        case .replace(let number, let name, let message, let uid):
            return await SelectedMailboxCommands.replace(number, in: name, with: message, uid: uid, selected: selected,
                                                         context: context)
        case .fetch(let set, let attributes, let modifiers, let uid):
            return await FetchCommandHandler.fetch(set, attributes: attributes, modifiers: modifiers, uid: uid,
                                                   selected: selected, context: context)
        case .search(let search, let uid):
            return await SearchCommandHandler.search(search, uid: uid, tag: tagged.tag, selected: selected,
                                                     context: context)
        case .sort(let sort, let uid):
            return await SortCommandHandler.sort(sort, uid: uid, tag: tagged.tag, selected: selected, context: context)
        case .thread(let thread, let uid):
            return await SortCommandHandler.thread(thread, uid: uid, selected: selected, context: context)
        default:
            return .bad("\(tagged.command.name) is not a selected-state command")
        }
    }

    /// Sends the selected mailbox's news from its change log (DESIGN.md "How
    /// every device sees the same state"): EXPUNGE only where allowed.
    func sendUpdates(allowExpunge: Bool) async {
        guard let selected else { return }
        do {
            let responses = try await selected.synchronize(store: store, allowExpunge: allowExpunge, enabled: enabled)
            for response in responses { send(.untagged(response)) }
        } catch {
            logger.error("cannot read mailbox changes", metadata: ["error": "\(error)"])
        }
    }
}
