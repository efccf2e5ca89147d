// The mail transaction of one attempt (RFC 5321 §3.3, §4.1.1.2–4.1.1.4):
// what the server cannot take is refused before anything is sent
// (RFC 1870 SIZE, RFC 6152 8BITMIME, RFC 6531 SMTPUTF8), then MAIL and the
// RCPTs (in one write with RFC 2920 PIPELINING, replies read in order),
// DATA with the dot-stuffed body (RFC 5321 §4.5.2) and the final reply.

import MailCore
import MailStore
import NIOCore

/// How a transaction ended, for the connection's further use.
struct SMTPTransactionEnd: Sendable {
    var outcome: SMTPAttemptOutcome
    /// The session is in its initial state again and may carry another transaction.
    var reusable: Bool
    /// Nothing was answered after MAIL (or it was 421): on a reused
    /// connection, the sign that it died while idle.
    var stale: Bool
}

/// How far the exchange got.
private enum ExchangeProgress {
    case started
    case mailAnswered
    /// MAIL accepted: a transaction is open at the server.
    case inTransaction
    /// The final reply was read, or MAIL refused: no transaction is open.
    case finished
}

extension SMTPClientAttempt {
    func transact(_ connection: SMTPClientConnection, capabilities: EHLOCapabilities) async -> SMTPTransactionEnd {
        if let refusal = refusal(capabilities) {
            return SMTPTransactionEnd(outcome: .finished(result(allRecipients: refusal, connection)),
                                      reusable: true, stale: false)
        }
        guard SMTPClientCommands.isSafePath(transaction.sender) else {
            let failure = RecipientDeliveryOutcome.permanentFailure(
                status: "5.1.7", diagnostic: "the sender address cannot be sent in an SMTP command")
            return SMTPTransactionEnd(outcome: .finished(result(allRecipients: failure, connection)),
                                      reusable: true, stale: false)
        }
        var outcomes: [String: RecipientDeliveryOutcome] = [:]
        var recipients: [OutboundTransactionRecipient] = []
        for recipient in transaction.recipients where outcomes[recipient.address] == nil {
            guard !recipient.address.isEmpty, SMTPClientCommands.isSafePath(recipient.address) else {
                outcomes[recipient.address] = .permanentFailure(
                    status: "5.1.3", diagnostic: "the recipient address cannot be sent in an SMTP command")
                continue
            }
            if !recipients.contains(where: { $0.address == recipient.address }) { recipients.append(recipient) }
        }
        guard !recipients.isEmpty else {
            return SMTPTransactionEnd(outcome: .finished(result(outcomes, connection)), reusable: true, stale: false)
        }
        var progress = ExchangeProgress.started
        var closing = false
        do throws(SMTPClientFailure) {
            closing = try await exchange(connection, capabilities: capabilities, recipients: recipients,
                                         outcomes: &outcomes, progress: &progress)
        } catch {
            // Timeout, lost connection or malformed reply in the middle: try again later.
            for recipient in recipients where outcomes[recipient.address] == nil {
                outcomes[recipient.address] = .temporaryFailure(
                    status: error.status, diagnostic: error.diagnostic)
            }
            logger.info("transaction failed", metadata: ["remote": "\(remoteMTA)", "error": "\(error)"])
            return SMTPTransactionEnd(outcome: .finished(result(outcomes, connection)), reusable: false,
                                      stale: progress == .started)
        }
        var reusable = !closing
        if reusable && progress == .inTransaction {
            // RFC 5321 §4.1.1.5: RSET ends the open transaction (no recipient, or DATA refused).
            reusable = await reset(connection)
        }
        return SMTPTransactionEnd(outcome: .finished(result(outcomes, connection)), reusable: reusable,
                                  stale: closing && progress == .mailAnswered)
    }

    private func reset(_ connection: SMTPClientConnection) async -> Bool {
        do throws(SMTPClientFailure) {
            try await connection.send(SMTPClientCommands.rset, within: timeouts.command, for: "RSET")
            return try await connection.readReply(within: timeouts.command, for: "the reply to RSET").code == 250
        } catch {
            return false
        }
    }

