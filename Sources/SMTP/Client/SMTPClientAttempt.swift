// One attempt at one address of one host: connect, greeting, EHLO (HELO
// when EHLO is refused, RFC 5321 §4.1.1.1), TLS per policy (RFC 3207,
// RFC 8314), AUTH PLAIN (RFC 4954), then the mail transaction
// (SMTPClientAttempt+Transaction.swift). Failures before the transaction
// send the caller to the next address or host (RFC 5321 §5.1); once MAIL
// has been sent the attempt has a result for every recipient.

import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// What the caller does after one attempt.
enum SMTPAttemptOutcome: Sendable {
    /// Every recipient has an outcome.
    case finished(OutboundAttemptResult)
    /// Could not connect: try the host's next address.
    case nextAddress(SMTPClientFailure)
    /// The server cannot take mail now (greeting, EHLO, TLS policy): try the next host.
    case nextHost(SMTPClientFailure)
    /// RFC 3207 §4.1 opportunistic TLS whose handshake failed: try the same address in cleartext.
    case retryWithoutTLS(SMTPClientFailure)
}

/// The TLS contexts the client uses, made once.
struct SMTPClientTLSContexts: Sendable {
    /// Opportunistic and implicit TLS: the certificate is not checked.
    var unverified: NIOSSLContext?
    /// require-verified: the full chain and the host name are checked.
    var verified: NIOSSLContext?
}

struct SMTPClientAttempt: Sendable {
    var transaction: OutboundTransaction
    var host: DeliveryHost
    var address: DNSAddress
    var policy: OutboundTLSPolicy
    /// False for the cleartext retry after a failed opportunistic handshake.
    var useSTARTTLS: Bool
    var credentials: SMTPClientCredentials?
    var heloName: String
    var timeouts: SMTPClientTimeouts
    var tlsContexts: SMTPClientTLSContexts
    var logger: Logger

    /// "mx.example.org [192.0.2.1]", as RFC 3464 §2.3.5 Remote-MTA wants it.
    var remoteMTA: String { "\(host.name) [\(address)]" }

    /// The name to send in SNI and to check the certificate against; nil
    /// for an address literal (SNI carries names only, RFC 6066 §3).
    var serverHostname: String? {
        var name = host.name
        if name.hasSuffix(".") { name.removeLast() }
        guard !name.isEmpty, MXRouter.ipAddress(name) == nil, MXRouter.addressLiteral(name) == nil else { return nil }
        return name
    }

    /// Which parked connections could serve this attempt's destination.
    var poolKey: SMTPPoolKey {
        SMTPPoolKey(host: host.name.lowercased(), port: host.port, policy: policy, credentials: credentials)
    }

