import Foundation
import Logging
import MailCore
import NIOCore
import NIOPosix

/// Answers the control protocol (see `ControlMessages.swift`) on a Unix
/// domain socket, mode 0600, so only the server's own user (and root) can
/// ask who is connected or kick them. A stale socket file left by a server
/// that died is replaced at start; one that still answers means another
/// `tern serve` uses the data directory, and start-up fails. The file is
/// removed at stop.
final class ControlServer: Sendable {
    typealias Responder = @Sendable (ControlRequest) async -> ControlResponse

    let path: String
    private let respond: Responder
    private let logger: Logger
    private let group: any EventLoopGroup
    private let channel = LockedBox<NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>?>(nil)

    /// Longest request line read.
    static let maxRequestLength = 64 * 1024
    /// A client that has not sent its request within this is disconnected.
    static let requestTimeout: TimeAmount = .seconds(30)

    init(path: String, logger: Logger, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
         respond: @escaping Responder) {
        self.path = path
        self.logger = logger
        self.group = group
        self.respond = respond
    }

    /// Creates the socket (replacing a stale one) with mode 0600.
    func bind() async throws {
        if FileManager.default.fileExists(atPath: path), await ControlClient.isAnswering(socketPath: path) {
            throw ServerError.controlSocketInUse(path: path)
        }
        let bound: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>
        do {
            bound = try await ServerBootstrap(group: group)
                .bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw ServerError.controlSocketFailed(path: path, reason: "\(error)")
        }
        // bind(2) created it as 0777 & ~umask; only the owner may talk to the server.
        guard chmod(path, 0o600) == 0 else {
            try? await bound.channel.close()
            throw ServerError.controlSocketFailed(path: path, reason: "chmod: \(String(cString: strerror(errno)))")
        }
        channel.withLock { $0 = bound }
    }

    /// Serves requests until `close()`; one child task per client.
    func serve() async {
        guard let bound = channel.withLock({ $0 }) else { return }
        do {
            try await bound.executeThenClose { clients in
                try await withThrowingDiscardingTaskGroup { group in
                    for try await client in clients {
                        group.addTask { await self.answer(client) }
                    }
                }
            }
        } catch {
            logger.debug("control socket closed", metadata: ["error": "\(error)"])
        }
    }

    /// Stops listening and removes the socket file.
    func close() {
        guard let bound = channel.withLock({ state -> NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>? in
            defer { state = nil }
            return state
        }) else { return }
        bound.channel.close(promise: nil)
        unlink(path)
    }

    /// Reads one request line, answers it with one line and closes.
    private func answer(_ client: NIOAsyncChannel<ByteBuffer, ByteBuffer>) async {
        let timer = client.channel.eventLoop.scheduleTask(in: Self.requestTimeout) { [client] in
            client.channel.close(promise: nil)
        }
        defer { timer.cancel() }
        try? await client.executeThenClose { inbound, outbound in
            var framer = LineFramer(maxLineLength: Self.maxRequestLength)
            for try await buffer in inbound {
                framer.append(buffer.readableBytesView)
                guard let frame = framer.nextFrame() else { continue }
                let response: ControlResponse
                switch frame {
                case .overlong:
                    response = .error("request longer than \(Self.maxRequestLength) octets")
                case .line(let line):
                    if let request = try? ControlCoding.decode(ControlRequest.self, from: line) {
                        logger.info("control request", metadata: ["request": "\(request)"])
                        response = await respond(request)
                    } else {
                        response = .error("not a control request: \(LoggableText.clean(String(decoding: line.prefix(200), as: UTF8.self)))")
                    }
                }
                try await outbound.write(ByteBuffer(bytes: try ControlCoding.line(response)))
                return
            }
        }
    }
}