    /// Sends the envelope and the message; fills `outcomes` for every
    /// recipient it has a reply for. True when the server said it is
    /// closing (421, RFC 5321 §3.8).
    private func exchange(_ connection: SMTPClientConnection, capabilities: EHLOCapabilities,
                          recipients: [OutboundTransactionRecipient],
                          outcomes: inout [String: RecipientDeliveryOutcome],
                          progress: inout ExchangeProgress) async throws(SMTPClientFailure) -> Bool {
        let utf8 = needsSMTPUTF8
        let mail = SMTPClientCommands.mail(transaction, capabilities: capabilities,
                                           bodyType: sendableBodyType ?? .sevenBit, smtpUTF8: utf8)
        let rcpts = recipients.map { SMTPClientCommands.rcpt($0, capabilities: capabilities, smtpUTF8: utf8) }
        let mailReply: SMTPClientReply
        var rcptReplies: [SMTPClientReply] = []
        if capabilities.pipelining {
            // RFC 2920 §3.1: MAIL and every RCPT in one write, then each reply in order.
            try await connection.send(mail + rcpts.joined(), within: timeouts.command, for: "MAIL and RCPT")
            mailReply = try await connection.readReply(within: timeouts.command, for: "the reply to MAIL").reply
            progress = .mailAnswered
            for _ in rcpts {
                rcptReplies.append(try await connection.readReply(within: timeouts.command, for: "the reply to RCPT").reply)
            }
        } else {
            try await connection.send(mail, within: timeouts.command, for: "MAIL")
            mailReply = try await connection.readReply(within: timeouts.command, for: "the reply to MAIL").reply
            progress = .mailAnswered
            if mailReply.isSuccess {
                for rcpt in rcpts {
                    try await connection.send(rcpt, within: timeouts.command, for: "RCPT")
                    rcptReplies.append(try await connection.readReply(within: timeouts.command, for: "the reply to RCPT").reply)
                }
            }
        }
        guard mailReply.isSuccess else {
            for recipient in recipients { outcomes[recipient.address] = outcome(for: mailReply, after: "MAIL FROM") }
            progress = mailReply.code == 421 ? .mailAnswered : .finished
            return mailReply.code == 421
        }
        progress = .inTransaction
        var accepted: [String] = []
        for (recipient, reply) in zip(recipients, rcptReplies) {
            if reply.isSuccess {
                accepted.append(recipient.address)
            } else {
                outcomes[recipient.address] = outcome(for: reply, after: "RCPT TO:<\(recipient.address)>")
            }
        }
        if rcptReplies.contains(where: { $0.code == 421 }) { return true }
        guard !accepted.isEmpty else { return false }

        try await connection.send(SMTPClientCommands.data, within: timeouts.command, for: "DATA")
        let dataReply = try await connection.readReply(within: timeouts.dataInitiation, for: "the reply to DATA").reply
        guard dataReply.code == 354 else {
            for address in accepted { outcomes[address] = outcome(for: dataReply, after: "DATA") }
            return dataReply.code == 421
        }
        try await connection.send(bytes: DotStuffing.stuff(transaction.body) + DotStuffing.terminator,
                                  within: timeouts.dataTermination, for: "the message to be sent")
        let final = try await connection.readReply(within: timeouts.dataTermination,
                                                   for: "the reply to the end of data").reply
        progress = .finished
        for address in accepted {
            outcomes[address] = final.isSuccess ? .delivered(final) : outcome(for: final, after: "end of data")
        }
        logger.info("message sent", metadata: ["remote": "\(remoteMTA)", "accepted": "\(accepted.count)",
                                                "reply": "\(final)"])
        return final.code == 421
    }

    /// The permanent failure for a message this server cannot take, checked
    /// before MAIL so that nothing is sent in vain.
    func refusal(_ capabilities: EHLOCapabilities) -> RecipientDeliveryOutcome? {
        if capabilities.refusesSize(transaction.body.count) {
            let limit = capabilities.maximumSize ?? 0
            return .permanentFailure(status: "5.3.4", diagnostic:
                "message of \(transaction.body.count) octets is larger than the limit of \(limit) octets of \(remoteMTA) (RFC 1870)")
        }
        guard let bodyType = sendableBodyType else {
            return .permanentFailure(status: "5.6.3", diagnostic:
                "binary message content cannot be sent with DATA (RFC 3030)")
        }
        if bodyType == .eightBitMIME && !capabilities.eightBitMIME {
            return .permanentFailure(status: "5.6.3", diagnostic:
                "\(remoteMTA) does not support 8BITMIME and the message has 8-bit content (RFC 6152 §3)")
        }
        if needsSMTPUTF8 && !capabilities.smtpUTF8 {
            return .permanentFailure(status: "5.6.7", diagnostic:
                "\(remoteMTA) does not support SMTPUTF8, which the message needs (RFC 6531 §3.2)")
        }
        return nil
    }

    /// The BODY the message goes with: a BINARYMIME message whose octets
    /// happen to fit DATA (no NUL, CRLF line endings only, lines of at
    /// most 998 octets, RFC 5321 §4.5.3.1.6) goes as 8BITMIME; nil when it does not fit.
    var sendableBodyType: OutboundBodyType? {
        guard transaction.bodyType == .binaryMIME else { return transaction.bodyType }
        var lineLength = 0
        var previous: UInt8 = 0
        for byte in transaction.body {
            switch byte {
            case 0: return nil
            case 0x0A:
                guard previous == 0x0D else { return nil }
                lineLength = 0
            default:
                if previous == 0x0D { return nil }
                if byte != 0x0D { lineLength += 1 }
                if lineLength > 998 { return nil }
            }
            previous = byte
        }
        return previous == 0x0D ? nil : .eightBitMIME
    }

    /// RFC 6531 §3.2: the message says so, or an address is not ASCII.
    var needsSMTPUTF8: Bool {
        transaction.smtpUTF8 || !transaction.sender.utf8.allSatisfy { $0 < 0x80 }
            || transaction.recipients.contains { !$0.address.utf8.allSatisfy { $0 < 0x80 } }
    }
}
