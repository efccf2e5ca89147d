import NIOCore
import NIOSSL
import NIOTLS

/// What the connection loop reads from its channel: bytes, and markers
/// that must be seen in order with those bytes.
enum ConnectionEvent: Sendable {
    case bytes(ByteBuffer)
    /// The TLS handler was inserted after STARTTLS; every byte before this
    /// marker was sent in cleartext before the handshake and is discarded.
    case tlsStarted
    /// The TLS handshake finished; the description is like "TLSv1.3".
    case tlsHandshakeCompleted(description: String?)
    /// Nothing was read for the idle timeout.
    case idle
    /// The server is shutting down: finish and close.
    case shutdown
    /// The mailbox the session watches changed (IMAP IDLE, RFC 2177).
    case mailboxChanged
    /// The login timeout ran out (the connection checks whether it logged in).
    case loginDeadline
    /// The server wants the connection closed (evicted, kicked).
    case closeRequested(CloseReason)
}

/// A user event fired into every connection's pipeline on shutdown.
struct ShutdownRequestEvent: Sendable {}

/// A user event fired into a connection's pipeline when its login timeout runs out.
struct LoginDeadlineEvent: Sendable {}

/// A user event fired into a connection's pipeline to close it politely.
struct CloseRequestEvent: Sendable {
    var reason: CloseReason
}

/// A user event fired into a connection's pipeline by its `MailboxWatcher`.
struct MailboxChangedEvent: Sendable {}

/// Turns the channel's inbound bytes and events into `ConnectionEvent`s
/// for the `NIOAsyncChannel` behind it. Sits after the TLS handler (when
/// there is one) and the idle-state handler.
final class ConnectionEventHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ConnectionEvent

    private var context: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireChannelRead(wrapInboundOut(.bytes(unwrapInboundIn(data))))
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case let tls as TLSUserEvent:
            if case .handshakeCompleted = tls {
                emit(.tlsHandshakeCompleted(description: Self.tlsDescription(context: context)), context: context)
            }
            context.fireUserInboundEventTriggered(event)
        case let idle as IdleStateHandler.IdleStateEvent where idle == .read:
            emit(.idle, context: context)
        case is ShutdownRequestEvent:
            emit(.shutdown, context: context)
        case is MailboxChangedEvent:
            emit(.mailboxChanged, context: context)
        case is LoginDeadlineEvent:
            emit(.loginDeadline, context: context)
        case let close as CloseRequestEvent:
            emit(.closeRequested(close.reason), context: context)
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    /// Sends the STARTTLS go-ahead `reply`, inserts the TLS handler at the
    /// front of the pipeline and sends the `.tlsStarted` marker after every
    /// byte read so far, all in one event-loop tick: the reply leaves in
    /// cleartext, and the client's handshake (sent on seeing the reply) can
    /// only reach the TLS handler. Must run on the channel's event loop.
    /// The future completes when the reply was written.
    func startTLS(context sslContext: NIOSSLContext, reply: ByteBuffer) throws -> EventLoopFuture<Void> {
        guard let context else { throw ChannelError.ioOnClosedChannel }
        let written = context.writeAndFlush(NIOAny(reply))
        do {
            try context.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: sslContext), position: .first)
        } catch {
            context.close(promise: nil)
            return context.eventLoop.makeFailedFuture(error)
        }
        emit(.tlsStarted, context: context)
        return written
    }

    /// Sends the COMPRESS go-ahead `reply` uncompressed, then puts the
    /// DEFLATE codec right behind the TLS handler (or at the front), in
    /// one event-loop tick: every byte the client sends after seeing the
    /// reply reaches the inflater (RFC 4978 §3). Must run on the channel's
    /// event loop. The future completes when the reply was written.
    func startCompression(reply: ByteBuffer) throws -> EventLoopFuture<Void> {
        guard let context else { throw ChannelError.ioOnClosedChannel }
        let written = context.writeAndFlush(NIOAny(reply))
        do {
            let codec = try DeflateCodecHandler()
            let operations = context.pipeline.syncOperations
            if let tls = try? operations.handler(type: NIOSSLServerHandler.self) {
                try operations.addHandler(codec, position: .after(tls))
            } else {
                try operations.addHandler(codec, position: .first)
            }
        } catch {
            context.close(promise: nil)
            return context.eventLoop.makeFailedFuture(error)
        }
        return written
    }

    private func emit(_ event: ConnectionEvent, context: ChannelHandlerContext) {
        context.fireChannelRead(wrapInboundOut(event))
        // NIOAsyncChannel delivers reads on read-complete.
        context.fireChannelReadComplete()
    }

    private static func tlsDescription(context: ChannelHandlerContext) -> String? {
        guard let handler = try? context.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self),
              let version = handler.tlsVersion else { return nil }
        switch version {
        case .tlsv1: return "TLSv1"
        case .tlsv11: return "TLSv1.1"
        case .tlsv12: return "TLSv1.2"
        case .tlsv13: return "TLSv1.3"
        }
    }
}
