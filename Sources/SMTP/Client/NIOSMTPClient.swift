import Foundation
import Logging
import MailStore
import NIOCore
import NIOPosix
import NIOSSL

/// Timeouts of the SMTP client (RFC 5321 §4.5.3.2 gives the minimums).
public struct SMTPClientTimeouts: Sendable, Hashable {
    public var connect: TimeAmount
    /// Initial 220 greeting: 5 minutes.
    public var greeting: TimeAmount
    /// EHLO, MAIL, RCPT, RSET, STARTTLS replies: 5 minutes.
    public var command: TimeAmount
    /// DATA's 354: 2 minutes.
    public var dataInitiation: TimeAmount
    /// The reply after the final dot: 10 minutes.
    public var dataTermination: TimeAmount

    public init(connect: TimeAmount = .seconds(30), greeting: TimeAmount = .minutes(5),
                command: TimeAmount = .minutes(5), dataInitiation: TimeAmount = .minutes(2),
                dataTermination: TimeAmount = .minutes(10)) {
        self.connect = connect
        self.greeting = greeting
        self.command = command
        self.dataInitiation = dataInitiation
        self.dataTermination = dataTermination
    }
}

/// The outbound SMTP client on SwiftNIO (RFC 5321 client side): EHLO with
/// the configured name, STARTTLS per policy (RFC 3207), PIPELINING when
/// offered (RFC 2920), SIZE/8BITMIME/SMTPUTF8 respected (a message the
/// remote cannot take fails permanently with the right status), AUTH PLAIN
/// for a smarthost (RFC 4954), several recipients in one transaction, and
/// a bound on connections per destination and in total.
public final class NIOSMTPClient: OutboundTransport {
    private let heloName: String
    private let group: any EventLoopGroup
    private let timeouts: SMTPClientTimeouts
    private let limiter: ConnectionLimiter
    private let pool: SMTPConnectionPool?
    private let tlsContexts: SMTPClientTLSContexts
    private let logger: Logger

    /// `trustRoots` are the certificates that verify a require-verified
    /// destination (the system's by default; tests pass their own). With
    /// `idleConnectionTimeout`, a connection whose transaction ended cleanly
    /// stays open that long for the next transaction to the same host (it
    /// keeps its connection slot; call `closeIdleConnections()` before the
    /// event loop group shuts down); nil closes every connection after its transaction.
    public init(heloName: String, group: any EventLoopGroup, timeouts: SMTPClientTimeouts = SMTPClientTimeouts(),
                maxConnections: Int = 20, maxConnectionsPerHost: Int = 4, logger: Logger,
                trustRoots: NIOSSLTrustRoots = .default, idleConnectionTimeout: TimeAmount? = nil) {
        self.heloName = heloName
        self.group = group
        self.timeouts = timeouts
        self.limiter = ConnectionLimiter(maxTotal: maxConnections, maxPerHost: maxConnectionsPerHost)
        let limiter = self.limiter
        self.pool = idleConnectionTimeout.map { SMTPConnectionPool(idleTimeout: $0, limiter: limiter) }
        self.logger = logger
        var unverified = TLSConfiguration.makeClientConfiguration()
        unverified.certificateVerification = .none
        var verified = TLSConfiguration.makeClientConfiguration()
        verified.certificateVerification = .fullVerification
        verified.trustRoots = trustRoots
        do {
            tlsContexts = SMTPClientTLSContexts(unverified: try NIOSSLContext(configuration: unverified),
                                                verified: try NIOSSLContext(configuration: verified))
        } catch {
            logger.error("cannot make the TLS client contexts", metadata: ["error": "\(error)"])
            tlsContexts = SMTPClientTLSContexts(unverified: try? NIOSSLContext(configuration: unverified),
                                                verified: nil)
        }
    }

    /// Sends QUIT on every idle connection, keeps no more, and returns when
    /// all are closed (shutdown, before the event loop group stops).
    public func closeIdleConnections() async {
        await pool?.close()
    }

