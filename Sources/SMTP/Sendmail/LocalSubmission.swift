// `tern sendmail`'s delivery: the envelope from the command line (and the
// To:/Cc:/Bcc: fields with -t), each recipient resolved as RCPT TO is
// (`RecipientResolver`), then the same path an SMTP session's message
// takes (`MessageDelivery`): local recipients into their INBOX with
// Return-Path: and Received:, the others into the outbound queue, which
// the running server's queue runner sends. Whoever can run it can open the
// store, so it is trusted like a local Postfix submission: it may send to
// any domain, and mail whose sender is a local account is DKIM-signed as
// that account's submission would be.
import Foundation
import Logging
import MailCore
import MailStore

public struct LocalSubmission: Sendable {
    /// The Unix user who runs `tern sendmail`.
    public struct LocalUser: Sendable, Equatable {
        public var name: String
        public var id: UInt32
        public init(name: String, id: UInt32) {
            self.name = name
            self.id = id
        }
    }

    public struct Settings: Sendable {
        /// host_name: Received: and Message-ID.
        public var hostName: String
        /// The domain of names without one (the Unix user, "-f root",
        /// recipient "alice"), like Postfix's myorigin: host_name when it is
        /// a local domain, else the first local domain (`originDomain`).
        public var mailDomain: String
        public var maxMessageSize: Int
        public var maxRecipients: Int
        /// `[smtp] postmaster_account`.
        public var postmasterAccount: String?
        public init(hostName: String, mailDomain: String, maxMessageSize: Int, maxRecipients: Int,
                    postmasterAccount: String?) {
            self.hostName = hostName
            self.mailDomain = mailDomain
            self.maxMessageSize = maxMessageSize
            self.maxRecipients = maxRecipients
            self.postmasterAccount = postmasterAccount
        }
    }

    public struct Receipt: Sendable, Equatable {
        /// The id in the Received: fields and log lines.
        public var id: String
        public var localCopies: Int
        public var relayedRecipients: Int
        /// The outbound queue's id, when some recipients went there.
        public var queueID: String?
    }

    let store: any MailStore
    let outboundQueue: any OutboundQueue
    let settings: Settings
    let logger: Logger
    let now: @Sendable () -> Date
    let makeID: @Sendable () -> String

    public init(store: any MailStore, outboundQueue: any OutboundQueue, settings: Settings, logger: Logger,
                now: @escaping @Sendable () -> Date = { Date() },
                makeID: @escaping @Sendable () -> String = SMTPSession.randomID) {
        self.store = store
        self.outboundQueue = outboundQueue
        self.settings = settings
        self.logger = logger
        self.now = now
        self.makeID = makeID
    }

    /// Delivers `input` (what standard input gave, see `SendmailInput`) as
    /// `options` say; nothing is delivered when it throws.
    public func submit(_ input: [UInt8], options: SendmailOptions, user: LocalUser) async throws(SendmailError) -> Receipt {
        let sender = try envelopeSender(options, user: user)
        let id = makeID()
        let date = now()
        let message = try SendmailMessage.prepare(
            input, from: sender.mailbox?.description ?? "\(user.name)@\(settings.mailDomain)",
            fullName: options.fullName, date: date, messageID: "\(id)@\(settings.hostName)")
        guard message.body.count <= settings.maxMessageSize else {
            throw .data("the message is larger than the limit of \(settings.maxMessageSize) octets "
                + "(limits.max_message_size)")
        }
        let addresses = try recipients(options, headerRecipients: message.headerRecipients)
        let resolver = RecipientResolver(store: store, postmasterAccount: settings.postmasterAccount,
                                         hostName: settings.hostName)
        var recipients: [MessageDelivery.Recipient] = []
        let submitter: Account?
        do {
            for address in addresses {
                let destination: MessageDelivery.Destination
                switch try await resolver.resolve(address) {
                case .local(let accounts, let forwards): destination = .local(accounts: accounts, forwards: forwards)
                case .remote: destination = .relay
                case .unknownUser: throw SendmailError.noUser("\(address): no such user here")
                case .routingRefused:
                    throw SendmailError.noUser("\(address): no such user here (%, ! and @ do not route mail)")
                }
                recipients.append(MessageDelivery.Recipient(address: address, notify: options.notify,
                                                            originalRecipient: nil, destination: destination))
            }
            submitter = try await submittingAccount(sender, resolver: resolver)
        } catch let error as SendmailError {
            throw error
        } catch {
            throw .temporary("cannot look up the recipients: \(error)")
        }

        let eightBit = message.body.contains { $0 >= 0x80 }
        let smtpUTF8 = (sender.mailbox?.needsSMTPUTF8 ?? false) || addresses.contains(where: \.needsSMTPUTF8)
        let envelope = MessageDelivery.Envelope(
            id: id, sender: sender,
            dsn: DSNParameters(ret: options.ret, envelopeID: options.envelopeID,
                               body: eightBit ? .eightBitMIME : .sevenBit, smtpUTF8: smtpUTF8),
            authenticatedUser: submitter?.address, recipients: recipients, date: date)
        let delivery = MessageDelivery(store: store, outboundQueue: outboundQueue, logger: logger, now: now)
        let hostName = settings.hostName
        do {
            let outcome = try await delivery.deliver(envelope, body: message.body) { recipient in
                Array(ReceivedHeader.localSubmission(hostName: hostName, userID: user.id, id: id, recipient: recipient,
                                                     date: date).utf8)
            }
            return Receipt(id: id, localCopies: outcome.localCopies, relayedRecipients: outcome.relayedRecipients,
                           queueID: outcome.queueID)
        } catch MailStoreError.messageTooLarge {
            throw .data("the message is larger than the store's size limit (limits.max_message_size)")
        } catch {
            throw .temporary("cannot deliver the message, nothing was delivered: \(error)")
        }
    }

