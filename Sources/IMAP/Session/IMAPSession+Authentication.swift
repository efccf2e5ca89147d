// The not-authenticated state: STARTTLS (RFC 9051 §6.2.1), AUTHENTICATE
// with SASL PLAIN and LOGIN and SASL-IR (§6.2.2, RFC 4959), LOGIN (§6.2.3).
// Same policy as POP3 and SMTP: no password on a cleartext connection
// except from loopback or when the configuration allows it; the
// Authenticator throttles failures and never logs a password.
import Accounts
import Foundation
import Logging
import MailCore
import MailStore

extension IMAPSession {
    // MARK: STARTTLS

    /// RFC 9051 §6.2.1. Every byte the client pipelined after STARTTLS is
    /// dropped (the parser starts afresh), so nothing sent in clear can be
    /// taken for a command sent over TLS (the CVE-2011-0411 class).
    func startTLS() -> CommandResult {
        guard configuration.offersSTARTTLS else { return .bad("STARTTLS is not available on this port") }
        guard !connection.isTLS else { return .bad("TLS is already active") }
        parser = IMAPCommandParser(limits: configuration.limitsBeforeLogin)
        saslExchange = nil
        authenticationTag = nil
        pendingAction = .startTLS
        logger.debug("starting TLS")
        return .ok("Begin TLS negotiation now")
    }

    /// `NO [PRIVACYREQUIRED]` (RFC 5530 §3) for a password on a cleartext connection.
    var privacyRequired: CommandResult {
        .no(configuration.offersSTARTTLS ? "Authentication requires TLS: use STARTTLS first"
                                         : "Authentication requires TLS", code: .privacyRequired)
    }

    // MARK: LOGIN

    func login(user: [UInt8], password: [UInt8]) async -> CommandResult {
        guard cleartextAuthenticationAllowed else {
            logger.info("cleartext login refused")
            return privacyRequired
        }
        guard let username = String(validating: user, as: UTF8.self),
              let password = String(validating: password, as: UTF8.self) else {
            logger.info("login failed: user name or password is not UTF-8")
            return .no("Authentication failed", code: .authenticationFailed)
        }
        return await logIn(username: username, password: password, method: "LOGIN")
    }

    // MARK: AUTHENTICATE

    func authenticate(tag: String, mechanism name: String, initialResponse: [UInt8]?) async -> CommandResult? {
        guard cleartextAuthenticationAllowed else {
            logger.info("cleartext authentication refused")
            return privacyRequired
        }
        guard let mechanism = SASLMechanism(name: name) else {
            return .no("Unsupported authentication mechanism")
        }
        var exchange = SASLServerExchange(mechanism: mechanism)
        let step = exchange.start(initialResponse: initialResponse.map { String(decoding: $0, as: UTF8.self) })
        return await proceed(step, exchange, tag: tag)
    }

    /// A client line of a pending exchange (RFC 9051 §6.2.2; `*` cancels).
    func continueAuthentication(line: [UInt8]) async {
        parser.mode = .commands
        guard var exchange = saslExchange, let tag = authenticationTag else { return }
        saslExchange = nil
        authenticationTag = nil
        let step = exchange.receive(String(decoding: line, as: UTF8.self))
        guard let result = await proceed(step, exchange, tag: tag) else { return }
        await complete(tag: tag, result, allowExpunge: nil)
    }

    /// Sends a challenge (and returns nil) or finishes the exchange.
    private func proceed(_ step: SASLStep, _ exchange: SASLServerExchange, tag: String) async -> CommandResult? {
        let method = "AUTHENTICATE \(exchange.mechanism.rawValue)"
        switch step {
        case .challenge(let challenge):
            saslExchange = exchange
            authenticationTag = tag
            parser.mode = .authentication
            send(.continuation(challenge))
            return nil
        case .cancelled:
            // RFC 9051 §6.2.2: a cancelled exchange gets a tagged BAD.
            logger.debug("authentication cancelled", metadata: ["method": "\(method)"])
            return .bad("Authentication cancelled")
        case .malformed(let reason):
            logger.info("malformed authentication", metadata: ["method": "\(method)", "reason": "\(reason)"])
            return .bad("Malformed authentication exchange")
        case .credentials(let authorizationID, let username, let password):
            if let authorizationID, authorizationID.lowercased() != username.lowercased() {
                logger.info("authorization identity refused", metadata: ["user": "\(LoggableText.clean(username))"])
                return .no("Authorization identity not permitted", code: .authorizationFailed)
            }
            return await logIn(username: username, password: password, method: method)
        }
    }

    // MARK: Login

    /// Checks the credentials; on success the session is authenticated and
    /// the tagged OK carries the new capability list (RFC 9051 §6.2.2, §6.2.3).
    private func logIn(username: String, password: String, method: String) async -> CommandResult {
        let result = await authenticator.authenticate(username: username, password: password,
                                                      connection: connection, protocolName: "imap")
        switch result {
        case .invalidCredentials:
            logger.info("login failed", metadata: ["user": "\(LoggableText.clean(username))", "method": "\(method)"])
            return .no("Authentication failed", code: .authenticationFailed)
        case .temporarilyLocked:
            logger.info("login refused, temporarily locked",
                        metadata: ["user": "\(LoggableText.clean(username))", "method": "\(method)"])
            return .no("Too many failed logins, try again later", code: .unavailable)
        case .temporarilyUnavailable:
            // RFC 5530 §3: UNAVAILABLE, not AUTHENTICATIONFAILED: the
            // password may well be right; the store could not be asked.
            logger.info("login not possible now: store unavailable",
                        metadata: ["user": "\(LoggableText.clean(username))", "method": "\(method)"])
            return .no("The mail store is temporarily unavailable, try again later", code: .unavailable)
        case .success(let authenticated):
            // The account as the store has it now (the address is the login name).
            let current: Account?
            do {
                current = try await store.account(address: authenticated.address)
            } catch {
                logger.error("cannot load account", metadata: ["account": "\(authenticated.address)",
                                                               "error": "\(error)"])
                return .no("Cannot open the account now, try again later", code: .unavailable)
            }
            guard let current else {
                logger.info("login failed: account removed", metadata: ["account": "\(authenticated.address)"])
                return .no("Authentication failed", code: .authenticationFailed)
            }
            // Dovecot's mail_max_userip_connections: the password was right,
            // the account has enough sessions from this address already.
            if let admit = connection.admitLogin, !admit(current.address) {
                logger.notice("login refused: too many connections of this user from this address",
                              metadata: ["account": "\(current.address)"])
                return .no("Maximum number of connections from user+IP exceeded", code: .limit)
            }
            account = current
            // The full bounds from now on: literals up to APPENDLIMIT (RFC 7889).
            parser.limits = configuration.parserLimits
            // APPEND message literals go to spool files as they arrive.
            let store = self.store
            parser.spoolFactory = { bound in try store.makeSpoolFile(maximumSize: bound) }
            saslExchange = nil
            authenticationTag = nil
            logger[metadataKey: "account"] = .string(current.address)
            logger.info("login", metadata: ["method": "\(method)"])
            return .ok("\(method) completed", code: .capability(capabilities))
        }
    }
}
