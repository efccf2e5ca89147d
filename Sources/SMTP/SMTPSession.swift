// One inbound SMTP connection's state machine (RFC 5321 §3, §4.1.4 order
// of commands). It never touches the network: the Server module feeds it
// the bytes it reads and sends back what `receive` returns.
//
// PIPELINING (RFC 2920) needs nothing special: every complete command in
// the bytes is handled in order, and the replies are returned together.
import Foundation
import Logging
import MailCore
import MailStore
import Accounts

/// One inbound SMTP connection (MX or submission). Used by one connection
/// task at a time; never touches the network.
public final class SMTPSession {
    /// What the client said in EHLO or HELO.
    enum Greeting {
        case helo(String)
        case ehlo(String)

        var name: String {
            switch self {
            case .helo(let name), .ehlo(let name): name
            }
        }

        var isExtended: Bool {
            if case .ehlo = self { return true }
            return false
        }
    }

    /// Where an accepted recipient's copy goes.
    typealias Destination = MessageDelivery.Destination

    struct AcceptedRecipient {
        var address: EmailAddress
        var parameters: RecipientParameters
        var destination: Destination
    }

    /// RFC 5321 §3.3 mail transaction: from MAIL to the end of the data.
    struct Transaction {
        var sender: ReversePath
        var parameters: MailParameters
        var recipients: [AcceptedRecipient] = []
        /// True after the first BDAT (RFC 3030): DATA is refused then.
        var isChunked = false
        /// The message being received, spooled to a file; nil until DATA
        /// or the first accepted BDAT, and again once it is refused.
        var incoming: IncomingMessage?
        /// Why the spool refused the message's data, when it did.
        var spoolFailure: SMTPDataRejection?
    }

    /// The reply owed once a BDAT chunk has been read (RFC 3030 §2: the
    /// chunk is read even when the command is refused).
    enum PendingChunk {
        case accept
        case refuse(SMTPReply, endsTransaction: Bool)
    }

    let store: any MailStore
    let authenticator: Authenticator
    let configuration: SMTPConfiguration
    let outboundQueue: (any OutboundQueue)?
    let resolver: RecipientResolver
    let now: @Sendable () -> Date
    let makeID: @Sendable () -> String
    var connection: ConnectionInfo
    var logger: Logger

    var decoder = SMTPInputDecoder()
    var hello: Greeting?
    var authenticatedAccount: Account?
    /// Replacing or ending the transaction removes its spool file (RFC 5321
    /// §3.8: nothing unacknowledged is kept), whatever ended it: RSET, a new
    /// MAIL, a refusal, a dropped connection.
    var transaction: Transaction? {
        didSet {
            if let old = oldValue?.incoming, old !== transaction?.incoming { old.abort() }
        }
    }
    var saslExchange: SASLServerExchange?
    var pendingChunk: PendingChunk?
    var errorCount = 0
    var commandsBeforeAuthentication = 0
    var closed = false
    /// Octets this session counts in `configuration.inFlight`.
    var inFlightHeld = 0

    /// - Parameters:
    ///   - outboundQueue: where relayed mail goes; without one, relaying is refused.
    ///   - now: the clock for Received: dates and INTERNALDATE.
    ///   - makeID: the id of each accepted message (Received: and the 250 reply).
    public init(store: any MailStore, authenticator: Authenticator, configuration: SMTPConfiguration,
                outboundQueue: (any OutboundQueue)?, connection: ConnectionInfo, logger: Logger,
                now: @escaping @Sendable () -> Date = { Date() },
                makeID: @escaping @Sendable () -> String = SMTPSession.randomID) {
        self.store = store
        self.authenticator = authenticator
        self.configuration = configuration
        self.outboundQueue = outboundQueue
        self.resolver = RecipientResolver(store: store, postmasterAccount: configuration.postmasterAccount,
                                          hostName: configuration.hostName)
        self.now = now
        self.makeID = makeID
        self.connection = connection
        var logger = logger
        logger[metadataKey: "connection"] = .string(connection.id)
        logger[metadataKey: "remote"] = .string(connection.remoteAddress)
        logger[metadataKey: "protocol"] = "smtp"
        self.logger = logger
    }

    /// The account that authenticated (RFC 4954), nil before AUTH.
    public var authenticatedAccountName: String? { authenticatedAccount?.address }

    /// A random 16-character id (base 32, 80 bits).
    public static func randomID() -> String {
        let alphabet = Array("0123456789BCDFGHJKLMNPQRSTVWXYZ".utf8)
        return String(decoding: (0..<16).map { _ in alphabet.randomElement()! }, as: UTF8.self)
    }

    /// The 220 greeting (RFC 5321 §4.3.1; no enhanced code, RFC 2034 §3).
    public func greeting() -> SMTPOutput {
        SMTPOutput(bytes: SMTPReply(.serviceReady, nil, "\(configuration.hostName) ESMTP Tern").encoded())
    }

