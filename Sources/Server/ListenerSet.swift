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
    private let idleTimeout: TimeAmount
    private let registry: ConnectionRegistry
    private let group: any EventLoopGroup
    private let logger: Logger
    private let bound = LockedBox<[Bound]>([])

    init(listeners: [Listener], tls: TLSContextProvider?, limits: Limits, logger: Logger,
         group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.listeners = listeners
        self.tls = tls
        self.idleTimeout = .seconds(Int64(max(1, limits.idleTimeoutSeconds)))
        self.registry = ConnectionRegistry(maxConnections: limits.maxConnections,
                                           maxConnectionsPerAddress: limits.maxConnectionsPerAddress)
        self.group = group
        self.logger = logger
    }

    /// Open connections right now.
    var connectionCount: Int { registry.count }

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
            for listener in all {
                group.addTask { try await self.serve(listener) }
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
        let idleTimeout = self.idleTimeout(for: listener)
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
                try pipeline.addHandler(IdleStateHandler(readTimeout: idleTimeout))
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

    /// The configured idle timeout, raised to the protocol's minimum (IMAP's 30 minutes).
    func idleTimeout(for listener: Listener) -> TimeAmount {
        max(idleTimeout, .seconds(Int64(listener.lineProtocol.minimumIdleTimeoutSeconds)))
    }

    private func serve(_ bound: Bound) async throws {
        try await bound.channel.executeThenClose { inbound in
            try await withThrowingDiscardingTaskGroup { group in
                for try await connection in inbound {
                    group.addTask { await self.handle(connection, listener: bound.listener) }
                }
            }
        }
    }

    private func handle(_ channel: NIOAsyncChannel<ConnectionEvent, Never>, listener: Listener) async {
        let remote = channel.channel.remoteAddress?.ipAddress ?? "unknown"
        let idleTimeout = self.idleTimeout(for: listener)
        let localPort = channel.channel.localAddress?.port ?? listener.configuration.port
        var logger = self.logger
        logger[metadataKey: "remote"] = "\(remote)"
        logger[metadataKey: "protocol"] = "\(listener.lineProtocol.name)"
        let admission = registry.admit(channel.channel, address: remote)
        guard case let .admitted(token, connectionID) = admission else {
            logger.notice("connection refused", metadata: ["reason": "\(admission)"])
            let connection = Connection(
                channel: channel, lineProtocol: listener.lineProtocol, tls: nil, idleTimeout: idleTimeout,
                info: ConnectionInfo(id: "-", remoteAddress: remote, localPort: localPort, isTLS: false), logger: logger)
            await connection.refuse(with: admission == .shuttingDown ? [] : listener.lineProtocol.tooManyConnectionsReply)
            return
        }
        defer { registry.release(token: token, address: remote) }
        ServerMetrics.connectionOpened(protocolName: listener.lineProtocol.name)
        defer { ServerMetrics.connectionClosed(protocolName: listener.lineProtocol.name) }
        logger[metadataKey: "conn"] = "\(connectionID)"
        logger.info("connection opened", metadata: ["port": "\(localPort)"])
        let connection = Connection(
            channel: channel, lineProtocol: listener.lineProtocol,
            tls: listener.configuration.tls == .starttls ? tls : nil, idleTimeout: idleTimeout,
            info: ConnectionInfo(id: connectionID, remoteAddress: remote, localPort: localPort,
                                 isTLS: listener.configuration.tls == .implicit),
            logger: logger)
        await connection.run()
    }
}
