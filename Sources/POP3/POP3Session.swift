// One POP3 connection's state machine (RFC 1939 §3: AUTHORIZATION,
// TRANSACTION, UPDATE). It never touches the network: the Server module
// feeds it CRLF-framed lines and sends back what it returns.
//
// PIPELINING (RFC 2449 §6.6) needs nothing here: lines are handled one at a
// time, in order, and each reply is complete before the next line is read.
import Foundation
import Logging
import MailCore
import MailStore
import Accounts

/// One POP3 connection's state machine (RFC 1939 AUTHORIZATION, TRANSACTION,
/// UPDATE). Used by one connection task at a time; never touches the network.
public final class POP3Session {
    enum State {
        /// RFC 1939 §4: before a successful login.
        case authorization
        /// RFC 1939 §5: logged in, the maildrop snapshot is in `maildrop`.
        case transaction
        /// After QUIT, a fatal error or the end of the connection.
        case closed
    }

    let store: any MailStore
    let authenticator: Authenticator
    let locks: MaildropLocks
    let configuration: POP3Configuration
    var connection: ConnectionInfo
    var logger: Logger

    var state: State = .authorization
    /// The name given by USER, waiting for PASS (RFC 1939 §7).
    var pendingUser: String?
    /// An AUTH exchange waiting for the client's next line (RFC 5034 §4).
    var saslExchange: SASLServerExchange?
    /// The INBOX snapshot, set in the TRANSACTION state.
    var maildrop: POP3Maildrop?
    /// The account whose maildrop lock this session holds.
    var lockedAccountID: AccountID?
    /// The address of the account logged in, set with the TRANSACTION state.
    var accountAddress: String?
    var errorCount = 0
    var commandsBeforeLogin = 0

    public init(store: any MailStore, authenticator: Authenticator, locks: MaildropLocks,
                configuration: POP3Configuration, connection: ConnectionInfo, logger: Logger) {
        self.store = store
        self.authenticator = authenticator
        self.locks = locks
        self.configuration = configuration
        self.connection = connection
        var logger = logger
        // The Server's connection logger already names the connection; a bare logger gets it here.
        if logger[metadataKey: "conn"] == nil && logger[metadataKey: "connection"] == nil {
            logger[metadataKey: "connection"] = .string(connection.id)
            logger[metadataKey: "remote"] = .string(connection.remoteAddress)
        }
        logger[metadataKey: "protocol"] = "pop3"
        self.logger = logger
    }

    deinit {
        if let lockedAccountID { locks.release(lockedAccountID) }
    }

    /// The account logged in (TRANSACTION state on), nil before login.
    public var authenticatedAccountName: String? { accountAddress }

    /// The `+OK` greeting sent when the connection opens (RFC 1939 §4).
    /// No APOP timestamp: APOP is not offered.
    public func greeting() -> POP3Output {
        POP3Output(.ok("\(configuration.hostName) Tern POP3 server ready"))
    }

    /// Handles one line from the client, without its CRLF.
    public func handle(line: [UInt8]) async -> POP3Output {
        guard state != .closed else { return POP3Output(bytes: [], action: .close) }
        if let exchange = saslExchange {
            saslExchange = nil
            return await continueAuthentication(exchange, line: line)
        }
        let command: POP3Command
        switch POP3CommandParser.parse(line) {
        case .failure(let error):
            logger.debug("invalid command", metadata: ["error": "\(error.message)"])
            return fail(nil, error.message)
        case .success(let parsed):
            command = parsed
        }
        logger.debug("command", metadata: ["command": "\(command.name)"])
        if state == .authorization {
            commandsBeforeLogin += 1
            if commandsBeforeLogin > configuration.maxCommandsBeforeLogin {
                logger.notice("too many commands before login, closing")
                end()
                return POP3Output(.error(nil, "too many commands before login"), action: .close)
            }
        }
        return await execute(command)
    }