    /// Connects and converses; `report` gets the outcome exactly once. With
    /// a `pool`, a connection whose transaction ended cleanly then waits in
    /// the pool for further transactions, and `run` returns only when it is
    /// closed.
    func run(group: any EventLoopGroup, pool: SMTPConnectionPool?,
             report: @Sendable (SMTPAttemptOutcome) -> Void) async {
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            let socketAddress = try SocketAddress(ipAddress: address.description, port: host.port)
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(timeouts.connect)
                // TCP level (`.socketOption` would set SO_DEBUG, root only).
                .channelOption(.tcpOption(.tcp_nodelay), value: 1)
                .connect(to: socketAddress) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            report(.nextAddress(SMTPClientFailure(status: "4.4.1", diagnostic: SMTPClientErrorText.connectFailure(
                remoteMTA: remoteMTA, port: host.port, error))))
            return
        }
        var reported = false
        do {
            try await channel.executeThenClose { inbound, outbound in
                let connection = SMTPClientConnection(channel: channel.channel, inbound: inbound, outbound: outbound)
                let (outcome, reusable) = await converse(connection)
                if reusable, let pool {
                    // Parked before the outcome is reported, so the caller's next delivery finds it.
                    let parked = SMTPPooledConnection(key: poolKey)
                    await pool.park(parked)
                    report(outcome)
                    reported = true
                    await serve(connection, parked: parked, pool: pool)
                } else {
                    report(outcome)
                    reported = true
                }
                await connection.quit(within: quitTimeout)
            }
        } catch {
            logger.debug("error closing the connection", metadata: ["remote": "\(remoteMTA)", "error": "\(error)"])
        }
        if !reported {
            report(.nextHost(SMTPClientFailure(status: "4.4.2", diagnostic: "connection to \(remoteMTA) lost")))
        }
    }

    /// Serves transactions handed over by the pool until it finishes the
    /// connection (idle timeout, eviction) or a transaction leaves it unusable.
    private func serve(_ connection: SMTPClientConnection, parked: SMTPPooledConnection,
                       pool: SMTPConnectionPool) async {
        for await job in parked.jobs {
            var next = self
            next.transaction = job.transaction
            let end = await next.transact(connection, capabilities: connection.capabilities)
            guard !end.stale else {
                // Closed while idle (or 421): the caller opens a fresh connection.
                job.reply.resume(returning: nil)
                return
            }
            var outcome = end.outcome
            if case var .finished(result) = outcome {
                result.reusedConnection = true
                outcome = .finished(result)
            }
            if end.reusable { await pool.park(parked) }
            job.reply.resume(returning: outcome)
            guard end.reusable else { return }
        }
    }

    /// Everything up to the transaction; failures here go to the next host.
    /// The flag tells whether the connection may serve another transaction.
    private func converse(_ connection: SMTPClientConnection) async -> (SMTPAttemptOutcome, Bool) {
        do throws(SMTPClientFailure) {
            if policy == .implicit {
                guard let context = tlsContexts.unverified else { return (.nextHost(Self.noTLSContext), false) }
                try await connection.startTLS(context: context, serverHostname: serverHostname, within: timeouts.greeting)
            }
            let greeting = try await connection.readReply(within: timeouts.greeting, for: "the greeting")
            guard greeting.code == 220 else {
                // RFC 5321 §3.1 and §5.1: a server that refuses the session; the next one may take the mail.
                await connection.quit(within: quitTimeout)
                return (.nextHost(rejection(greeting.reply, "the greeting")), false)
            }
            var capabilities: EHLOCapabilities
            switch try await hello(connection) {
            case let .capabilities(offered): capabilities = offered
            case let .refused(reply):
                await connection.quit(within: quitTimeout)
                return (.finished(result(allRecipients: outcome(for: reply, after: "HELO"), connection)), false)
            case let .deferred(reply):
                await connection.quit(within: quitTimeout)
                return (.nextHost(rejection(reply, "EHLO")), false)
            }
            switch try await negotiateTLS(connection, capabilities: capabilities) {
            case .unchanged: break
            case let .upgraded(offered): capabilities = offered
            case let .outcome(outcome): return (outcome, false)
            }
            if let failure = try await authenticate(connection, capabilities: capabilities) {
                return (failure, false)
            }
            let end = await transact(connection, capabilities: capabilities)
            return (end.outcome, end.reusable)
        } catch {
            logger.info("delivery attempt failed", metadata: ["remote": "\(remoteMTA)", "error": "\(error)"])
            return (.nextHost(SMTPClientFailure(status: error.status, diagnostic: "\(remoteMTA): \(error.diagnostic)")), false)
        }
    }

    private enum HelloResult {
        case capabilities(EHLOCapabilities)
        /// 5xx to both EHLO and HELO.
        case refused(SMTPClientReply)
        /// 4xx.
        case deferred(SMTPClientReply)
    }

    /// EHLO, and HELO when EHLO gets a 5xx (RFC 5321 §4.1.1.1, §3.2).
    private func hello(_ connection: SMTPClientConnection) async throws(SMTPClientFailure) -> HelloResult {
        try await connection.send(SMTPClientCommands.ehlo(heloName), within: timeouts.command, for: "EHLO")
        let ehlo = try await connection.readReply(within: timeouts.command, for: "the reply to EHLO")
        if ehlo.code == 250 {
            connection.capabilities = EHLOCapabilities(ehloLines: ehlo.lines)
            return .capabilities(connection.capabilities)
        }
        guard ehlo.code >= 500 else { return .deferred(ehlo.reply) }
        try await connection.send(SMTPClientCommands.helo(heloName), within: timeouts.command, for: "HELO")
        let helo = try await connection.readReply(within: timeouts.command, for: "the reply to HELO")
        if helo.code == 250 {
            connection.capabilities = .none
            return .capabilities(.none)
        }
        return helo.code >= 500 ? .refused(helo.reply) : .deferred(helo.reply)
    }

    private enum TLSResult {
        case unchanged
        case upgraded(EHLOCapabilities)
        case outcome(SMTPAttemptOutcome)
    }

    /// RFC 3207: STARTTLS per policy, then EHLO again (§4.2: the server
    /// forgets what it said before).
    private func negotiateTLS(_ connection: SMTPClientConnection,
                              capabilities: EHLOCapabilities) async throws(SMTPClientFailure) -> TLSResult {
        let context: NIOSSLContext?
        switch policy {
        case .none, .implicit:
            return .unchanged
        case .opportunistic:
            guard useSTARTTLS, capabilities.startTLS else { return .unchanged }
            context = tlsContexts.unverified
        case .requireVerified:
            guard capabilities.startTLS else {
                await connection.quit(within: quitTimeout)
                return .outcome(.nextHost(SMTPClientFailure(
                    status: "4.7.5", diagnostic: "\(remoteMTA) does not offer STARTTLS, and verified TLS is required")))
            }
            guard serverHostname != nil else {
                await connection.quit(within: quitTimeout)
                return .outcome(.nextHost(SMTPClientFailure(
                    status: "4.7.5", diagnostic: "\(remoteMTA): no host name to verify the certificate against")))
            }
            context = tlsContexts.verified
        }
        guard let context else { return .outcome(.nextHost(Self.noTLSContext)) }
        try await connection.send(SMTPClientCommands.startTLS, within: timeouts.command, for: "STARTTLS")
        let reply = try await connection.readReply(within: timeouts.command, for: "the reply to STARTTLS")
        guard reply.code == 220 else {
            if policy == .requireVerified {
                await connection.quit(within: quitTimeout)
                return .outcome(.nextHost(SMTPClientFailure(
                    status: "4.7.5", diagnostic: "\(remoteMTA) refused STARTTLS: \(reply.reply)")))
            }
            logger.info("STARTTLS refused, continuing without TLS",
                        metadata: ["remote": "\(remoteMTA)", "reply": "\(reply.reply)"])
            return .unchanged
        }
        do throws(SMTPClientFailure) {
            try await connection.startTLS(context: context, serverHostname: serverHostname, within: timeouts.command)
        } catch {
            let failure = SMTPClientFailure(status: "4.7.5", diagnostic: "\(remoteMTA): \(error.diagnostic)")
            logger.info("TLS handshake failed", metadata: ["remote": "\(remoteMTA)", "error": "\(error)"])
            return .outcome(policy == .opportunistic ? .retryWithoutTLS(failure) : .nextHost(failure))
        }
        switch try await hello(connection) {
        case let .capabilities(offered): return .upgraded(offered)
        case let .refused(reply):
            await connection.quit(within: quitTimeout)
            return .outcome(.finished(result(allRecipients: outcome(for: reply, after: "EHLO"), connection)))
        case let .deferred(reply):
            await connection.quit(within: quitTimeout)
            return .outcome(.nextHost(rejection(reply, "EHLO")))
        }
    }

    /// RFC 4954 AUTH PLAIN, only over TLS. A refused AUTH is a temporary
    /// failure for every recipient: the credentials are the operator's
    /// configuration, and the mail waits in the queue while they are fixed.
    private func authenticate(_ connection: SMTPClientConnection,
                              capabilities: EHLOCapabilities) async throws(SMTPClientFailure) -> SMTPAttemptOutcome? {
        guard let credentials else { return nil }
        guard connection.tlsVersion != nil else {
            await connection.quit(within: quitTimeout)
            return .nextHost(SMTPClientFailure(
                status: "4.7.0", diagnostic: "\(remoteMTA): credentials are never sent without TLS"))
        }
        guard !capabilities.authMechanisms.isEmpty else {
            logger.info("the server offers no AUTH; sending without it", metadata: ["remote": "\(remoteMTA)"])
            return nil
        }
        guard capabilities.authMechanisms.contains("PLAIN") else {
            await connection.quit(within: quitTimeout)
            return .nextHost(SMTPClientFailure(
                status: "4.7.0", diagnostic: "\(remoteMTA) does not offer AUTH PLAIN"))
        }
        try await connection.send(SMTPClientCommands.authPlain(credentials), within: timeouts.command, for: "AUTH")
        let reply = try await connection.readReply(within: timeouts.command, for: "the reply to AUTH")
        guard reply.code == 235 else {
            await connection.quit(within: quitTimeout)
            let detail = reply.reply.enhancedStatus.map { "4" + $0.dropFirst() } ?? "4.7.0"
            let failure = RecipientDeliveryOutcome.temporaryFailure(
                status: detail, diagnostic: "authentication failed: \(reply.reply)")
            return .finished(result(allRecipients: failure, connection))
        }
        return nil
    }

    // MARK: - Helpers shared with the transaction

    /// QUIT is a courtesy: never wait long for its reply.
    var quitTimeout: TimeAmount { min(timeouts.command, .seconds(10)) }

    static let noTLSContext = SMTPClientFailure(status: "4.7.5", diagnostic: "no TLS context could be made")

    /// A refusal before the transaction, for the next-host decision.
    func rejection(_ reply: SMTPClientReply, _ what: String) -> SMTPClientFailure {
        SMTPClientFailure(status: "4.4.1", diagnostic: "\(remoteMTA) refused \(what): \(reply)")
    }

    /// RFC 3463: a reply's outcome for a recipient; the server's enhanced
    /// code when it has the reply's class, otherwise X.0.0.
    func outcome(for reply: SMTPClientReply, after command: String) -> RecipientDeliveryOutcome {
        let diagnostic = "\(reply) (in reply to \(command))"
        if reply.isPermanentFailure {
            let status = reply.enhancedStatus.flatMap { $0.hasPrefix("5.") ? $0 : nil } ?? "5.0.0"
            return .permanentFailure(status: status, diagnostic: diagnostic)
        }
        if reply.code >= 400 {
            let status = reply.enhancedStatus.flatMap { $0.hasPrefix("4.") ? $0 : nil } ?? "4.0.0"
            return .temporaryFailure(status: status, diagnostic: diagnostic)
        }
        return .temporaryFailure(status: "4.5.0", diagnostic: "unexpected reply \(diagnostic)")
    }

    func result(_ outcomes: [String: RecipientDeliveryOutcome], _ connection: SMTPClientConnection) -> OutboundAttemptResult {
        OutboundAttemptResult(outcomes: outcomes, remoteMTA: remoteMTA, remotePort: host.port,
                              tlsVersion: connection.tlsVersion,
                              remoteOffersDSN: connection.capabilities.dsn)
    }

    func result(allRecipients outcome: RecipientDeliveryOutcome, _ connection: SMTPClientConnection) -> OutboundAttemptResult {
        result(Dictionary(transaction.recipients.map { ($0.address, outcome) }, uniquingKeysWith: { first, _ in first }),
               connection)
    }
}
