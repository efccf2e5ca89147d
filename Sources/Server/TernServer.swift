import Accounts
import Foundation
import IMAP
import Logging
import MailCore
import MailStore
import NIOCore
import POP3
import SMTP

/// The Tern server process: binds every listener (mail and HTTP) first —
/// as root, before it becomes `[server] user` — then opens the store,
/// prepares it on first start, and serves until SIGTERM/SIGINT (or
/// `shutdown()`), then shuts down gracefully. SIGHUP reloads the
/// configuration file (`TernServer+Reload.swift`), SIGUSR1 reopens the log file.
public final class TernServer: Sendable {
    /// The file the configuration came from, read again on SIGHUP; nil:
    /// the configuration was given in code (SIGHUP then only re-reads the
    /// certificate files and reopens the log file).
    public let configurationPath: String?
    let logger: Logger
    let notifier: SystemdNotifier
    let state: LockedBox<RunState>

    struct RunState {
        /// The configuration in force (a reload changes what can change without a restart).
        var configuration: TernConfiguration
        var listeners: ListenerSet?
        var http: HTTPServer?
        var tls: TLSContextProvider?
        var store: (any MailStore)?
        var outbound: OutboundRunner?
        var wakeup: OutboundWakeup?
        var httpPorts: [Int] = []
        var shutdownRequested = false
        var boundPorts: [Int]?
        var portWaiters: [CheckedContinuation<[Int], Never>] = []
    }

    public init(configuration: TernConfiguration, configurationPath: String? = nil, logger: Logger,
                notifier: SystemdNotifier = SystemdNotifier()) {
        self.configurationPath = configurationPath
        self.logger = logger
        self.notifier = notifier
        self.state = LockedBox(RunState(configuration: configuration))
    }

    /// The configuration in force: the one given at start, changed by reloads.
    public var configuration: TernConfiguration { state.withLock { $0.configuration } }

    /// Serves until SIGTERM or SIGINT; returns after a graceful shutdown.
    /// Started as root with `[server] user`, it binds every listener, creates
    /// a missing data directory for that user, becomes that user, and only
    /// then opens the store, so every file it makes belongs to the user.
    /// `prepared` is that first part done beforehand (see `PrivilegedStart`).
    public func run(prepared: PrivilegedStart? = nil) async throws {
        let watcher = SignalWatcher()
        defer { watcher.cancel() }
        let start = try prepared ?? PrivilegedStart.perform(configuration, logger: logger)
        let configuration = self.configuration
        let store: any MailStore
        do {
            if let problem = DataDirectoryAccess.problem(directory: configuration.dataDirectory, for: .current) {
                throw ServerError.dataDirectory(problem)
            }
            store = try StoreFactory.open(configuration.store, dataDirectory: configuration.dataDirectory,
                                          logger: logger, options: StoreFactory.Options(removeOrphanFiles: true))
        } catch {
            start.sockets.closeUnused()
            throw error
        }
        try await run(store: store, sockets: start.sockets, signals: watcher.signals)
    }

