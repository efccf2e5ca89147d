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
        guard current.chunks == nil else { return fail(.badSequence, 5, 5, 1, "DATA not allowed after BDAT") }
        // RFC 3030 §3: BINARYMIME only with BDAT.
        guard current.parameters.body != .binaryMIME else {
            return fail(.badSequence, 5, 5, 1, "BODY=BINARYMIME requires BDAT")
        }
        decoder.beginData(maximumSize: messageSizeLimit, maximumLineLength: configuration.maxTextLineLength,
                          normalizeBareLineEndings: configuration.allowBareLineEndings)
        return SMTPOutput(bytes: SMTPReply(.startMailInput, nil, "End data with <CR><LF>.<CR><LF>").encoded())
    }

    func finishData(_ body: [UInt8]) async -> SMTPOutput {
        await deliver(body)
    }

    /// DATA ended at CRLF.CRLF but the message can't be taken; the
    /// transaction ends (RFC 5321 §4.1.1.4).
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
        let plan: PendingChunk
        if let current = transaction {
            if current.recipients.isEmpty {
                plan = .refuse(SMTPReply(.transactionFailed, 5, 5, 1, "No valid recipients"), endsTransaction: false)
            } else if (current.chunks?.count ?? 0) + size > messageSizeLimit {
                plan = .refuse(SMTPReply(.exceededStorage, 5, 3, 4, "Message size exceeds fixed maximum message size"),
                               endsTransaction: true)
            } else if !reserveInFlight(total: (current.chunks?.count ?? 0) + size) {
                // RFC 3030 §2: a 4xx to a chunk fails the transaction; the chunk is still read (and dropped).
                logger.notice("message data in flight from this address over its bound, refusing the chunk")
                plan = .refuse(SMTPReply(.insufficientStorage, 4, 3, 1, "Insufficient system storage, try again later"),
                               endsTransaction: true)
            } else {
                plan = .accept
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

    func finishChunk(_ bytes: [UInt8], last: Bool) async -> SMTPOutput {
        guard let plan = pendingChunk else { return SMTPOutput(bytes: []) }
        pendingChunk = nil
        switch plan {
        case .refuse(let reply, let endsTransaction):
            if endsTransaction { transaction = nil }
            return fail(reply)
        case .accept:
            guard transaction != nil else { return fail(.badSequence, 5, 5, 1, "Send MAIL first") }
            if transaction?.chunks == nil { transaction?.chunks = [] }
            transaction?.chunks?.append(contentsOf: bytes)
            if last {
                return await deliver(transaction?.chunks ?? [])
            }
            return reply(.ok, 2, 0, 0, "\(bytes.count) octets received")
        }
    }

    // MARK: Delivery

    /// Delivers the message of the current transaction and ends it.
    func deliver(_ body: [UInt8]) async -> SMTPOutput {
        guard let current = transaction else { return fail(.badSequence, 5, 5, 1, "Send MAIL first") }
        transaction = nil
        // RFC 5321 §6.3: a message that has passed this many hops is in a loop.
        if MessageHeader.parse(body).fields(named: "Received").count >= Self.maxReceivedFields {
            logger.notice("mail loop: too many Received fields")
            return fail(.transactionFailed, 5, 4, 6, "Too many hops, mail loop detected")
        }
        let id = makeID()
        let date = now()
        let protocolName = ReceivedHeader.protocolName(extended: hello?.isExtended ?? false,
                                                       utf8: current.parameters.smtpUTF8, tls: connection.isTLS,
                                                       authenticated: authenticatedAccount != nil)
        func received(for recipient: String?) -> [UInt8] {
            Array(ReceivedHeader(heloName: hello?.name ?? "unknown", remoteAddress: connection.remoteAddress,
                                 hostName: configuration.hostName, protocolName: protocolName,
                                 tlsDescription: connection.isTLS ? (connection.tlsDescription ?? "TLS") : nil,
                                 authenticatedUser: authenticatedAccount?.address, id: id, recipient: recipient,
                                 date: date).field.utf8)
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
        let outcome: MessageDelivery.Outcome
        do {
            outcome = try await MessageDelivery(store: store, outboundQueue: outboundQueue, logger: logger, now: now)
                .deliver(envelope, body: body, received: received)
        } catch MailStoreError.messageTooLarge {
            return fail(.exceededStorage, 5, 3, 4, "Message size exceeds fixed maximum message size")
        } catch {
            logger.error("delivery failed, nothing delivered", metadata: ["id": "\(id)", "error": "\(error)"])
            return reply(.localError, 4, 3, 0, "Local error in processing, try again later")
        }
        configuration.messageObserver?.messageAccepted(localCopies: outcome.localCopies,
                                                       relayedRecipients: outcome.relayedRecipients)
        return reply(.ok, 2, 0, 0, "OK id=\(id)")
    }
}
