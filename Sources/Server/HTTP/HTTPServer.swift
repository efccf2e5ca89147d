import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// The HTTP and HTTPS listeners (SwiftNIO's HTTP/1.1 codec). One request per
/// connection (`Connection: close`); the head is bounded by the codec
/// (malformed or oversized heads get 400 from `HTTPServerProtocolErrorHandler`),
/// the body by `maxBodySize` (413). A listener that cannot bind stops the
/// start like a mail listener: health checks and autoconfig would be missing
/// without anyone noticing.
final class HTTPServer: Sendable {
    typealias Connection = NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>

    struct Bound: Sendable {
        var listener: HTTPListenerConfiguration
        var channel: NIOAsyncChannel<Connection, Never>
        var port: Int
    }

    static let maxBodySize = 64 * 1024
    static let idleTimeout = TimeAmount.seconds(30)

    private let listeners: [HTTPListenerConfiguration]
    private let router: LockedBox<HTTPRouter>
    private let tls: TLSContextProvider?
    private let maxConnections: Int
    private let group: any EventLoopGroup
    private let logger: Logger
    private let bound = LockedBox<[Bound]>([])
    private let open = LockedBox<[ObjectIdentifier: any Channel]>([:])
    private let closed = LockedBox(false)

    init(listeners: [HTTPListenerConfiguration], tls: TLSContextProvider?, maxConnections: Int, logger: Logger,
         group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, router: HTTPRouter) {
        self.listeners = listeners
        self.router = LockedBox(router)
        self.tls = tls
        self.maxConnections = maxConnections
        self.group = group
        self.logger = logger
    }

    /// Binds every listener, or none: on the first failure the others are
    /// closed and `ServerError.bindFailed` names the address and port.
    /// `sockets`, when given, are the listeners bound beforehand, in order.
    @discardableResult
    func bind(sockets: [ListeningSocket]? = nil) async throws -> [Bound] {
        var done: [Bound] = []
        for (index, listener) in listeners.enumerated() {
            do {
                done.append(try await bind(listener, socket: sockets?[index]))
            } catch {
                for bound in done { try? await bound.channel.channel.close() }
                throw error as? ServerError ?? ServerError.bindFailed(
                    protocolName: listener.tls ? "https" : "http", address: listener.address, port: listener.port,
                    reason: SocketErrorText.describe(error, port: listener.port))
            }
        }
        bound.withLock { $0 = done }
        return done
    }

    /// New requests are answered by `router` (a configuration reload).
    func replaceRouter(_ router: HTTPRouter) {
        self.router.withLock { $0 = router }
    }

    /// Serves until `close()`.
    func serve() async {
        let all = bound.withLock { $0 }
        await withDiscardingTaskGroup { group in
            for listener in all {
                group.addTask { await self.serve(listener) }
            }
        }
    }

    /// Stops accepting and closes the open connections.
    func close() {
        closed.withLock { $0 = true }
        for server in bound.withLock({ $0.map(\.channel.channel) }) { server.close(promise: nil) }
        for channel in open.withLock({ Array($0.values) }) { channel.close(promise: nil) }
    }

    private func bind(_ listener: HTTPListenerConfiguration, socket: ListeningSocket?) async throws -> Bound {
        let context = listener.tls ? tls?.current : nil
        if listener.tls, context == nil {
            throw ServerError.noTLSContext(listener: "https \(listener.address):\(listener.port)")
        }
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
        let initializer: @Sendable (any Channel) -> EventLoopFuture<Connection> = { [tls] channel in
            channel.eventLoop.makeCompletedFuture {
                let pipeline = channel.pipeline.syncOperations
                if listener.tls, let tls {
                    // The current context, so a SIGHUP reload applies to new connections.
                    try pipeline.addHandler(NIOSSLServerHandler(context: tls.current))
                }
                try pipeline.addHandler(IdleStateHandler(readTimeout: Self.idleTimeout))
                try pipeline.addHandler(CloseOnIdleHandler())
                try pipeline.configureHTTPServerPipeline(withErrorHandling: true)
                return try Connection(wrappingChannelSynchronously: channel)
            }
        }
        let channel = if let descriptor = socket?.take() {
            try await bootstrap.bind(descriptor, childChannelInitializer: initializer)
        } else {
            try await bootstrap.bind(host: listener.address, port: listener.port, childChannelInitializer: initializer)
        }
        let port = channel.channel.localAddress?.port ?? listener.port
        logger.notice("\(listener.tls ? "https" : "http") listening on \(listener.address):\(port)")
        return Bound(listener: listener, channel: channel, port: port)
    }

