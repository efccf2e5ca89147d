// EHLO/HELO (RFC 5321 §4.1.1.1), MAIL (§4.1.1.2) and RCPT (§4.1.1.3) with
// the relay policy: local recipients from anyone, others only from an
// authenticated session or a trusted network.
import Accounts
import MailCore
import MailStore

extension SMTPSession {
    // MARK: EHLO and HELO

    /// The EHLO keywords (RFC 5321 §4.1.1.1) this connection is offered now.
    var extensions: [String] {
        var keywords = ["PIPELINING", "SIZE \(messageSizeLimit)", "8BITMIME", "ENHANCEDSTATUSCODES"]
        if configuration.offersSTARTTLS && !connection.isTLS { keywords.append("STARTTLS") }
        if authenticationAllowed {
            keywords.append("AUTH " + SASLMechanism.allCases.map(\.rawValue).joined(separator: " "))
        }
        keywords += ["SMTPUTF8", "CHUNKING", "BINARYMIME", "DSN", "HELP"]
        return keywords
    }

    func ehlo(_ name: String) -> SMTPOutput {
        // RFC 5321 §4.1.4: EHLO resets the transaction.
        transaction = nil
        hello = .ehlo(name)
        return SMTPOutput(bytes: SMTPReply(.ok, nil, ["\(configuration.hostName) Hello \(name)"] + extensions).encoded())
    }

    func helo(_ name: String) -> SMTPOutput {
        transaction = nil
        hello = .helo(name)
        return SMTPOutput(bytes: SMTPReply(.ok, nil, "\(configuration.hostName) Hello \(name)").encoded())
    }

    // MARK: MAIL

    func mail(from sender: ReversePath, parameters: MailParameters) async -> SMTPOutput {
        guard let hello else { return fail(.badSequence, 5, 5, 1, "Send EHLO or HELO first") }
        guard transaction == nil else { return fail(.badSequence, 5, 5, 1, "Nested MAIL command") }
        if configuration.mode == .submission && authenticatedAccount == nil {
            return fail(.authenticationRequired, 5, 7, 0, "Authentication required")
        }
        // RFC 5321 §4.1.1.11: parameters need EHLO.
        guard hello.isExtended || parameters.isEmpty else {
            return fail(.parametersNotRecognized, 5, 5, 4, "Parameters not allowed after HELO")
        }
        if let size = parameters.size, size > messageSizeLimit {
            // RFC 1870 §6.1: 552 when the declared size exceeds the fixed limit.
            return fail(.exceededStorage, 5, 3, 4, "Message size exceeds fixed maximum message size")
        }
        if let mailbox = sender.mailbox, mailbox.needsSMTPUTF8, !parameters.smtpUTF8 {
            // RFC 6531 §3.5.
            return fail(.mailboxNameNotAllowed, 5, 6, 7, "Non-ASCII addresses require SMTPUTF8")
        }
        if let account = authenticatedAccount {
            // An authenticated user sends only as one of their own addresses.
            guard let mailbox = sender.mailbox else {
                return fail(.mailboxNameNotAllowed, 5, 7, 1, "Sender address not owned by \(account.address)")
            }
            do {
                guard try await resolver.mayUseSender(mailbox, account: account) else {
                    logger.info("sender refused", metadata: ["sender": "\(LoggableText.clean(mailbox.description))"])
                    return fail(.mailboxNameNotAllowed, 5, 7, 1, "Sender address not owned by \(account.address)")
                }
            } catch {
                logger.error("sender check failed", metadata: ["error": "\(error)"])
                return reply(.localError, 4, 3, 0, "Temporary lookup failure")
            }
        }
        transaction = Transaction(sender: sender, parameters: parameters)
        return reply(.ok, 2, 1, 0, "Sender OK")
    }

    // MARK: RCPT