    /// Handles bytes from the client: every complete command, message and
    /// chunk in them, in order. Incomplete input stays in the decoder.
    public func receive(_ bytes: [UInt8]) async -> SMTPOutput {
        let output = await handleInput(bytes)
        accountInFlight()
        return output
    }

    private func handleInput(_ bytes: [UInt8]) async -> SMTPOutput {
        guard !closed else { return SMTPOutput(bytes: [], action: .close) }
        decoder.append(bytes)
        var output: [UInt8] = []
        while !closed, let event = decoder.next() {
            let started = ContinuousClock.now
            // Read before handling: a SASL line is labelled by the exchange it continues.
            let label = configuration.messageObserver == nil ? "" : metricsLabel(event)
            let result = await handle(event)
            if let observer = configuration.messageObserver {
                let elapsed = ContinuousClock.now - started
                observer.commandCompleted(label, seconds: Double(elapsed.components.seconds)
                    + Double(elapsed.components.attoseconds) / 1e18)
            }
            output += result.bytes
            spoolMessageBytes()
            switch result.action {
            case .none:
                continue
            case .startTLS:
                // RFC 3207 §4.2: nothing the client sent before the handshake counts.
                decoder.discardBufferedInput()
                return SMTPOutput(bytes: output, action: .startTLS)
            case .close:
                end()
                return SMTPOutput(bytes: output, action: .close)
            }
        }
        spoolMessageBytes()
        return SMTPOutput(bytes: output, action: closed ? .close : .none)
    }

    /// The verbs a latency histogram is kept for; anything else is "OTHER"
    /// (a bounded label set whatever clients send).
    static let metricsVerbs: Set<String> = [
        "EHLO", "HELO", "MAIL", "RCPT", "DATA", "BDAT", "RSET", "NOOP", "QUIT", "VRFY", "HELP", "STARTTLS", "AUTH",
    ]

    /// The command an input event is timed as.
    private func metricsLabel(_ event: SMTPInputEvent) -> String {
        switch event {
        case .line(let line):
            if saslExchange != nil { return "AUTH" }
            let verb = String(decoding: line.prefix { $0 != 0x20 }.prefix(8), as: UTF8.self).uppercased()
            return Self.metricsVerbs.contains(verb) ? verb : "OTHER"
        case .message, .messageRejected: return "DATA"
        case .chunk: return "BDAT"
        default: return "OTHER"
        }
    }

    /// Called once the TLS handshake after STARTTLS has completed. RFC 3207
    /// §4.2: the client starts over with EHLO; the session already forgot
    /// everything when it answered STARTTLS.
    public func tlsStarted(_ connection: ConnectionInfo) {
        self.connection = connection
        decoder.discardBufferedInput()
        logger.info("TLS started", metadata: ["tls": "\(connection.tlsDescription ?? "yes")"])
    }

    /// Called when the connection ends for any reason; an unfinished
    /// transaction is dropped (RFC 5321 §3.8: nothing was acknowledged).
    public func connectionClosed() {
        if transaction != nil { logger.info("connection closed during a mail transaction") }
        end()
    }

    // MARK: - Events

    func handle(_ event: SMTPInputEvent) async -> SMTPOutput {
        switch event {
        case .line(let line):
            if let exchange = saslExchange {
                saslExchange = nil
                return await continueAuthentication(exchange, line: line)
            }
            switch SMTPCommandParser.parse(line) {
            case .failure(let error):
                logger.debug("invalid command", metadata: ["reply": "\(error.reply.text)"])
                return fail(error.reply)
            case .success(let command):
                logger.debug("command", metadata: ["command": "\(command.name)"])
                return await execute(command)
            }
        case .lineTooLong:
            if saslExchange != nil {
                saslExchange = nil
                return fail(SMTPReply(.syntaxError, 5, 5, 2, "Authentication response too long"))
            }
            return fail(SMTPReply(.syntaxError, 5, 5, 2, "Line too long"))
        case .message(let body):
            return await finishData(body)
        case .messageRejected(let reason):
            return rejectData(reason)
        case .chunk(let bytes, let last):
            return await finishChunk(bytes, last: last)
        }
    }

    func execute(_ command: SMTPCommand) async -> SMTPOutput {
        if configuration.mode == .submission && authenticatedAccount == nil {
            commandsBeforeAuthentication += 1
            if commandsBeforeAuthentication > configuration.maxCommandsBeforeAuthentication {
                logger.notice("too many commands before authentication, closing")
                return SMTPOutput(bytes: closingReply("Too many commands before authentication").encoded(),
                                  action: .close)
            }
        }
        switch command {
        case .ehlo(let name): return ehlo(name)
        case .helo(let name): return helo(name)
        case .mail(let from, let parameters): return await mail(from: from, parameters: parameters)
        case .rcpt(let to, let parameters): return await recipient(to, parameters: parameters)
        case .data: return data()
        case .bdat(let size, let last): return bdat(size: size, last: last)
        case .rset:
            transaction = nil
            return reply(.ok, 2, 0, 0, "OK")
        case .noop:
            return reply(.ok, 2, 0, 0, "OK")
        case .quit:
            return SMTPOutput(bytes: SMTPReply(.closing, 2, 0, 0, "\(configuration.hostName) closing connection")
                .encoded(), action: .close)
        case .help:
            return SMTPOutput(bytes: SMTPReply(.helpMessage, .success, [
                "Tern SMTP server; commands:",
                "EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT HELP VRFY STARTTLS AUTH",
                "See RFC 5321",
            ]).encoded())
        case .vrfy:
            // RFC 5321 §3.5.3 / §7.3: no user enumeration.
            return reply(.cannotVerify, 2, 5, 0, "Cannot VRFY user, but will accept message and attempt delivery")
        case .startTLS: return startTLS()
        case .auth(let mechanism, let initialResponse):
            return await authenticate(mechanism: mechanism, initialResponse: initialResponse)
        }
    }

