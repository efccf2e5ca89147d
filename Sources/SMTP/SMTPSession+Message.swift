// DATA (RFC 5321 §4.1.1.4), BDAT (RFC 3030) and what happens to an
// accepted message: local copies (all durable before 250, or none) and
// the outbound queue for relayed recipients.
import Foundation
import Logging
import MailCore
import MailStore

extension SMTPSession {
    /// RFC 5321 §6.3 suggests a loop limit of at least 100 Received fields.
    static let maxReceivedFields = 100

    // MARK: DATA

    func data() -> SMTPOutput {
        guard let current = transaction else { return fail(.badSequence, 5, 5, 1, "Send MAIL first") }
        // RFC 5321 §3.3: DATA without an accepted recipient gets 503 or 554.
        guard !current.recipients.isEmpty else { return fail(.transactionFailed, 5, 5, 1, "No valid recipients") }
        guard !current.isChunked else { return fail(.badSequence, 5, 5, 1, "DATA not allowed after BDAT") }
        // RFC 3030 §3: BINARYMIME only with BDAT.
        guard current.parameters.body != .binaryMIME else {
            return fail(.badSequence, 5, 5, 1, "BODY=BINARYMIME requires BDAT")
        }
        do {
            transaction?.incoming = try beginMessage(current)
        } catch {
            logger.error("cannot create a spool file", metadata: ["error": "\(error)"])
            return reply(.localError, 4, 3, 0, "Local error in processing, try again later")
        }
        decoder.beginData(maximumSize: messageSizeLimit, maximumLineLength: configuration.maxTextLineLength,
                          normalizeBareLineEndings: configuration.allowBareLineEndings)
        return SMTPOutput(bytes: SMTPReply(.startMailInput, nil, "End data with <CR><LF>.<CR><LF>").encoded())
    }

    /// The DATA message ended; `tail` is its content not spooled yet.
    func finishData(_ tail: [UInt8]) async -> SMTPOutput {
        if let failure = writeToSpool(tail) { return rejectData(failure) }
        return await deliver()
    }

    /// DATA ended at CRLF.CRLF but the message can't be taken; the
    /// transaction (and its spool file) ends (RFC 5321 §4.1.1.4).
    func rejectData(_ reason: SMTPDataRejection) -> SMTPOutput {
        transaction = nil
        logger.info("message refused", metadata: ["reason": "\(reason)"])
        switch reason {
        case .tooLarge:
            return fail(.exceededStorage, 5, 3, 4, "Message size exceeds fixed maximum message size")
        case .bareLineFeed:
            return fail(.mailboxUnavailable, 5, 6, 0, "Message contains a bare LF; lines must end with CRLF")
        case .bareCarriageReturn:
            return fail(.mailboxUnavailable, 5, 6, 0, "Message contains a bare CR; lines must end with CRLF")
        case .lineTooLong:
            return fail(.transactionFailed, 5, 6, 0, "Message has a line longer than 1000 octets")
        case .insufficientStorage:
            // Not the client's fault: no error counted; the sender retries later.
            return reply(.insufficientStorage, 4, 3, 1, "Insufficient system storage, try again later")
        }
    }

    // MARK: BDAT