    func recipient(_ path: ForwardPath, parameters: RecipientParameters) async -> SMTPOutput {
        guard var current = transaction else { return fail(.badSequence, 5, 5, 1, "Send MAIL first") }
        guard hello?.isExtended == true || parameters.isEmpty else {
            return fail(.parametersNotRecognized, 5, 5, 4, "Parameters not allowed after HELO")
        }
        guard current.recipients.count < configuration.maxRecipients else {
            // RFC 5321 §4.5.3.1.10: 452, and the client sends the rest later.
            return reply(.insufficientStorage, 4, 5, 3, "Too many recipients")
        }
        let resolution: RecipientResolver.Resolution
        let address: EmailAddress
        do {
            switch path {
            case .postmaster:
                address = EmailAddress(localPart: "postmaster", domain: configuration.hostName)
                // RFC 5321 §4.5.1: accepted from anyone, routed to the postmaster account.
                resolution = try await resolver.resolvePostmaster()
            case .path(let smtpPath):
                address = smtpPath.mailbox
                if address.needsSMTPUTF8 && !current.parameters.smtpUTF8 {
                    return fail(.mailboxNameNotAllowed, 5, 6, 7, "Non-ASCII addresses require SMTPUTF8")
                }
                // RFC 5321 §3.6.1 / Appendix C: a source route is a relay request;
                // only relay-permitted clients get it, and then the route is ignored.
                if !smtpPath.route.isEmpty && !mayRelay {
                    return relayDenied(path)
                }
                resolution = try await resolver.resolve(address)
            }
        } catch {
            logger.error("recipient lookup failed", metadata: ["error": "\(error)"])
            return reply(.localError, 4, 3, 0, "Temporary lookup failure")
        }
        let destination: Destination
        switch resolution {
        case .local(let accounts, let forwards):
            if outboundQueue == nil && !forwards.isEmpty {
                // An alias forwarding outside, without a queue to send it through.
                logger.warning("alias forwards dropped: no outbound queue",
                               metadata: ["recipient": "\(LoggableText.clean(path.description))"])
                guard !accounts.isEmpty else { return fail(.mailboxUnavailable, 5, 7, 1, "Relaying is not available") }
            }
            if accounts.count == 1, forwards.isEmpty, let account = accounts.first,
               let refusal = await quotaRefusal(account, declaredSize: current.parameters.size) {
                return refusal
            }
            destination = .local(accounts: accounts, forwards: outboundQueue == nil ? [] : forwards)
        case .remote:
            guard mayRelay else { return relayDenied(path) }
            guard outboundQueue != nil else {
                return fail(.mailboxUnavailable, 5, 7, 1, "Relaying is not available")
            }
            destination = .relay
        case .unknownUser:
            logger.info("unknown recipient", metadata: ["recipient": "\(LoggableText.clean(path.description))"])
            return fail(.mailboxUnavailable, 5, 1, 1, "No such user here")
        case .routingRefused:
            return relayDenied(path)
        }
        current.recipients.append(AcceptedRecipient(address: address, parameters: parameters, destination: destination))
        transaction = current
        return reply(.ok, 2, 1, 5, "Recipient OK")
    }

    /// The RCPT answer for a mailbox that cannot take mail (RFC 3463
    /// §3.3): `452 4.2.2` while it is full (the sender retries; deleting
    /// mail makes room), `552 5.2.2` when the declared SIZE alone is over
    /// its storage limit; nil when it has room. A store that cannot answer
    /// does not refuse: the delivery checks the quota again in its transaction.
    func quotaRefusal(_ account: Account, declaredSize: Int?) async -> SMTPOutput? {
        guard let quota = try? await store.quota(accountID: account.id) else { return nil }
        var roots = [(quota.limits, quota.usage)]
        if let domain = quota.domain { roots.append((domain.limits, domain.usage)) }
        for (limits, usage) in roots {
            if let storage = limits.storage, let declaredSize, Int64(declaredSize) > storage {
                return fail(.exceededStorage, 5, 2, 2, "Message is larger than the mailbox quota")
            }
            let storageFull = limits.storage.map { usage.storage >= $0 } ?? false
            let messagesFull = limits.messages.map { usage.messages >= $0 } ?? false
            if storageFull || messagesFull {
                logger.info("recipient over quota", metadata: ["account": "\(LoggableText.clean(account.address))"])
                return reply(.insufficientStorage, 4, 2, 2, "Mailbox full, try again later")
            }
        }
        return nil
    }

    /// `554 5.7.1`: never an open relay.
    func relayDenied(_ path: ForwardPath) -> SMTPOutput {
        logger.notice("relay denied", metadata: ["recipient": "\(LoggableText.clean(path.description))"])
        return fail(.transactionFailed, 5, 7, 1, "Relay access denied")
    }
}
