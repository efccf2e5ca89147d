import Accounts
import Foundation
import IMAP
import Logging
import MailCore
import MailStore
import NIOCore
import POP3
import SMTP

/// The Tern server process: opens the store, prepares it on first start,
/// binds every listener and serves until SIGTERM/SIGINT (or `shutdown()`),
/// then shuts down gracefully.
public final class TernServer: Sendable {
    public let configuration: TernConfiguration
    private let logger: Logger
    private let state = LockedBox(RunState())

    private struct RunState {
        var listeners: ListenerSet?
        var http: HTTPServer?
        var httpPorts: [Int] = []
        var shutdownRequested = false
        var boundPorts: [Int]?
        var portWaiters: [CheckedContinuation<[Int], Never>] = []
    }

    public init(configuration: TernConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Serves until SIGTERM or SIGINT; returns after a graceful shutdown.
    public func run() async throws {
        let watcher = SignalWatcher()
        defer { watcher.cancel() }
        let store = try SQLiteMailStore(directory: configuration.dataDirectory, logger: logger, removeOrphanFiles: true)
        try await run(store: store, signals: watcher.signals)
    }

    /// Begins a graceful shutdown, as SIGTERM does.
    public func shutdown() {
        let listeners = state.withLock { state -> ListenerSet? in
            state.shutdownRequested = true
            return state.listeners
        }
        state.withLock { $0.http }?.close()
        listeners?.beginShutdown(grace: .seconds(Int64(max(0, configuration.limits.shutdownGraceSeconds))))
    }

    /// The bound port of each listener that was started, in configuration
    /// order, once they are all listening (for tests that bind port 0).
    public func listeningPorts() async -> [Int] {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> [Int]? in
                if let ports = state.boundPorts { return ports }
                state.portWaiters.append(continuation)
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    /// The bound ports of the HTTP listeners that are listening (after `listeningPorts()`).
    public func httpListeningPorts() -> [Int] { state.withLock { $0.httpPorts } }

    /// The body of `run()`, with the store and signal stream given (tests pass their own).
    func run(store: any MailStore, signals: AsyncStream<ServerSignal>) async throws {
        let wakeup = OutboundWakeup()
        do {
            if let created = try await StoreSetup.prepare(store: store, configuration: configuration, logger: logger) {
                // Unbuffered, so it shows at once even when stdout is a file or pipe.
                let notice = "Created account \(created.address) with password \(created.password)"
                    + " — change it with `tern account passwd \(created.address)`\n"
                FileHandle.standardOutput.write(Data(notice.utf8))
            }
            let tls = try TLSContextProvider.forConfiguration(configuration, logger: logger)
            let authenticator = Authenticator(store: store, logger: logger,
                                              throttle: LoginThrottle(configuration: configuration.authentication.throttle),
                                              observer: MetricsAuthenticationObserver())
            let listeners = ListenerSet(listeners: makeListeners(store: store, wakeup: wakeup, authenticator: authenticator),
                                        tls: tls, limits: configuration.limits, logger: logger)
            let bound = try await listeners.bind()
            let control = ControlServer(path: ControlCoding.socketPath(dataDirectory: configuration.dataDirectory),
                                        logger: logger) { [service = ControlService(listeners: listeners,
                                                                                    throttle: authenticator.throttle)] in
                await service.respond(to: $0)
            }
            do {
                try await control.bind()
            } catch {
                for listener in bound { try? await listener.channel.channel.close() }
                throw error
            }
            defer { control.close() }
            let controlTask = Task { await control.serve() }
            defer { controlTask.cancel() }
            ServerMetrics.bootstrap()
            let http = HTTPServer(
                listeners: configuration.http.listeners, tls: tls, maxConnections: configuration.limits.maxConnections,
                logger: logger,
                router: HTTPRouter(configuration: configuration, store: store, logger: logger) { [state] in
                    state.withLock { $0.listeners != nil && !$0.shutdownRequested }
                })
            let httpPorts = await http.bind().map(\.port)
            for listener in bound {
                let configuration = listener.listener.configuration
                logger.notice("\(configuration.protocolName.rawValue) listening on \(configuration.address):\(listener.port) (\(Self.describe(configuration.tls)))")
            }
            let alreadyStopping = state.withLock { state -> Bool in
                state.listeners = listeners
                state.http = http
                state.httpPorts = httpPorts
                state.boundPorts = bound.map(\.port)
                for waiter in state.portWaiters { waiter.resume(returning: bound.map(\.port)) }
                state.portWaiters = []
                return state.shutdownRequested
            }
            if alreadyStopping { shutdown() }
            let signalTask = Task { [logger] in
                for await signal in signals {
                    switch signal {
                    case .reload:
                        do {
                            try tls.reload()
                            logger.notice("reloaded TLS certificate", metadata: ["certificate": "\(tls.certificatePath)"])
                        } catch {
                            logger.error("TLS reload failed; keeping the previous certificate", metadata: ["error": "\(error)"])
                        }
                    case .terminate(let number):
                        logger.notice("signal \(number): shutting down")
                        self.shutdown()
                        return
                    }
                }
            }
            defer { signalTask.cancel() }
            let httpTask = Task { await http.serve() }
            defer { http.close() }
            let outboundTask = Task {
                await OutboundDelivery(configuration: configuration, store: store, logger: logger, wakeup: wakeup).run()
            }
            defer { outboundTask.cancel() }
            try await listeners.serve()
            http.close()
            outboundTask.cancel()
            await outboundTask.value
            await httpTask.value
        } catch {
            releasePortWaiters()
            try? await store.close()
            throw error
        }
        releasePortWaiters()
        try await store.close()
        logger.notice("stopped")
    }

    private func releasePortWaiters() {
        let waiters = state.withLock { state -> [CheckedContinuation<[Int], Never>] in
            if state.boundPorts == nil { state.boundPorts = [] }
            defer { state.portWaiters = [] }
            return state.portWaiters
        }
        for waiter in waiters { waiter.resume(returning: []) }
    }

    /// One `ListenerSet.Listener` per configured listener whose protocol is
    /// implemented; the others are logged and skipped.
    private func makeListeners(store: any MailStore, wakeup: OutboundWakeup,
                               authenticator: Authenticator) -> [ListenerSet.Listener] {
        let locks = MaildropLocks()
        let inFlight = InFlightMessageBytes(limitPerAddress: configuration.limits.maxUnauthenticatedInFlightPerAddress)
        let outboundQueue = StoreOutboundQueue(store: store, wakeup: wakeup)
        var result: [ListenerSet.Listener] = []
        for listener in configuration.listeners {
            switch listener.protocolName {
            case .pop3:
                let pop3 = POP3Configuration(
                    hostName: configuration.hostName,
                    deletePolicy: POP3DeletePolicy(configValue: configuration.pop3.onDelete) ?? .delete,
                    allowCleartextAuthentication: configuration.authentication.allowCleartext,
                    offersSTLS: listener.tls == .starttls)
                result.append(ListenerSet.Listener(
                    configuration: listener,
                    lineProtocol: .pop3(store: store, authenticator: authenticator, locks: locks, configuration: pop3)))
            case .smtp, .submission:
                result.append(ListenerSet.Listener(
                    configuration: listener,
                    lineProtocol: .smtp(store: store, authenticator: authenticator, outboundQueue: outboundQueue,
                                        configuration: smtpConfiguration(for: listener, inFlight: inFlight))))
            case .imap:
                result.append(ListenerSet.Listener(
                    configuration: listener,
                    lineProtocol: .imap(store: store, authenticator: authenticator,
                                        configuration: imapConfiguration(for: listener))))
            }
        }
        return result
    }

    /// The SMTP policy of an smtp (MX) or submission listener; `inFlight`
    /// is shared by every SMTP listener.
    func smtpConfiguration(for listener: ListenerConfiguration,
                           inFlight: InFlightMessageBytes? = nil) -> SMTPConfiguration {
        let smtp = configuration.smtp
        return SMTPConfiguration(
            hostName: configuration.hostName,
            mode: listener.protocolName == .submission ? .submission : .mx,
            maxMessageSize: configuration.limits.maxMessageSize,
            maxRecipients: smtp.maxRecipients,
            maxErrors: smtp.maxErrors,
            requireTLSForAuth: !configuration.authentication.allowCleartext,
            offersSTARTTLS: listener.tls == .starttls,
            // Validated by the configuration loader.
            trustedNetworks: smtp.trustedNetworks.compactMap(IPNetwork.init),
            allowBareLineEndings: smtp.allowBareLineEndings,
            messageObserver: MetricsMessageObserver(protocolName: listener.protocolName.rawValue),
            maxUnauthenticatedMessageSize: configuration.limits.maxUnauthenticatedMessageSize,
            inFlight: inFlight,
            postmasterAccount: smtp.postmasterAccount)
    }

    /// The IMAP policy of an imap listener: STARTTLS on a cleartext listener,
    /// APPENDLIMIT (RFC 7889) from `limits.max_message_size`.
    func imapConfiguration(for listener: ListenerConfiguration) -> IMAPSessionConfiguration {
        let maxMessageSize = configuration.limits.maxMessageSize
        let defaults = IMAPParserLimits()
        return IMAPSessionConfiguration(
            hostName: configuration.hostName,
            offersSTARTTLS: listener.tls == .starttls,
            allowCleartextAuthentication: configuration.authentication.allowCleartext,
            parserLimits: IMAPParserLimits(
                maxLineLength: defaults.maxLineLength, maxLiteralSize: maxMessageSize,
                // One message may fill a whole command (APPEND); MULTIAPPEND may take more.
                maxCommandSize: max(defaults.maxCommandSize, maxMessageSize + defaults.maxLineLength),
                maxDepth: defaults.maxDepth))
    }

    private static func describe(_ mode: TLSMode) -> String {
        switch mode {
        case .implicit: return "implicit TLS"
        case .starttls: return "starttls"
        case .none: return "no TLS"
        }
    }
}
