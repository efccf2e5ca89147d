import Logging
import MailCore
import NIOCore
import NIOPosix
import NIOSSL

/// All listeners of a server: binds them, accepts connections (a task group
/// per listener, a child task per connection), and shuts them down gracefully.
/// Knows nothing of the store: each listener brings its `LineProtocol`.
final class ListenerSet: Sendable {
    struct Listener: Sendable {
        var configuration: ListenerConfiguration
        var lineProtocol: LineProtocol
        /// Bound beforehand (`ListeningSockets`, as `tern serve` does before
        /// dropping privileges); nil: `bind()` binds the configured address.
        var socket: ListeningSocket? = nil
    }

    /// A listener with its bound socket.
    struct Bound: Sendable {
        var listener: Listener
        var channel: NIOAsyncChannel<NIOAsyncChannel<ConnectionEvent, Never>, Never>
        /// The port actually bound (differs from the configuration when it asked for 0).
        var port: Int
    }

    private let listeners: [Listener]
    private let tls: TLSContextProvider?
    private let registry: ConnectionRegistry
    private let group: any EventLoopGroup
    private let logger: Logger
    private let bound = LockedBox<[Bound]>([])
    /// The limits new connections get (`apply(limits:)` replaces them).
    private let limits: LockedBox<Limits>

    init(listeners: [Listener], tls: TLSContextProvider?, limits: Limits, logger: Logger,
         group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.listeners = listeners
        self.tls = tls
        self.limits = LockedBox(limits)
        self.registry = ConnectionRegistry(budgets: .init(limits: limits, listeners: listeners.map(\.configuration)))
        self.group = group
        self.logger = logger
    }

    /// Open connections right now.
    var connectionCount: Int { registry.count }

    /// Connection budgets and timeouts for the connections accepted from
    /// now on (at a configuration reload); open connections keep theirs.
    func apply(limits: Limits) {
        self.limits.withLock { $0 = limits }
        registry.apply(.init(limits: limits, listeners: listeners.map(\.configuration)))
    }

    /// The open connections, oldest first (`tern who`).
    func connections() -> [ConnectionSnapshot] { registry.snapshot() }

    /// Asks every connection logged in as `account` to close (with the
    /// protocol's goodbye), force-closing it after the shutdown grace;
    /// returns how many there were.
    func kick(account: String) -> Int {
        let channels = registry.channels(ofAccount: account)
        close(channels, reason: .kicked)
        return channels.count
    }

    /// Tells `channels` to close for `reason`, then force-closes those still open after the grace.
    private func close(_ channels: [any Channel], reason: CloseReason) {
        guard !channels.isEmpty else { return }
        let grace = TimeAmount.seconds(Int64(max(1, limits.withLock { $0.shutdownGraceSeconds })))
        for channel in channels {
            channel.pipeline.fireUserInboundEventTriggered(CloseRequestEvent(reason: reason))
            channel.eventLoop.scheduleTask(in: grace) { channel.close(promise: nil) }
        }
    }

    /// Binds every listener, or none: on the first failure the others are closed
    /// and `ServerError.bindFailed` names the address and port.
    @discardableResult
    func bind() async throws -> [Bound] {
        var done: [Bound] = []
        for listener in listeners {
            do {
                done.append(try await bind(listener))
            } catch {
                for bound in done { try? await bound.channel.channel.close() }
                let configuration = listener.configuration
                throw error as? ServerError ?? ServerError.bindFailed(
                    protocolName: configuration.protocolName.rawValue, address: configuration.address,
                    port: configuration.port, reason: SocketErrorText.describe(error, port: configuration.port))
            }
        }
        bound.withLock { $0 = done }
        return done
    }

