import NIOCore
import NIOPosix
import NIOSSL
import XCTest

/// A line-oriented loopback client for the in-process server tests, with
/// optional TLS from the start or upgraded later (certificate checks off:
/// the server uses its self-signed certificate).
final class TestClient: @unchecked Sendable {
    private let channel: any Channel
    private var events: AsyncThrowingStream<ByteBuffer, any Error>.AsyncIterator
    private var pending: [UInt8] = []

    static func connect(port: Int, implicitTLS: Bool = false) async throws -> TestClient {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: ByteBuffer.self)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if implicitTLS {
                        try channel.pipeline.syncOperations.addHandler(try Self.tlsHandler())
                    }
                    try channel.pipeline.syncOperations.addHandler(Collector(continuation: continuation))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return TestClient(channel: channel, events: stream.makeAsyncIterator())
    }

    private init(channel: any Channel, events: AsyncThrowingStream<ByteBuffer, any Error>.AsyncIterator) {
        self.channel = channel
        self.events = events
    }

    /// Passes every inbound buffer to the test; ends the stream when the connection ends.
    private final class Collector: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let continuation: AsyncThrowingStream<ByteBuffer, any Error>.Continuation
        init(continuation: AsyncThrowingStream<ByteBuffer, any Error>.Continuation) { self.continuation = continuation }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) { continuation.yield(unwrapInboundIn(data)) }
        func channelInactive(context: ChannelHandlerContext) { continuation.finish() }
        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            continuation.finish(throwing: error)
            context.close(promise: nil)
        }
    }

    private static func tlsHandler() throws -> NIOSSLClientHandler {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .none
        return try NIOSSLClientHandler(context: NIOSSLContext(configuration: configuration), serverHostname: nil)
    }

    /// Sends the text as is (include the CRLFs), in one write.
    func send(_ text: String) async throws {
        try await channel.writeAndFlush(ByteBuffer(string: text))
    }

    func send(bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(ByteBuffer(bytes: bytes))
    }

    /// The next line without CRLF, or nil once the server closed.
    func readLine() async throws -> String? {
        while true {
            if let lf = pending.firstIndex(of: 0x0A) {
                var line = Array(pending[..<lf])
                pending.removeSubrange(...lf)
                if line.last == 0x0D { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            }
            guard let buffer = try await events.next() else { return nil }
            pending += buffer.readableBytesView
        }
    }

    /// Reads lines until the server closes; fails on a TLS or socket error only by returning what was read.
    func readUntilClosed() async -> [String] {
        var lines: [String] = []
        while let line = try? await readLine() { lines.append(line) }
        return lines
    }

    /// Starts the TLS handshake now (after the server's go-ahead).
    func startTLS() async throws {
        let channel = self.channel
        try await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.addHandler(try Self.tlsHandler(), position: .first)
        }.get()
    }

    func close() async {
        try? await channel.close()
    }
}

/// Fails instead of hanging when something never happens.
func withTimeout<T: Sendable>(_ seconds: Double = 20, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            throw CancellationError()
        }
        let result = try await group.next()!
        group.cancelAll()
        return result
    }
}