    // MARK: - Replies, errors and the end

    func reply(_ code: SMTPReplyCode, _ codeClass: Int, _ subject: Int, _ detail: Int, _ text: String) -> SMTPOutput {
        SMTPOutput(bytes: SMTPReply(code, codeClass, subject, detail, text).encoded())
    }

    /// An error reply caused by the client; after `maxErrors` of them the
    /// session ends with `421 4.7.0`.
    func fail(_ reply: SMTPReply) -> SMTPOutput {
        errorCount += 1
        if errorCount >= configuration.maxErrors {
            logger.notice("too many errors, closing")
            return SMTPOutput(bytes: closingReply("Too many errors").encoded(), action: .close)
        }
        return SMTPOutput(bytes: reply.encoded())
    }

    func fail(_ code: SMTPReplyCode, _ codeClass: Int, _ subject: Int, _ detail: Int, _ text: String) -> SMTPOutput {
        fail(SMTPReply(code, codeClass, subject, detail, text))
    }

    /// `421 4.7.0 host text, closing connection` (RFC 5321 §3.8).
    func closingReply(_ text: String) -> SMTPReply {
        SMTPReply(.serviceNotAvailable, 4, 7, 0, "\(configuration.hostName) \(text), closing connection")
    }

    func end() {
        closed = true
        transaction = nil
        saslExchange = nil
        pendingChunk = nil
        accountInFlight()
    }

    // MARK: - Message size and data in flight

    /// No AUTH and not from a trusted network: an MX client, whose
    /// messages get the smaller size limit and count against the in-flight bound.
    var isUnauthenticatedSender: Bool { authenticatedAccount == nil && !isTrustedNetwork }

    /// The SIZE (RFC 1870) of this session now: `maxUnauthenticatedMessageSize`
    /// for an unauthenticated MX client, else `maxMessageSize`. Submission
    /// needs AUTH before MAIL, so it always advertises the full size.
    var messageSizeLimit: Int {
        guard configuration.mode == .mx, isUnauthenticatedSender,
              let unauthenticated = configuration.maxUnauthenticatedMessageSize else {
            return configuration.maxMessageSize
        }
        return min(unauthenticated, configuration.maxMessageSize)
    }

    /// Octets of message data this session holds, in memory or spooled:
    /// the DATA message or kept BDAT chunk being read, and the chunks
    /// already received (the bound is on disk and memory together).
    var heldMessageBytes: Int {
        closed ? 0 : decoder.heldMessageBytes + (transaction?.incoming?.contentSize ?? 0)
    }

    /// Brings this session's count in the in-flight bound up to date after
    /// input. A DATA message that would take its address past the bound is
    /// dropped as it arrives and answered `452 4.3.1` at its end; a BDAT
    /// chunk was already checked against the bound at its command.
    func accountInFlight() {
        guard let inFlight = configuration.inFlight else { return }
        let wanted = isUnauthenticatedSender ? heldMessageBytes : 0
        let address = connection.remoteAddress
        if inFlight.update(address: address, from: inFlightHeld, to: wanted) {
            inFlightHeld = wanted
            return
        }
        logger.notice("message data in flight from this address over its bound, dropping the message",
                      metadata: ["held": "\(inFlight.held(address: address))", "limit": "\(inFlight.limitPerAddress)"])
        decoder.dropMessage(.insufficientStorage)
        spoolMessageBytes()
        let kept = heldMessageBytes
        _ = inFlight.update(address: address, from: inFlightHeld, to: kept)
        inFlightHeld = kept
    }

    /// Reserves room for `total` octets of this session's message data
    /// (BDAT, whose chunk sizes are declared); false when the address's bound has no room.
    func reserveInFlight(total: Int) -> Bool {
        guard let inFlight = configuration.inFlight, isUnauthenticatedSender else { return true }
        guard inFlight.update(address: connection.remoteAddress, from: inFlightHeld, to: total) else { return false }
        inFlightHeld = total
        return true
    }

    /// True when the peer is in a trusted network (may relay without AUTH).
    var isTrustedNetwork: Bool {
        configuration.trustedNetworks.contains { $0.contains(connection.remoteAddress) }
    }

    /// Relaying needs AUTH or a trusted network.
    var mayRelay: Bool { authenticatedAccount != nil || isTrustedNetwork }
}