    /// RFC 3030 §2: the chunk is read whatever happens, then answered.
    func bdat(size: Int, last: Bool) -> SMTPOutput {
        var plan: PendingChunk
        if let current = transaction {
            let received = current.incoming?.contentSize ?? 0
            if current.recipients.isEmpty {
                plan = .refuse(SMTPReply(.transactionFailed, 5, 5, 1, "No valid recipients"), endsTransaction: false)
            } else if received + size > messageSizeLimit {
                plan = .refuse(SMTPReply(.exceededStorage, 5, 3, 4, "Message size exceeds fixed maximum message size"),
                               endsTransaction: true)
            } else if !reserveInFlight(total: received + size) {
                // RFC 3030 §2: a 4xx to a chunk fails the transaction; the chunk is still read (and dropped).
                logger.notice("message data in flight from this address over its bound, refusing the chunk")
                plan = .refuse(SMTPReply(.insufficientStorage, 4, 3, 1, "Insufficient system storage, try again later"),
                               endsTransaction: true)
            } else {
                plan = .accept
                transaction?.isChunked = true
                if current.incoming == nil {
                    do {
                        transaction?.incoming = try beginMessage(current)
                    } catch {
                        logger.error("cannot create a spool file", metadata: ["error": "\(error)"])
                        plan = .refuse(SMTPReply(.localError, 4, 3, 0, "Local error in processing, try again later"),
                                       endsTransaction: true)
                    }
                }
            }
        } else {
            plan = .refuse(SMTPReply(.badSequence, 5, 5, 1, "Send MAIL first"), endsTransaction: false)
        }
        pendingChunk = plan
        if case .accept = plan {
            decoder.beginChunk(size: size, last: last, keep: true)
        } else {
            decoder.beginChunk(size: size, last: last, keep: false)
        }
        return SMTPOutput(bytes: [])
    }

    /// A BDAT chunk was read; `tail` is its content not spooled yet.
    func finishChunk(_ tail: [UInt8], last: Bool) async -> SMTPOutput {
        guard let plan = pendingChunk else { return SMTPOutput(bytes: []) }
        pendingChunk = nil
        switch plan {
        case .refuse(let reply, let endsTransaction):
            if endsTransaction { transaction = nil }
            return fail(reply)
        case .accept:
            guard transaction != nil else { return fail(.badSequence, 5, 5, 1, "Send MAIL first") }
            if let failure = writeToSpool(tail) {
                transaction = nil
                if failure == .tooLarge {
                    return fail(.exceededStorage, 5, 3, 4, "Message size exceeds fixed maximum message size")
                }
                return reply(.insufficientStorage, 4, 3, 1, "Insufficient system storage, try again later")
            }
            if last { return await deliver() }
            return reply(.ok, 2, 0, 0, "\(transaction?.incoming?.contentSize ?? 0) octets received")
        }
    }

    // MARK: The spool

    /// The envelope and copy plan of the transaction, fixed when its data
    /// starts, and a spool file beginning with the first copy's trace fields.
    func beginMessage(_ current: Transaction) throws -> IncomingMessage {
        let id = makeID()
        let date = now()
        let protocolName = ReceivedHeader.protocolName(extended: hello?.isExtended ?? false,
                                                       utf8: current.parameters.smtpUTF8, tls: connection.isTLS,
                                                       authenticated: authenticatedAccount != nil)
        let trace = (helo: hello?.name ?? "unknown", remote: connection.remoteAddress, host: configuration.hostName,
                     tls: connection.isTLS ? (connection.tlsDescription ?? "TLS") : nil,
                     user: authenticatedAccount?.address)
        let received: (String?) -> [UInt8] = { recipient in
            Array(ReceivedHeader(heloName: trace.helo, remoteAddress: trace.remote, hostName: trace.host,
                                 protocolName: protocolName, tlsDescription: trace.tls, authenticatedUser: trace.user,
                                 id: id, recipient: recipient, date: date).field.utf8)
        }
        let envelope = MessageDelivery.Envelope(
            id: id, sender: current.sender,
            dsn: DSNParameters(ret: current.parameters.ret, envelopeID: current.parameters.envelopeID,
                               body: current.parameters.body, smtpUTF8: current.parameters.smtpUTF8),
            authenticatedUser: authenticatedAccount?.address,
            recipients: current.recipients.map {
                MessageDelivery.Recipient(address: $0.address, notify: $0.parameters.notify,
                                          originalRecipient: $0.parameters.originalRecipient,
                                          destination: $0.destination)
            },
            date: date)
        let plan = MessageDelivery.plan(envelope)
        let spool = try store.makeSpoolFile(maximumSize: nil)
        return try IncomingMessage(spool: spool, envelope: envelope, plan: plan, received: received,
                                   prefix: MessageDelivery.spoolPrefix(envelope, plan, received: received))
    }