    private func serve(_ bound: Bound) async {
        do {
            try await bound.channel.executeThenClose { inbound in
                try await withThrowingDiscardingTaskGroup { group in
                    for try await connection in inbound {
                        group.addTask { await self.handle(connection) }
                    }
                }
            }
        } catch {
            logger.debug("http listener ended", metadata: ["error": "\(error)"])
        }
    }

    private func handle(_ connection: Connection) async {
        let channel = connection.channel
        let key = ObjectIdentifier(channel)
        let admitted = open.withLock { open -> Bool in
            guard open.count < maxConnections else { return false }
            open[key] = channel
            return true
        }
        defer { open.withLock { _ = $0.removeValue(forKey: key) } }
        if closed.withLock({ $0 }) { channel.close(promise: nil) }
        ServerMetrics.connectionOpened(protocolName: "http")
        defer { ServerMetrics.connectionClosed(protocolName: "http") }
        let remote = channel.remoteAddress?.ipAddress
        do {
            try await connection.executeThenClose { inbound, outbound in
                guard admitted else {
                    try await Self.write(.plain(.serviceUnavailable), head: nil, to: outbound)
                    return
                }
                var head: HTTPRequestHead?
                var body: [UInt8] = []
                for try await part in inbound {
                    switch part {
                    case .head(let requestHead):
                        head = requestHead
                        let declared = requestHead.headers.first(name: "content-length").flatMap { Int($0) } ?? 0
                        if declared > Self.maxBodySize {
                            try await Self.write(.plain(.payloadTooLarge), head: requestHead, to: outbound)
                            return
                        }
                    case .body(let chunk):
                        guard body.count + chunk.readableBytes <= Self.maxBodySize else {
                            try await Self.write(.plain(.payloadTooLarge), head: head, to: outbound)
                            return
                        }
                        body += chunk.readableBytesView
                    case .end:
                        guard let head else { return }
                        let response: HTTPResponse
                        if let request = HTTPRequest(method: head.method, uri: head.uri, headers: head.headers,
                                                     body: body, remoteAddress: remote) {
                            let router = self.router.withLock { $0 }
                            response = await router.respond(to: request)
                        } else {
                            response = .plain(.badRequest)
                        }
                        logger.info("http request", metadata: [
                            "remote": "\(remote ?? "unknown")", "method": "\(head.method.rawValue)",
                            "status": "\(response.status.code)",
                        ])
                        try await Self.write(response, head: head, to: outbound)
                        return
                    }
                }
            }
        } catch {
            logger.debug("http connection ended", metadata: ["error": "\(error)"])
        }
    }

    private static func write(_ response: HTTPResponse, head: HTTPRequestHead?,
                              to outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>) async throws {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: response.contentType)
        headers.add(name: "Content-Length", value: "\(response.body.count)")
        headers.add(name: "Connection", value: "close")
        headers.add(name: "X-Content-Type-Options", value: "nosniff")
        headers.add(name: "Cache-Control", value: "no-store")
        for (name, value) in response.extraHeaders { headers.add(name: name, value: value) }
        let version = head?.version ?? .http1_1
        try await outbound.write(.head(HTTPResponseHead(version: version, status: response.status, headers: headers)))
        if head?.method != .HEAD, !response.body.isEmpty {
            try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: response.body))))
        }
        try await outbound.write(.end(nil))
    }
}

/// Closes a connection that sent nothing for `HTTPServer.idleTimeout`.
private final class CloseOnIdleHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = NIOAny

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }
}
