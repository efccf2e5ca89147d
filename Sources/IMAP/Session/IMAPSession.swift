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
    let store: any MailStore
    let authenticator: Authenticator
    let configuration: IMAPSessionConfiguration
    var connection: ConnectionInfo
    var logger: Logger
    let write: IMAPResponseWriter

    var parser: IMAPCommandParser
    /// Set by a successful LOGIN or AUTHENTICATE (authenticated state).
    var account: Account?
    /// The selected mailbox's view (selected state).
    var selected: SelectedMailbox?
    /// Extensions turned on by ENABLE, SELECT parameters or CONDSTORE use.
    var enabled: EnabledExtensions = []
    /// After LOGOUT, a BYE or the end of the connection.
    var isLoggedOut = false

    /// An AUTHENTICATE exchange waiting for the client's next line, and its tag.
    var saslExchange: SASLServerExchange?
    var authenticationTag: String?
    /// The tag of the IDLE command in progress (RFC 2177).
    var idleTag: String?

    /// Responses produced but not yet handed to the connection.
    var pending: [UInt8] = []
    /// What the connection must do once `pending` is sent.
    var pendingAction: IMAPSessionOutput.Action = .none
    /// COMPRESS=DEFLATE is on (RFC 4978): once per connection.
    var isCompressing = false
    /// BAD responses in a row (malformed or misplaced commands).
    var consecutiveBadCommands = 0
    /// Commands received before login.
    var commandsBeforeLogin = 0
    /// Bytes received for an incomplete command before login.
    var partialCommandBytesBeforeLogin = 0

    /// Views shared with the server's other sessions (see `MailboxViewCache`).
    let viewCache: MailboxViewCache?

    public init(store: any MailStore, authenticator: Authenticator, configuration: IMAPSessionConfiguration,
                connection: ConnectionInfo, logger: Logger, viewCache: MailboxViewCache? = nil,
                write: @escaping IMAPResponseWriter) {
        self.store = store
        self.viewCache = viewCache
        self.authenticator = authenticator
        self.configuration = configuration
        self.connection = connection
        self.write = write
        self.parser = IMAPCommandParser(limits: configuration.limitsBeforeLogin)
        var logger = logger
        // The Server's connection logger already names the connection; a bare logger gets it here.
        if logger[metadataKey: "conn"] == nil && logger[metadataKey: "connection"] == nil {
            logger[metadataKey: "connection"] = .string(connection.id)
            logger[metadataKey: "remote"] = .string(connection.remoteAddress)
        }
        logger[metadataKey: "protocol"] = "imap"
        self.logger = logger
    }

    /// `* OK [CAPABILITY ...] host ready` (RFC 9051 §7.1.1).
    public func greeting() -> IMAPSessionOutput {
        let text = ResponseText(code: .capability(capabilities), "\(configuration.hostName) IMAP4rev2 server ready")
        return IMAPSessionOutput(bytes: encode(.untagged(.condition(.ok, text))))
    }

    /// Bytes as read from the connection, any framing. Every complete
    /// command is run, in order (pipelining, RFC 9051 §5.5).
    public func receive(_ bytes: [UInt8]) async -> IMAPSessionOutput {
        guard !isLoggedOut else { return IMAPSessionOutput(action: .close) }
        parser.append(bytes)
        while pendingAction == .none, !isLoggedOut, let event = parser.nextEvent() {
            await handle(event)
        }
        boundCommandBeforeLogin(received: bytes.count)
        return takeOutput()
    }

    /// The account logged in (authenticated and selected states), nil before login.
    public var authenticatedAccountName: String? { account?.address }

    /// The mailbox whose change notifications the connection should turn
    /// into `mailboxChanged()` calls: the selected one, nil when none.
    public var watchedMailbox: MailboxID? { selected?.mailbox.id }

    /// The watched mailbox changed (a wake-up, see `MailStore.changeNotifications`).
    /// While the client is in IDLE (RFC 2177) the new EXISTS, EXPUNGE and
    /// FETCH responses go out at once; otherwise nothing is sent now and
    /// the changes are reported after the client's next command.
    public func mailboxChanged() async -> IMAPSessionOutput {
        guard idleTag != nil, !isLoggedOut else { return IMAPSessionOutput() }
        if await selectedMailboxIsGone() {
            _ = selectedMailboxDeleted()
            return takeOutput()
        }
        await sendUpdates(allowExpunge: true)
        return takeOutput()
    }

    /// The STARTTLS handshake completed. The client starts over: nothing it
    /// sent before TLS is kept (RFC 9051 §6.2.1).
    public func tlsStarted(_ connection: ConnectionInfo) {
        self.connection = connection
        parser = IMAPCommandParser(limits: configuration.limitsBeforeLogin)
        saslExchange = nil
        authenticationTag = nil
        logger.debug("TLS started", metadata: ["tls": "\(connection.tlsDescription ?? "yes")"])
    }

    /// Sent before the connection closes at server shutdown (RFC 9051 §7.1.5).
    public func shutdownNotice() -> [UInt8] {
        encode(.untagged(.condition(.bye, ResponseText("\(configuration.hostName) shutting down"))))
    }

    /// The connection ended for any reason.
    public func connectionClosed() async {
        if !isLoggedOut, account != nil {
            logger.info("connection closed without LOGOUT")
        }
        isLoggedOut = true
        // An APPEND cut off mid-literal leaves no spool file.
        parser.discardPartialCommand()
        selected = nil
        saslExchange = nil
        idleTag = nil
    }

    /// Counts the bytes of a command still being received before login
    /// (literal data after `+ Ready`) and ends the session past the bound.
    func boundCommandBeforeLogin(received count: Int) {
        guard account == nil, !isLoggedOut, parser.hasPartialCommand else {
            partialCommandBytesBeforeLogin = 0
            return
        }
        partialCommandBytesBeforeLogin += count
        guard partialCommandBytesBeforeLogin > configuration.maxCommandSizeBeforeLogin else { return }
        logger.notice("command too large before login, closing")
        send(.untagged(.condition(.bye, ResponseText(code: .limit, "Command too large before login"))))
        end(action: .close)
    }

    // MARK: - Events

    /// One parser event: a command, a literal's continuation request, a
    /// malformed command, a SASL line or the end of IDLE.
    func handle(_ event: IMAPParserEvent) async {
        switch event {
        case .needsContinuation:
            // RFC 9051 §7.5: the client waits for this before sending the literal.
            send(.continuation("Ready for literal data"))
        case .error(let tag, let message):
            await parserError(tag: tag, message: message)
        case .literalTooLarge(let tag, let closing):
            await literalTooLarge(tag: tag, closing: closing)
        case .idleDone:
            await endIdle()
        case .authenticationLine(let line):
            await continueAuthentication(line: line)
        case .command(let tagged):
            await run(tagged)
        }
    }

    /// A malformed command gets `tag BAD` (or `* BAD` without a readable
    /// tag); during IDLE or AUTHENTICATE the command in progress ends.
    func parserError(tag: String?, message: String) async {
        logger.debug("invalid command", metadata: ["error": "\(message)"])
        if let idleTag {
            // RFC 2177 §3: only DONE may be sent while idling.
            self.idleTag = nil
            parser.mode = .commands
            await complete(tag: idleTag, .bad("Expected DONE: \(message)"), allowExpunge: nil)
        } else if let authenticationTag {
            self.authenticationTag = nil
            saslExchange = nil
            parser.mode = .commands
            await complete(tag: authenticationTag, .bad("Invalid authentication response: \(message)"),
                           allowExpunge: nil)
        } else if let tag {
            await complete(tag: tag, .bad(message), allowExpunge: nil)
        } else {
            send(.untagged(.condition(.bad, ResponseText(message))))
            countBad(true)
        }
    }

    /// A literal over the parser's bounds, refused before its data is kept
    /// (no `+` continuation for a synchronising one, RFC 9051 §7.5). Before
    /// login the bound is `maxCommandSizeBeforeLogin`: `BAD [LIMIT]`; after,
    /// APPENDLIMIT: `NO [TOOBIG]` (RFC 7889 §3.2, RFC 9051 §7.1). An oversized
    /// non-synchronising literal the parser will not read ends the
    /// connection (RFC 7888 §4).
    func literalTooLarge(tag: String?, closing: Bool) async {
        let limit = parser.limits.maxLiteralSize
        logger.info("literal too large", metadata: ["limit": "\(limit)", "closing": "\(closing)"])
        guard !closing else {
            send(.untagged(.condition(.bye, ResponseText(code: .limit, "Literal larger than \(limit) octets"))))
            end(action: .close)
            return
        }
        guard let tag else {
            send(.untagged(.condition(.bad, ResponseText(code: .limit, "Literal larger than \(limit) octets"))))
            countBad(true)
            return
        }
        if account == nil {
            await complete(tag: tag, .bad("Literal larger than \(limit) octets before login", code: .limit),
                           allowExpunge: nil)
        } else {
            await complete(tag: tag, .no("Literal larger than APPENDLIMIT (\(limit) octets)", code: .other("TOOBIG", nil)),
                           allowExpunge: nil)
        }
    }

    /// Runs one command and sends its completion.
    func run(_ tagged: TaggedCommand) async {
        let command = tagged.command
        // Only LOGOUT reaches here during IDLE (see IMAPCommandParser): the
        // IDLE ends first, as if DONE had come (RFC 2177 §3).
        if idleTag != nil { await endIdle() }
        logger.debug("command", metadata: ["command": "\(command.name)", "tag": "\(LoggableText.clean(tagged.tag))"])
        if account == nil {
            commandsBeforeLogin += 1
            guard commandsBeforeLogin <= configuration.maxCommandsBeforeLogin else {
                logger.notice("too many commands before login, closing")
                send(.untagged(.condition(.bye, ResponseText("Too many commands before login"))))
                end(action: .close)
                return
            }
        }
        if let refusal = stateRefusal(command) {
            await complete(tag: tagged.tag, refusal, allowExpunge: command.updatesAllowExpunge)
            return
        }
        // RFC 7162 §3.1: the first CONDSTORE-enabling command turns CONDSTORE
        // on; with a mailbox selected, the client first learns its
        // HIGHESTMODSEQ (§3.1.2.1), which SELECT did not have to send then.
        if account != nil, command.enablesCondStore, !SelectedMailboxCommands.condStoreOn(enabled) {
            enabled.insert(.condstore)
            if let selected {
                send(.untagged(.condition(.ok, ResponseText(code: .highestModSeq(UInt64(max(selected.highestModSeq, 0))),
                                                            "Highest"))))
            }
        }
        guard let result = await execute(tagged) else { return }
        await complete(tag: tagged.tag, result, allowExpunge: command.updatesAllowExpunge)
    }

    /// A BAD when the command is not valid in the current state (RFC 9051 §3).
    func stateRefusal(_ command: IMAPCommand) -> CommandResult? {
        switch command.requiredState {
        case .any:
            return nil
        case .notAuthenticated:
            return account == nil ? nil : .bad("\(command.name) is not allowed after login")
        case .authenticated:
            return account != nil ? nil : .bad("\(command.name) is not allowed before login")
        case .selected:
            if account == nil { return .bad("\(command.name) is not allowed before login") }
            return selected != nil ? nil : .bad("\(command.name) needs a selected mailbox (SELECT first)")
        }
    }

    /// Sends `result` as the completion of `tag`: its untagged data, then
    /// the selected mailbox's news (when `allowExpunge` is not nil and a
    /// mailbox is selected), then the tagged response.
    func complete(tag: String, _ result: CommandResult, allowExpunge: Bool?) async {
        for response in result.untagged { send(.untagged(response)) }
        if let allowExpunge, selected != nil { await sendUpdates(allowExpunge: allowExpunge) }
        send(.tagged(tag: tag, result.status, result.text))
        countBad(result.status == .bad)
    }

    /// Counts BAD responses in a row; too many end the session (RFC 9051 §7.1.5).
    func countBad(_ isBad: Bool) {
        guard isBad else {
            consecutiveBadCommands = 0
            return
        }
        consecutiveBadCommands += 1
        guard consecutiveBadCommands >= configuration.maxConsecutiveBadCommands, !isLoggedOut else { return }
        logger.notice("too many invalid commands, closing")
        send(.untagged(.condition(.bye, ResponseText("too many invalid commands"))))
        end(action: .close)
    }

    /// Leaves the session after the pending output is sent.
    func end(action: IMAPSessionOutput.Action) {
        isLoggedOut = true
        pendingAction = action
        selected = nil
        saslExchange = nil
        authenticationTag = nil
        idleTag = nil
    }

    // MARK: - Output

    /// The capabilities for the current state and connection.
    var capabilities: [String] {
        if account != nil {
            return IMAPCapabilities.afterAuthentication(appendLimit: configuration.parserLimits.maxLiteralSize,
                                                        compression: configuration.offersCompression && !isCompressing)
        }
        return IMAPCapabilities.beforeAuthentication(
            offersSTARTTLS: configuration.offersSTARTTLS && !connection.isTLS,
            cleartextAuthenticationAllowed: cleartextAuthenticationAllowed)
    }

    /// Passwords may be sent on TLS, on loopback, or when the configuration allows it.
    var cleartextAuthenticationAllowed: Bool {
        connection.isTLS || connection.isLoopback || configuration.allowCleartextAuthentication
    }

    /// UTF-8 in quoted strings after ENABLE IMAP4rev2 or UTF8=ACCEPT (RFC 6855 §3).
    var allowUTF8Quoted: Bool { enabled.contains(.imap4rev2) || enabled.contains(.utf8Accept) }

    func encode(_ response: IMAPResponse) -> [UInt8] {
        IMAPResponseEncoder.encode(response, allowUTF8Quoted: allowUTF8Quoted)
    }

    /// Queues a response; it goes out with the returned output or before the
    /// next streamed write, whichever comes first.
    func send(_ response: IMAPResponse) {
        pending += encode(response)
    }

    /// Writes the queued responses now, before a handler streams its own
    /// through `write`, so the client sees everything in order. A failed
    /// write means the connection is gone: the session ends.
    func flush() async {
        guard !pending.isEmpty else { return }
        let bytes = pending
        pending = []
        do {
            try await write(bytes)
        } catch {
            logger.debug("write failed, ending session", metadata: ["error": "\(error)"])
            end(action: .close)
        }
    }

    func takeOutput() -> IMAPSessionOutput {
        let output = IMAPSessionOutput(bytes: pending, action: pendingAction)
        pending = []
        pendingAction = .none
        return output
    }

    /// What every handler gets; flushes the queued responses first, since
    /// the handler may write through `write` at once. Nil when that write
    /// failed (the session has ended).
    func makeContext(_ account: Account) async -> CommandContext? {
        await flush()
        guard !isLoggedOut else { return nil }
        return CommandContext(store: store, account: account, enabled: enabled, logger: logger, write: write,
                              maxMessageSize: configuration.parserLimits.maxLiteralSize, viewCache: viewCache)
    }
}