    /// RFC 5321 §5.1: the hosts in order and each host's addresses in
    /// order; a failed connection tries the next address, a server that
    /// refuses the session (greeting, EHLO, TLS policy) the next host. When
    /// no host takes the transaction, every recipient fails temporarily
    /// (4.4.1, or the 4.7.x of a TLS or AUTH requirement) naming the last error.
    public func deliver(_ transaction: OutboundTransaction, hosts: [DeliveryHost], tls: OutboundTLSPolicy,
                        credentials: SMTPClientCredentials?) async -> OutboundAttemptResult {
        guard !transaction.recipients.isEmpty else { return OutboundAttemptResult(outcomes: [:]) }
        var lastFailure = SMTPClientFailure(status: "4.4.1", diagnostic: "no host to deliver to")
        hosts: for host in hosts {
            var useSTARTTLS = true
            var index = 0
            while index < host.addresses.count {
                let attempt = SMTPClientAttempt(
                    transaction: transaction, host: host, address: host.addresses[index], policy: tls,
                    useSTARTTLS: useSTARTTLS, credentials: credentials, heloName: heloName, timeouts: timeouts,
                    tlsContexts: tlsContexts, logger: logger)
                let outcome: SMTPAttemptOutcome
                do {
                    // Only the first address, with TLS as the policy says, may use a parked connection.
                    outcome = try await run(attempt, reuse: index == 0 && useSTARTTLS)
                } catch {
                    return Self.allFailed(transaction, SMTPClientFailure(status: "4.4.1", diagnostic: "delivery cancelled"))
                }
                switch outcome {
                case let .finished(result):
                    return result
                case let .nextAddress(failure):
                    lastFailure = failure
                    useSTARTTLS = true
                    index += 1
                case let .nextHost(failure):
                    lastFailure = failure
                    continue hosts
                case let .retryWithoutTLS(failure):
                    lastFailure = failure
                    if useSTARTTLS {
                        logger.info("retrying without TLS", metadata: ["remote": "\(attempt.remoteMTA)"])
                        useSTARTTLS = false
                    } else {
                        index += 1
                    }
                }
                if Task.isCancelled {
                    return Self.allFailed(transaction, SMTPClientFailure(status: "4.4.1", diagnostic: "delivery cancelled"))
                }
            }
        }
        return Self.allFailed(transaction, lastFailure)
    }

    /// One attempt within the connection bounds: on a parked connection
    /// to the same destination when there is one or one is handed over
    /// while waiting (`reuse`), else on a fresh connection in a slot of its
    /// own. With reuse, the attempt runs on in its own task after its
    /// outcome, as long as its connection waits in the pool, and gives its
    /// slot back when it closes.
    private func run(_ attempt: SMTPClientAttempt, reuse: Bool) async throws -> SMTPAttemptOutcome {
        let key = attempt.poolKey.host
        let poolKey = reuse && pool != nil ? attempt.poolKey : nil
        // A parked connection found dead is left to close; the next one, or a slot, is tried.
        while let parked = try await limiter.acquire(host: key, key: poolKey) {
            if case let .finished(result)? = await parked.submit(attempt.transaction) {
                return .finished(result)
            }
        }
        let limiter = self.limiter
        let group = self.group
        guard let pool else {
            let box = OutcomeBox()
            await attempt.run(group: group, pool: nil) { box.set($0) }
            await limiter.release(host: key)
            return box.value ?? .nextHost(SMTPClientFailure(status: "4.4.2", diagnostic: "no outcome"))
        }
        await pool.register()
        return await withCheckedContinuation { continuation in
            Task {
                await attempt.run(group: group, pool: pool) { continuation.resume(returning: $0) }
                await limiter.release(host: key)
                await pool.unregister()
            }
        }
    }

    private static func allFailed(_ transaction: OutboundTransaction, _ failure: SMTPClientFailure) -> OutboundAttemptResult {
        let status = failure.status.hasPrefix("4.7.") ? failure.status : "4.4.1"
        let outcome = RecipientDeliveryOutcome.temporaryFailure(
            status: status, diagnostic: "no server took the message; last error: \(failure.diagnostic)")
        return OutboundAttemptResult(outcomes: Dictionary(transaction.recipients.map { ($0.address, outcome) },
                                                          uniquingKeysWith: { first, _ in first }))
    }
}

/// The outcome of an attempt run in the caller's task.
private final class OutcomeBox: @unchecked Sendable {
    private let lock = NSLock()
    private var outcome: SMTPAttemptOutcome?

    func set(_ outcome: SMTPAttemptOutcome) { lock.withLock { self.outcome = outcome } }
    var value: SMTPAttemptOutcome? { lock.withLock { outcome } }
}