    /// Moves the content the decoder has produced to the spool file; a
    /// message the decoder refused loses its spool file at once.
    func spoolMessageBytes() {
        guard decoder.isReadingMessage else { return }
        if decoder.isDroppingMessage {
            _ = decoder.takeMessageBytes()
            if transaction?.incoming != nil { transaction?.incoming = nil }
            return
        }
        let bytes = decoder.takeMessageBytes()
        if let failure = writeToSpool(bytes) { decoder.dropMessage(failure) }
    }

    /// Writes content to the transaction's spool; on a failure the spool
    /// file is removed and the reason returned (over the store's bound:
    /// `tooLarge`; a write error: `insufficientStorage`).
    func writeToSpool(_ bytes: [UInt8]) -> SMTPDataRejection? {
        if let failure = transaction?.spoolFailure { return failure }
        guard let incoming = transaction?.incoming else { return bytes.isEmpty ? nil : .insufficientStorage }
        do {
            try incoming.write(bytes)
            return nil
        } catch {
            let reason: SMTPDataRejection
            if case MailStoreError.messageTooLarge = error { reason = .tooLarge } else { reason = .insufficientStorage }
            logger.error("cannot spool the message", metadata: ["error": "\(error)"])
            transaction?.incoming = nil
            transaction?.spoolFailure = reason
            return reason
        }
    }

    // MARK: Delivery

    /// Delivers the spooled message of the current transaction and ends it
    /// (its spool file goes; the store has adopted it if it was taken).
    func deliver() async -> SMTPOutput {
        guard let current = transaction, let incoming = current.incoming else {
            transaction = nil
            return fail(.badSequence, 5, 5, 1, "Send MAIL first")
        }
        defer { transaction = nil }
        // RFC 5321 §6.3: a message that has passed this many hops is in a loop.
        if MessageHeader.parse(incoming.header).fields(named: "Received").count >= Self.maxReceivedFields {
            logger.notice("mail loop: too many Received fields")
            return fail(.transactionFailed, 5, 4, 6, "Too many hops, mail loop detected")
        }
        let envelope = incoming.envelope
        let outcome: MessageDelivery.Outcome
        do {
            outcome = try await MessageDelivery(store: store, outboundQueue: outboundQueue, logger: logger, now: now)
                .deliver(envelope, incoming.plan, spool: incoming.spool, prefixLength: incoming.prefixLength,
                         header: incoming.header, received: incoming.received)
        } catch MailStoreError.messageTooLarge {
            return fail(.exceededStorage, 5, 3, 4, "Message size exceeds fixed maximum message size")
        } catch MailStoreError.overQuota(let exceeded) {
            // RFC 3463 §3.3: full now (4.2.2), or never room for this message (5.2.2).
            logger.info("delivery over quota, nothing delivered", metadata: ["id": "\(envelope.id)"])
            let size = Int64(incoming.spool.size)
            if exceeded.resource == .storage && size > exceeded.limit || exceeded.resource == .messages && exceeded.limit == 0 {
                return fail(.exceededStorage, 5, 2, 2, "Message is larger than the mailbox quota")
            }
            return reply(.insufficientStorage, 4, 2, 2, "Mailbox full, try again later")
        } catch {
            logger.error("delivery failed, nothing delivered", metadata: ["id": "\(envelope.id)", "error": "\(error)"])
            return reply(.localError, 4, 3, 0, "Local error in processing, try again later")
        }
        configuration.messageObserver?.messageAccepted(localCopies: outcome.localCopies,
                                                       relayedRecipients: outcome.relayedRecipients)
        return reply(.ok, 2, 0, 0, "OK id=\(envelope.id)")
    }
}