    /// Begins a graceful shutdown, as SIGTERM does.
    public func shutdown() {
        let (listeners, http, grace) = state.withLock { state -> (ListenerSet?, HTTPServer?, Int) in
            state.shutdownRequested = true
            return (state.listeners, state.http, state.configuration.limits.shutdownGraceSeconds)
        }
        notifier.stopping()
        http?.close()
        listeners?.beginShutdown(grace: .seconds(Int64(max(0, grace))))
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

    /// The body of `run()`, with the store and signal stream given (tests
    /// pass their own); binds the listeners first.
    func run(store: any MailStore, signals: AsyncStream<ServerSignal>) async throws {
        let sockets: ListeningSockets
        do {
            sockets = try ListeningSockets.bind(configuration)
        } catch {
            releasePortWaiters()
            try? await store.close()
            throw error
        }
        try await run(store: store, sockets: sockets, signals: signals)
    }

    /// Serves on listeners bound beforehand. Nothing visible happens before
    /// every listener is bound: the first account and its password, the
    /// generated certificate and "listening" come after.
    private func run(store: any MailStore, sockets: ListeningSockets,
                     signals: AsyncStream<ServerSignal>) async throws {
        let wakeup = OutboundWakeup()
        let configuration = self.configuration
        do {
            let tls = try TLSContextProvider.forConfiguration(configuration, logger: logger)
            let authenticator = Authenticator(store: store, logger: logger,
                                              throttle: LoginThrottle(configuration: configuration.authentication.throttle),
                                              observer: MetricsAuthenticationObserver())
            let listeners = ListenerSet(
                listeners: makeListeners(store: store, wakeup: wakeup, sockets: sockets.mail, authenticator: authenticator),
                tls: tls, limits: configuration.limits, logger: logger)
            let bound = try await listeners.bind()
            // The admin control socket (`tern who`, `kick`, `throttle`): bound
            // before any first-start side effect, so a second server on the
            // same data directory stops here.
            let control = ControlServer(path: ControlCoding.socketPath(dataDirectory: configuration.dataDirectory),
                                        logger: logger) { [service = ControlService(listeners: listeners,
                                                                                    throttle: authenticator.throttle)] in
                await service.respond(to: $0)
            }
            do {
                try await control.bind()
            } catch {
                for listener in bound { try? await listener.channel.channel.close() }
                sockets.closeUnused()
                throw error
            }
            defer { control.close() }
            let controlTask = Task { await control.serve() }
            defer { controlTask.cancel() }
            ServerMetrics.bootstrap()
            let http = HTTPServer(
                listeners: configuration.http.listeners, tls: tls, maxConnections: configuration.limits.maxConnections,
                logger: logger, router: makeRouter(configuration, store: store))
            let httpPorts: [Int]
            do {
                httpPorts = try await http.bind(sockets: sockets.http).map(\.port)
            } catch {
                for listener in bound { try? await listener.channel.channel.close() }
                throw error
            }
            if let created = try await StoreSetup.prepare(store: store, configuration: configuration, logger: logger) {
                // Unbuffered, so it shows at once even when stdout is a file or pipe.
                let notice = "Created account \(created.address) with password \(created.password)"
                    + " — change it with `tern account passwd \(created.address)`\n"
                FileHandle.standardOutput.write(Data(notice.utf8))
            }
            for listener in bound {
                let configuration = listener.listener.configuration
                logger.notice("\(configuration.protocolName.rawValue) listening on \(configuration.address):\(listener.port) (\(Self.describe(configuration.tls)))")
            }
            let outbound = OutboundRunner()
            let alreadyStopping = state.withLock { state -> Bool in
                state.listeners = listeners
                state.http = http
                state.tls = tls
                state.store = store
                state.outbound = outbound
                state.wakeup = wakeup
                state.httpPorts = httpPorts
                state.boundPorts = bound.map(\.port)
                for waiter in state.portWaiters { waiter.resume(returning: bound.map(\.port)) }
                state.portWaiters = []
                return state.shutdownRequested
            }
            if alreadyStopping { shutdown() }
            let signalTask = Task {
                for await signal in signals {
                    switch signal {
                    case .reload:
                        await self.reload()
                    case .reopenLogs:
                        self.reopenLogFile()
                    case .terminate(let number):
                        self.logger.notice("signal \(number): shutting down")
                        self.shutdown()
                        return
                    }
                }
            }
            defer { signalTask.cancel() }
            let httpTask = Task { await http.serve() }
            defer { http.close() }
            outbound.restart(with: OutboundDelivery(configuration: configuration, store: store, logger: logger,
                                                    wakeup: wakeup))
            notifier.ready(status: "listening on \(bound.count) mail and \(httpPorts.count) HTTP ports")
            let backfill = Task(priority: .background) { [logger] in await FullTextBackfill.run(store: store, logger: logger) }
            do {
                try await listeners.serve()
            } catch {
                backfill.cancel()
                await backfill.value
                await outbound.stop()
                throw error
            }
            http.close()
            backfill.cancel()
            await backfill.value
            await outbound.stop()
            await httpTask.value
        } catch {
            sockets.closeUnused()
            releasePortWaiters()
            forgetRunningParts()
            try? await store.close()
            throw error
        }
        releasePortWaiters()
        forgetRunningParts()
        try await store.close()
        logger.notice("stopped")
    }

    /// Drops the references to the listeners (whose session factories refer
    /// to this server) once they are closed.
    private func forgetRunningParts() {
        state.withLock { state in
            state.listeners = nil
            state.http = nil
            state.outbound = nil
            state.store = nil
        }
    }

    /// The HTTP endpoints' documents and policy for `configuration`.
    func makeRouter(_ configuration: TernConfiguration, store: any MailStore) -> HTTPRouter {
        HTTPRouter(configuration: configuration, store: store, logger: logger) { [state] in
            state.withLock { $0.listeners != nil && !$0.shutdownRequested }
        }
    }

    private func releasePortWaiters() {
        let waiters = state.withLock { state -> [CheckedContinuation<[Int], Never>] in
            if state.boundPorts == nil { state.boundPorts = [] }
            defer { state.portWaiters = [] }
            return state.portWaiters
        }
        for waiter in waiters { waiter.resume(returning: []) }
    }

    /// One `ListenerSet.Listener` per configured listener, on the sockets
    /// bound for them (in the same order). Each session is made with the
    /// configuration in force when it starts, so a reload applies to new
    /// sessions while open ones keep theirs. `authenticator` (with its login
    /// throttle) is shared by every listener.
    private func makeListeners(store: any MailStore, wakeup: OutboundWakeup, sockets: [ListeningSocket],
                               authenticator: Authenticator) -> [ListenerSet.Listener] {
        let locks = MaildropLocks()
        // One for every IMAP listener: sessions on 143 and 993 share the views.
        let viewCache = MailboxViewCache()
        let inFlight = InFlightMessageBytes(limitPerAddress: configuration.limits.maxUnauthenticatedInFlightPerAddress)
        let outboundQueue = StoreOutboundQueue(store: store, wakeup: wakeup)
        var result: [ListenerSet.Listener] = []
        for (index, listener) in configuration.listeners.enumerated() {
            let lineProtocol: LineProtocol
            switch listener.protocolName {
            case .pop3:
                lineProtocol = .pop3(store: store, authenticator: authenticator, locks: locks,
                                     currentConfiguration: { self.pop3Configuration(for: listener) })
            case .smtp, .submission:
                lineProtocol = .smtp(store: store, authenticator: authenticator, outboundQueue: outboundQueue,
                                     currentConfiguration: { self.smtpConfiguration(for: listener, inFlight: inFlight) })
            case .imap:
                lineProtocol = .imap(store: store, authenticator: authenticator, viewCache: viewCache,
                                     currentConfiguration: { self.imapConfiguration(for: listener) })
            }
            result.append(ListenerSet.Listener(configuration: listener, lineProtocol: lineProtocol,
                                               socket: index < sockets.count ? sockets[index] : nil))
        }
        return result
    }

    /// The POP3 policy of a pop3 listener.
    func pop3Configuration(for listener: ListenerConfiguration) -> POP3Configuration {
        let configuration = self.configuration
        return POP3Configuration(
            hostName: configuration.hostName,
            deletePolicy: POP3DeletePolicy(configValue: configuration.pop3.onDelete) ?? .delete,
            allowCleartextAuthentication: configuration.authentication.allowCleartext,
            offersSTLS: listener.tls == .starttls)
    }

    /// The SMTP policy of an smtp (MX) or submission listener; `inFlight`
    /// is shared by every SMTP listener.
    func smtpConfiguration(for listener: ListenerConfiguration,
                           inFlight: InFlightMessageBytes? = nil) -> SMTPConfiguration {
        let configuration = self.configuration
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
        let configuration = self.configuration
        let maxMessageSize = configuration.limits.maxMessageSize
        let defaults = IMAPParserLimits()
        var imap = IMAPSessionConfiguration(
            hostName: configuration.hostName,
            offersSTARTTLS: listener.tls == .starttls,
            allowCleartextAuthentication: configuration.authentication.allowCleartext,
            parserLimits: IMAPParserLimits(
                maxLineLength: defaults.maxLineLength, maxLiteralSize: maxMessageSize,
                // One message may fill a whole command (APPEND); MULTIAPPEND may take more.
                maxCommandSize: max(defaults.maxCommandSize, maxMessageSize + defaults.maxLineLength),
                maxDepth: defaults.maxDepth))
        // IMAP ID (RFC 2971) names the version `tern version` prints.
        imap.serverVersion = TernVersion.string
        // COMPRESS=DEFLATE (RFC 4978): every connection can put the codec in.
        imap.offersCompression = true
        return imap
    }

    private static func describe(_ mode: TLSMode) -> String {
        switch mode {
        case .implicit: return "implicit TLS"
        case .starttls: return "starttls"
        case .none: return "no TLS"
        }
    }
}
