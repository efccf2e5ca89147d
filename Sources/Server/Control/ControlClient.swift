import NIOCore
import NIOPosix

/// The client side of the control protocol (see `ControlMessages.swift`),
/// used by `tern who`, `tern kick` and `tern throttle`.
public enum ControlClient {
    public enum Failure: Error, CustomStringConvertible, Equatable {
        /// No server answers on the socket (no file, or a stale one).
        case notRunning(socketPath: String)
        /// The socket is there but this user may not use it (it is the server user's, mode 0600).
        case permissionDenied(socketPath: String)
        /// The server closed without an answer, or answered something unreadable.
        case badAnswer(String)

        public var description: String {
            switch self {
            case .notRunning(let path): "tern serve is not running (no control socket at \(path))"
            case .permissionDenied(let path):
                "permission denied on the control socket \(path): run this as the user tern serve runs as (or root)"
            case .badAnswer(let reason): "unexpected answer from tern serve: \(reason)"
            }
        }
    }

    /// Sends `request` to the server listening on `socketPath` and returns its answer.
    public static func send(_ request: ControlRequest, socketPath: String,
                            timeout: TimeAmount = .seconds(60)) async throws -> ControlResponse {
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.seconds(5))
                .connect(unixDomainSocketPath: socketPath) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch let error as IOError where error.errnoCode == EACCES {
            throw Failure.permissionDenied(socketPath: socketPath)
        } catch {
            throw Failure.notRunning(socketPath: socketPath)
        }
        let guardTimer = channel.channel.eventLoop.scheduleTask(in: timeout) { [channel] in
            channel.channel.close(promise: nil)
        }
        defer { guardTimer.cancel() }
        let line = try ControlCoding.line(request)
        return try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(bytes: line))
            var framer = LineFramer(maxLineLength: ControlCoding.maxLineLength)
            for try await buffer in inbound {
                framer.append(buffer.readableBytesView)
                switch framer.nextFrame() {
                case .line(let answer)?:
                    do {
                        return try ControlCoding.decode(ControlResponse.self, from: answer)
                    } catch {
                        throw Failure.badAnswer("\(error)")
                    }
                case .overlong?:
                    throw Failure.badAnswer("answer longer than \(ControlCoding.maxLineLength) octets")
                case nil:
                    continue
                }
            }
            throw Failure.badAnswer("the server closed the connection without answering")
        }
    }

    /// True when a server answers on `socketPath` (it accepts a connection).
    public static func isAnswering(socketPath: String) async -> Bool {
        do {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.seconds(2))
                .connect(unixDomainSocketPath: socketPath).get()
            try? await channel.close()
            return true
        } catch {
            return false
        }
    }
}
