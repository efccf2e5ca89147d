// Checks a user name and password against the store, for every protocol.
import Dispatch
import Foundation
import Logging
import MailCore
import MailStore

/// The outcome of checking a user name and password.
public enum AuthenticationResult: Sendable, Equatable {
    case success(Account)
    case invalidCredentials
    /// Too many failures from this address or for this account; try again later.
    case temporarilyLocked
    /// The store could not be asked (`MailStoreError`, temporary or not):
    /// the server's fault, not the client's. The protocol answers with its
    /// temporary error (IMAP `NO [UNAVAILABLE]`, POP3 `-ERR [SYS/TEMP]`,
    /// SMTP `454 4.7.0`), never "wrong password", and the attempt does not
    /// count as a failed login in the `LoginThrottle`.
    case temporarilyUnavailable
}

/// Verifies credentials against the store, with throttling and logging
/// (address and account, never the password).
public final class Authenticator: Sendable {
    /// Longest user name looked up (an address is at most 254 octets, RFC 5321 §4.5.3.1.3).
    static let maximumUsernameLength = 320

    private let store: any MailStore
    private let logger: Logger
    public let throttle: LoginThrottle
    private let observer: (any AuthenticationObserver)?

    /// An Authenticator with the standard throttling (`LoginThrottleConfiguration.standard`).
    public convenience init(store: any MailStore, logger: Logger) {
        self.init(store: store, logger: logger, throttle: LoginThrottle(configuration: .standard))
    }

    /// An Authenticator with its own throttle configuration (tests use
    /// `.withoutDelays`, the server its configured limits).
    public convenience init(store: any MailStore, logger: Logger, throttleConfiguration: LoginThrottleConfiguration) {
        self.init(store: store, logger: logger, throttle: LoginThrottle(configuration: throttleConfiguration))
    }

    /// An Authenticator sharing `throttle` (e.g. with an injected clock).
    public init(store: any MailStore, logger: Logger, throttle: LoginThrottle,
                observer: (any AuthenticationObserver)? = nil) {
        self.store = store
        self.logger = logger
        self.throttle = throttle
        self.observer = observer
    }

    /// An Authenticator with the standard throttling that tells `observer`
    /// every outcome.
    public convenience init(store: any MailStore, logger: Logger, observer: any AuthenticationObserver) {
        self.init(store: store, logger: logger, throttle: LoginThrottle(configuration: .standard), observer: observer)
    }

    /// `username` is the full address; matching is case-insensitive.
    ///
    /// An unknown account costs the same hash computation as a wrong
    /// password (it is checked against a dummy yescrypt hash), and both give
    /// `.invalidCredentials`, after the throttle's delay.
    public func authenticate(username: String, password: String, connection: ConnectionInfo,
                             protocolName: String) async -> AuthenticationResult {
        let result = await check(username: username, password: password, connection: connection,
                                 protocolName: protocolName)
        observer?.authenticationFinished(protocolName: protocolName, result: result)
        return result
    }

    private func check(username: String, password: String, connection: ConnectionInfo,
                       protocolName: String) async -> AuthenticationResult {
        let name = username.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        let isPlausible = !name.isEmpty && name.utf8.count <= Self.maximumUsernameLength
        // The throttle's key for this account name (bounded, whatever the client sent).
        let accountKey = isPlausible ? name : "(invalid)"
        var log = logger
        log[metadataKey: "connection"] = "\(connection.id)"
        log[metadataKey: "remote"] = "\(connection.remoteAddress)"
        log[metadataKey: "protocol"] = "\(protocolName)"
        log[metadataKey: "account"] = "\(LoggableText.clean(name))"

        let throttled = !(throttle.configuration.exemptLoopback && connection.isLoopback)
        if throttled, await throttle.isLocked(address: connection.remoteAddress, account: accountKey) {
            log.warning("authentication refused: temporarily locked after repeated failures")
            return .temporarilyLocked
        }

        var account: Account?
        if isPlausible {
            do {
                account = try await store.account(address: name)
            } catch {
                // Not the client's fault: neither a wrong password nor a
                // failed guess for the throttle.
                log.error("authentication not possible: account lookup error: \(error)")
                return .temporarilyUnavailable
            }
        }

        let matches = await Self.verifyOffThread(password: password, hash: account?.passwordHash)
        if let account, matches, !account.isDisabled {
            if throttled {
                await throttle.recordSuccess(address: connection.remoteAddress, account: accountKey)
            }
            log.info("authentication succeeded")
            return .success(account)
        }

        // A disabled account gets the answer (and the delay) of a wrong
        // password, so a client cannot tell it apart; only the log says.
        let reason = account == nil ? "unknown account" : !matches ? "wrong password" : "account disabled"
        if throttled {
            let delay = await throttle.recordFailure(address: connection.remoteAddress, account: accountKey)
            log.notice("authentication failed: \(reason)", metadata: ["delay": "\(delay)"])
            if delay > .zero {
                try? await Task.sleep(for: delay)
            }
        } else {
            log.notice("authentication failed: \(reason)")
        }
        return .invalidCredentials
    }

    // MARK: Internals

    /// A yescrypt hash of a random password, computed once: unknown accounts
    /// are checked against it so they take as long as known ones.
    static let dummyHash: String = {
        let password = (0..<4).map { _ in String(UInt64.random(in: .min ... .max), radix: 16) }.joined()
        return (try? PasswordHasher.hash(password: password)) ?? "$y$j9T$0000000000000000000000$"
    }()

    /// Serial queues the hashes run on: one per CPU, so a flood of logins
    /// waits in line instead of starting a thread (and, for yescrypt, 16 MiB
    /// of memory) per attempt.
    static let hashingQueues: [DispatchQueue] = (0..<max(2, ProcessInfo.processInfo.activeProcessorCount)).map {
        DispatchQueue(label: "tern.password-hashing.\($0)", qos: .userInitiated)
    }

    /// Runs the (deliberately slow) hash on one of `hashingQueues`, so it
    /// blocks neither an event loop nor the Swift concurrency thread pool.
    /// A nil `hash` is checked against `dummyHash` (and never matches).
    static func verifyOffThread(password: String, hash: String?) async -> Bool {
        await withCheckedContinuation { continuation in
            let queue = hashingQueues.randomElement() ?? DispatchQueue.global(qos: .userInitiated)
            queue.async {
                let matches = PasswordHasher.verify(password: password, against: hash ?? dummyHash)
                continuation.resume(returning: hash != nil && matches)
            }
        }
    }
}
