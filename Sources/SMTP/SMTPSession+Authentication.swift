// STARTTLS (RFC 3207) and AUTH (RFC 4954 with SASL PLAIN and LOGIN).
import Accounts
import Foundation
import MailCore
import MailStore

extension SMTPSession {
    /// AUTH may be used now: on TLS; on cleartext only when the configuration
    /// allows it, or on a loopback submission connection.
    var authenticationAllowed: Bool {
        connection.isTLS || !configuration.requireTLSForAuth
            || (configuration.mode == .submission && connection.isLoopback)
    }

    // MARK: STARTTLS

    func startTLS() -> SMTPOutput {
        guard !connection.isTLS else { return fail(.badSequence, 5, 5, 1, "TLS already active") }
        guard configuration.offersSTARTTLS else { return fail(.notImplemented, 5, 5, 1, "STARTTLS not available") }
        // RFC 3207 §4.2: forget everything learnt before TLS.
        hello = nil
        transaction = nil
        authenticatedAccount = nil
        saslExchange = nil
        pendingChunk = nil
        logger.debug("starting TLS")
        return SMTPOutput(bytes: SMTPReply(.serviceReady, 2, 0, 0, "Ready to start TLS").encoded(), action: .startTLS)
    }

    // MARK: AUTH

    func authenticate(mechanism name: String, initialResponse: String?) async -> SMTPOutput {
        guard hello?.isExtended == true else { return fail(.badSequence, 5, 5, 1, "Send EHLO first") }
        guard authenticatedAccount == nil else { return fail(.badSequence, 5, 5, 1, "Already authenticated") }
        // RFC 4954 §4: not during a mail transaction.
        guard transaction == nil else { return fail(.badSequence, 5, 5, 1, "AUTH not allowed during a transaction") }
        guard authenticationAllowed else {
            return fail(.encryptionRequired, 5, 7, 11, "Encryption required for requested authentication mechanism")
        }
        guard let mechanism = SASLMechanism(name: name) else {
            return fail(.parameterNotImplemented, 5, 5, 4, "Unrecognized authentication type")
        }
        var exchange = SASLServerExchange(mechanism: mechanism)
        let step = exchange.start(initialResponse: initialResponse)
        return await proceed(step, exchange)
    }

    /// Feeds a client line to a pending exchange (`*` cancels it).
    func continueAuthentication(_ exchange: SASLServerExchange, line: [UInt8]) async -> SMTPOutput {
        var exchange = exchange
        let step = exchange.receive(String(decoding: line, as: UTF8.self))
        return await proceed(step, exchange)
    }

    private func proceed(_ step: SASLStep, _ exchange: SASLServerExchange) async -> SMTPOutput {
        let method = "AUTH \(exchange.mechanism.rawValue)"
        switch step {
        case .challenge(let challenge):
            saslExchange = exchange
            decoder.allowLongLine()
            // RFC 4954 §4: "334 " followed by the base64 challenge, no enhanced code.
            return SMTPOutput(bytes: SMTPReply(.authenticationChallenge, nil, challenge).encoded())
        case .cancelled:
            return fail(.parameterSyntaxError, 5, 0, 0, "Authentication cancelled")
        case .malformed(let reason):
            logger.info("malformed authentication", metadata: ["method": "\(method)", "reason": "\(reason)"])
            return fail(.parameterSyntaxError, 5, 5, 2, "Cannot decode authentication response")
        case .credentials(let authorizationID, let username, let password):
            if let authorizationID, authorizationID.lowercased() != username.lowercased() {
                return fail(.authenticationFailed, 5, 7, 8, "Authorization identity not permitted")
            }
            let result = await authenticator.authenticate(username: username, password: password,
                                                          connection: connection, protocolName: "smtp")
            switch result {
            case .success(let account):
                authenticatedAccount = account
                logger[metadataKey: "account"] = .string(account.address)
                logger.info("authenticated", metadata: ["method": "\(method)"])
                return reply(.authenticationSucceeded, 2, 7, 0, "Authentication successful")
            case .invalidCredentials:
                return fail(.authenticationFailed, 5, 7, 8, "Authentication credentials invalid")
            case .temporarilyLocked:
                return fail(.temporaryAuthenticationFailure, 4, 7, 0, "Temporary authentication failure")
            case .temporarilyUnavailable:
                // RFC 4954 §6: 454 4.7.0, a temporary server failure.
                logger.info("authentication not possible now: store unavailable", metadata: ["method": "\(method)"])
                // Not the client's error: it does not count towards maxErrors.
                return reply(.temporaryAuthenticationFailure, 4, 7, 0,
                             "Temporary authentication failure, try again later")
            }
        }
    }
}