    /// Accepts connections on every bound listener until `beginShutdown`,
    /// then returns once every connection has ended.
    func serve() async throws {
        let all = bound.withLock { $0 }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, listener) in all.enumerated() {
                group.addTask { try await self.serve(listener, index: index) }
            }
            try await group.waitForAll()
        }
    }

    /// Stops accepting, asks every connection to finish its current command
    /// and close, and force-closes whatever is still open after `grace`.
    func beginShutdown(grace: TimeAmount) {
        let servers = bound.withLock { $0.map(\.channel.channel) }
        for server in servers { server.close(promise: nil) }
        for channel in registry.beginShutdown() {
            channel.pipeline.fireUserInboundEventTriggered(ShutdownRequestEvent())
        }
        let registry = self.registry
        group.next().scheduleTask(in: grace) {
            for channel in registry.openChannels { channel.close(promise: nil) }
        }
    }

    private func bind(_ listener: Listener) async throws -> Bound {
        let configuration = listener.configuration
        if configuration.tls != .none, tls == nil {
            throw ServerError.noTLSContext(
                listener: "\(configuration.protocolName.rawValue) \(configuration.address):\(configuration.port)")
        }
        let implicitTLS = configuration.tls == .implicit ? tls : nil
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            // TCP level: `.socketOption(.tcp_nodelay)` is SOL_SOCKET option 1,
            // SO_DEBUG, which only root may set (EACCES for any other user).
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
        let initializer: @Sendable (any Channel) -> EventLoopFuture<NIOAsyncChannel<ConnectionEvent, Never>> = {
            channel in
            channel.eventLoop.makeCompletedFuture {
                let pipeline = channel.pipeline.syncOperations
                if let implicitTLS {
                    try pipeline.addHandler(NIOSSLServerHandler(context: implicitTLS.current))
                }
                try pipeline.addHandler(IdleStateHandler(readTimeout: self.timeouts(for: listener).checkInterval))
                try pipeline.addHandler(ConnectionEventHandler())
                return try NIOAsyncChannel<ConnectionEvent, Never>(wrappingChannelSynchronously: channel)
            }
        }
        let channel = if let descriptor = listener.socket?.take() {
            try await bootstrap.bind(descriptor, childChannelInitializer: initializer)
        } else {
            try await bootstrap.bind(host: configuration.address, port: configuration.port,
                                     childChannelInitializer: initializer)
        }
        let port = channel.channel.localAddress?.port ?? configuration.port
        return Bound(listener: listener, channel: channel, port: port)
    }

    /// The timeouts a new connection of `listener` gets now.
    func timeouts(for listener: Listener) -> ConnectionTimeouts {
        ConnectionTimeouts(limits: limits.withLock { $0 }, lineProtocol: listener.lineProtocol)
    }

    private func serve(_ bound: Bound, index: Int) async throws {
        try await bound.channel.executeThenClose { inbound in
            try await withThrowingDiscardingTaskGroup { group in
                for try await connection in inbound {
                    let executor = EventLoopTaskExecutor(connection.channel.eventLoop)
                    group.addTask(executorPreference: executor) {
                        await self.handle(connection, listener: bound.listener, index: index)
                    }
                }
            }
        }
    }

    private func handle(_ channel: NIOAsyncChannel<ConnectionEvent, Never>, listener: Listener, index: Int) async {
        let remote = channel.channel.remoteAddress?.ipAddress ?? "unknown"
        let timeouts = self.timeouts(for: listener)
        let localPort = channel.channel.localAddress?.port ?? listener.configuration.port
        var logger = self.logger
        logger[metadataKey: "remote"] = "\(remote)"
        logger[metadataKey: "protocol"] = "\(listener.lineProtocol.name)"
        let placement = ConnectionRegistry.Placement(protocolName: listener.configuration.protocolName,
                                                     listener: index, address: remote, localPort: localPort)
        let (admission, evicted) = registry.admit(channel.channel, at: placement)
        if !evicted.isEmpty {
            logger.notice("connection queue full: closing the longest-idle connections not logged in",
                          metadata: ["evicted": "\(evicted.count)"])
            close(evicted, reason: .evicted)
        }
        guard case let .admitted(token, connectionID) = admission else {
            logger.notice("connection refused", metadata: ["reason": "\(admission)"])
            let connection = Connection(
                channel: channel, lineProtocol: listener.lineProtocol, tls: nil, timeouts: timeouts,
                info: ConnectionInfo(id: "-", remoteAddress: remote, localPort: localPort, isTLS: false), logger: logger)
            await connection.refuse(with: admission == .refused(.shuttingDown) ? [] : listener.lineProtocol.tooManyConnectionsReply)
            return
        }
        defer { registry.release(token: token) }
        ServerMetrics.connectionOpened(protocolName: listener.lineProtocol.name)
        defer { ServerMetrics.connectionClosed(protocolName: listener.lineProtocol.name) }
        logger[metadataKey: "conn"] = "\(connectionID)"
        logger.info("connection opened", metadata: ["port": "\(localPort)"])
        let connection = Connection(
            channel: channel, lineProtocol: listener.lineProtocol,
            tls: listener.configuration.tls == .starttls ? tls : nil, timeouts: timeouts,
            info: ConnectionInfo(id: connectionID, remoteAddress: remote, localPort: localPort,
                                 isTLS: listener.configuration.tls == .implicit),
            logger: logger, registration: RegisteredConnection(registry: registry, token: token))
        await connection.run()
    }
}
