// The AUTHORIZATION state: USER/PASS (RFC 1939 §7), AUTH (RFC 5034),
// STLS (RFC 2595 §4), then the maildrop lock and snapshot (RFC 1939 §8).
import Logging
import MailCore
import MailStore
import Accounts

extension POP3Session {
    /// The reply when a password would travel in clear (RFC 3206 §5 [AUTH], as Dovecot does).
    private func cleartextRefused() -> POP3Output {
        fail(.authentication, configuration.offersSTLS
             ? "plaintext authentication disallowed on non-secure connections, use STLS first"
             : "plaintext authentication disallowed on non-secure connections")
    }

    func user(_ name: String) -> POP3Output {
        guard cleartextLoginAllowed else { return cleartextRefused() }
        pendingUser = name
        // RFC 1939 §7 lets the server refuse an unknown name here; Tern never
        // does, so the reply tells nothing about which accounts exist.
        return POP3Output(.ok("send PASS"))
    }

    func pass(_ password: String) async -> POP3Output {
        guard let username = pendingUser else { return fail(nil, "send USER first") }
        pendingUser = nil
        guard cleartextLoginAllowed else { return cleartextRefused() }
        return await login(username: username, password: password, method: "USER/PASS")
    }

    func stls() -> POP3Output {
        // RFC 2595 §4: only in AUTHORIZATION (the caller checks), never twice.
        guard !connection.isTLS else { return fail(nil, "TLS already active") }
        guard configuration.offersSTLS else { return fail(nil, "STLS not available") }
        pendingUser = nil
        logger.debug("starting TLS")
        return POP3Output(.ok("begin TLS negotiation"), action: .startTLS)
    }

    // MARK: AUTH (RFC 5034)

    func auth(mechanism name: String?, initialResponse: String?) async -> POP3Output {
        pendingUser = nil
        guard let name else {
            // The RFC 1734 form: list the mechanisms this connection may use.
            let names = cleartextLoginAllowed ? SASLMechanism.allCases.map(\.rawValue) : []
            return POP3Output(.lines("SASL mechanisms follow", names))
        }
        guard cleartextLoginAllowed else { return cleartextRefused() }
        guard let mechanism = SASLMechanism(name: name) else { return fail(nil, "unsupported SASL mechanism") }
        var exchange = SASLServerExchange(mechanism: mechanism)
        let step = exchange.start(initialResponse: initialResponse)
        return await proceed(step, exchange)
    }

    /// Feeds a client line to a pending exchange (`*` cancels it).
    func continueAuthentication(_ exchange: SASLServerExchange, line: [UInt8]) async -> POP3Output {
        var exchange = exchange
        let step = exchange.receive(String(decoding: line, as: UTF8.self))
        return await proceed(step, exchange)
    }

    private func proceed(_ step: SASLStep, _ exchange: SASLServerExchange) async -> POP3Output {
        let method = "AUTH \(exchange.mechanism.rawValue)"
        switch step {
        case .challenge(let challenge):
            saslExchange = exchange
            return POP3Output(.challenge(challenge))
        case .cancelled:
            logger.debug("authentication cancelled", metadata: ["method": "\(method)"])
            return fail(nil, "authentication cancelled")
        case .malformed(let reason):
            logger.info("malformed authentication", metadata: ["method": "\(method)", "reason": "\(reason)"])
            return fail(nil, "malformed authentication exchange")
        case .credentials(let authorizationID, let username, let password):
            if let authorizationID, authorizationID.lowercased() != username.lowercased() {
                logger.info("authorization identity refused", metadata: ["user": "\(LoggableText.clean(username))"])
                return fail(.authentication, "authorization identity not permitted")
            }
            return await login(username: username, password: password, method: method)
        }
    }

    // MARK: Login, lock and snapshot

    private func login(username: String, password: String, method: String) async -> POP3Output {
        let result = await authenticator.authenticate(username: username, password: password,
                                                      connection: connection, protocolName: "pop3")
        switch result {
        case .invalidCredentials:
            logger.info("login failed", metadata: ["user": "\(LoggableText.clean(username))", "method": "\(method)"])
            return fail(.authentication, "authentication failed")
        case .temporarilyLocked:
            // RFC 3206 §4: SYS/TEMP tells the client to try again later rather
            // than to ask its user for a new password.
            logger.info("login refused, temporarily locked", metadata: ["user": "\(LoggableText.clean(username))", "method": "\(method)"])
            return fail(.systemTemporary, "too many failed logins, try again later")
        case .temporarilyUnavailable:
            // RFC 3206 §4: SYS/TEMP, not AUTH: the store could not be asked.
            logger.info("login not possible now: store unavailable",
                        metadata: ["user": "\(LoggableText.clean(username))", "method": "\(method)"])
            return fail(.systemTemporary, "mail store temporarily unavailable, try again later")
        case .success(let account):
            return await openMaildrop(account, method: method)
        }
    }

    /// RFC 1939 §8: take the exclusive lock, then number the messages once.
    private func openMaildrop(_ account: Account, method: String) async -> POP3Output {
        guard locks.acquire(account.id) else {
            logger.info("maildrop in use", metadata: ["account": "\(account.address)"])
            return fail(.inUse, "maildrop already locked by another session")
        }
        lockedAccountID = account.id
        let snapshot: POP3Maildrop
        do {
            guard let inbox = try await store.mailbox(accountID: account.id, name: "INBOX") else {
                throw MailStoreError.mailboxNotFound("INBOX")
            }
            let summaries = try await store.messageSummaries(mailboxID: inbox.id)
            snapshot = POP3Maildrop(accountID: account.id, mailbox: inbox, messages: summaries)
        } catch {
            locks.release(account.id)
            lockedAccountID = nil
            logger.error("cannot open maildrop", metadata: ["account": "\(account.address)", "error": "\(error)"])
            return fail(.systemTemporary, "cannot open maildrop")
        }
        maildrop = snapshot
        accountAddress = account.address
        state = .transaction
        logger[metadataKey: "account"] = .string(account.address)
        logger.info("login", metadata: ["method": "\(method)", "messages": "\(snapshot.entries.count)"])
        return POP3Output(.ok(snapshot.summary))
    }
}