    /// Called when the framer saw a line longer than it accepts (the bytes were dropped).
    public func handleOverlongLine() -> POP3Output {
        guard state != .closed else { return POP3Output(bytes: [], action: .close) }
        if saslExchange != nil {
            saslExchange = nil
            return fail(nil, "authentication response too long")
        }
        return fail(nil, POP3CommandError.lineTooLong.message)
    }

    /// Called once the TLS handshake after STLS has completed.
    /// RFC 2595 §4: the client starts over; nothing said before TLS is kept.
    public func tlsStarted(_ connection: ConnectionInfo) {
        self.connection = connection
        pendingUser = nil
        saslExchange = nil
        logger.debug("TLS started", metadata: ["tls": "\(connection.tlsDescription ?? "yes")"])
    }

    /// Called when the connection ends for any reason; releases the maildrop
    /// lock. Without QUIT nothing is deleted (RFC 1939 §6).
    public func connectionClosed() async {
        if state == .transaction {
            logger.info("connection closed without QUIT, nothing deleted")
        }
        end()
    }

    // MARK: - Dispatch

    func execute(_ command: POP3Command) async -> POP3Output {
        switch (command, state) {
        case (.capa, _):
            return POP3Output(.lines("Capability list follows", capabilities()))
        case (.quit, .authorization):
            end()
            return POP3Output(.ok("\(configuration.hostName) Tern POP3 server signing off"), action: .close)
        case (.quit, .transaction):
            return await quit()
        case (.user(let name), .authorization):
            return user(name)
        case (.pass(let password), .authorization):
            return await pass(password)
        case (.auth(let mechanism, let initialResponse), .authorization):
            return await auth(mechanism: mechanism, initialResponse: initialResponse)
        case (.stls, .authorization):
            return stls()
        case (.stat, .transaction):
            return stat()
        case (.list(let number), .transaction):
            return list(number)
        case (.uidl(let number), .transaction):
            return uidl(number)
        case (.retr(let number), .transaction):
            return await retrieve(number, lines: nil)
        case (.top(let number, let lines), .transaction):
            return await retrieve(number, lines: lines)
        case (.dele(let number), .transaction):
            return dele(number)
        case (.noop, .transaction):
            return POP3Output(.ok(""))
        case (.rset, .transaction):
            return rset()
        case (_, .authorization):
            return fail(nil, "\(command.name) is not valid before login")
        case (_, .transaction):
            return fail(nil, "\(command.name) is not valid after login")
        case (_, .closed):
            return POP3Output(bytes: [], action: .close)
        }
    }

    /// RFC 2449 §5 CAPA; what is listed depends on the state and on the connection.
    func capabilities() -> [String] {
        var list = ["TOP", "UIDL"]
        if state == .authorization && cleartextLoginAllowed {
            list.append("USER")
            list.append("SASL " + SASLMechanism.allCases.map(\.rawValue).joined(separator: " "))
        }
        list += ["RESP-CODES", "AUTH-RESP-CODE", "PIPELINING"]
        if state == .authorization && configuration.offersSTLS && !connection.isTLS {
            list.append("STLS")
        }
        list.append("IMPLEMENTATION Tern")
        return list
    }

    /// Passwords may be sent on TLS, on loopback, or when the configuration allows it.
    var cleartextLoginAllowed: Bool {
        connection.isTLS || connection.isLoopback || configuration.allowCleartextAuthentication
    }

    // MARK: - Errors and the end of the session

    /// A `-ERR` reply; after `maxErrors` of them the session ends.
    func fail(_ code: POP3ResponseCode?, _ text: String) -> POP3Output {
        errorCount += 1
        if errorCount >= configuration.maxErrors {
            logger.notice("too many errors, closing")
            end()
            return POP3Output(.error(nil, "too many errors"), action: .close)
        }
        return POP3Output(.error(code, text))
    }

    /// Leaves the session: releases the maildrop lock, deletes nothing.
    func end() {
        state = .closed
        pendingUser = nil
        saslExchange = nil
        maildrop = nil
        if let lockedAccountID {
            locks.release(lockedAccountID)
            self.lockedAccountID = nil
        }
    }
}