    /// -f (or -r): `<>` or empty is the null sender; a name without a
    /// domain gets `mailDomain`; none: the Unix user at `mailDomain`.
    func envelopeSender(_ options: SendmailOptions, user: LocalUser) throws(SendmailError) -> ReversePath {
        var text = options.sender ?? user.name
        text = text.trimmingCharacters(in: .whitespaces)
        if text.hasPrefix("<") && text.hasSuffix(">") { text = String(text.dropFirst().dropLast()) }
        if text.isEmpty { return .null }
        guard let address = qualified(text) else { throw .usage("bad sender address \"\(text)\"") }
        return .path(SMTPPath(mailbox: address))
    }

    /// The command-line recipients and, with -t, those of the header,
    /// qualified, without duplicates, bounded by max_recipients.
    func recipients(_ options: SendmailOptions,
                    headerRecipients: [MailboxAddress]) throws(SendmailError) -> [EmailAddress] {
        // Strictly one address per item ("a@x", "Name <a@x>", "a@x, b@y"):
        // a typo must not turn into some other address.
        var written: [String] = []
        for argument in options.recipients {
            for item in Self.commandLineItems(argument) {
                guard !item.isEmpty else { throw .usage("bad recipient address \"\(argument)\"") }
                written.append(item)
            }
        }
        if options.recipientsFromHeaders { written += headerRecipients.map(Self.addrSpec) }
        var addresses: [EmailAddress] = []
        for text in written {
            guard let address = qualified(text) else { throw .usage("bad recipient address \"\(text)\"") }
            if !addresses.contains(where: { $0.description.lowercased() == address.description.lowercased() }) {
                addresses.append(address)
            }
        }
        guard !addresses.isEmpty else {
            throw .usage(options.recipientsFromHeaders ? "no recipients: none on the command line nor in To:, Cc: or Bcc:"
                : "no recipients given (name them, or use -t to read To:, Cc: and Bcc:)")
        }
        guard addresses.count <= settings.maxRecipients else {
            throw .usage("too many recipients: \(addresses.count) (smtp.max_recipients is \(settings.maxRecipients))")
        }
        return addresses
    }

    /// "user" → user@mailDomain (as Postfix's myorigin); an address as it is.
    func qualified(_ text: String) -> EmailAddress? {
        guard !text.contains("@") else { return EmailAddress(text) }
        return EmailAddress("\(EmailAddress.quotedLocalPartIfNeeded(text))@\(settings.mailDomain)")
    }

    /// host_name when it is one of `localDomains`, else the first of them
    /// (host_name when there is none): mail to and from unqualified names
    /// then stays local instead of going out to host_name's MX.
    public static func originDomain(hostName: String, localDomains: [String]) -> String {
        let domains = localDomains.map { $0.lowercased() }
        if domains.contains(hostName.lowercased()) { return hostName.lowercased() }
        return domains.first ?? hostName.lowercased()
    }

    /// The addresses of one command-line argument: split at commas outside
    /// quotes, each the text inside its angle brackets if it has them.
    static func commandLineItems(_ argument: String) -> [String] {
        var items: [String] = []
        var current = ""
        var quoted = false
        for character in argument {
            if character == "\"" { quoted.toggle() }
            if character == "," && !quoted {
                items.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        items.append(current)
        return items.map { item in
            var text = item.trimmingCharacters(in: .whitespaces)
            if text.hasSuffix(">"), let open = text.lastIndex(of: "<") {
                text = String(text[text.index(after: open)..<text.index(before: text.endIndex)])
            }
            return text.trimmingCharacters(in: .whitespaces)
        }
    }

    static func addrSpec(_ mailbox: MailboxAddress) -> String {
        let local = EmailAddress.quotedLocalPartIfNeeded(mailbox.localPart)
        return mailbox.domain.map { "\(local)@\($0)" } ?? local
    }

    /// The account a sender address belongs to (its own address, or an
    /// alias or role address that reaches only it), as the submission
    /// listener would have allowed that account to use it; nil otherwise.
    func submittingAccount(_ sender: ReversePath, resolver: RecipientResolver) async throws -> Account? {
        guard let mailbox = sender.mailbox,
              case .local(let accounts, _) = try await resolver.resolve(mailbox), accounts.count == 1,
              try await resolver.mayUseSender(mailbox, account: accounts[0]) else { return nil }
        return accounts[0]
    }
}
