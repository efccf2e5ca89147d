// One client connection on SwiftNIO: writes commands, reads whole replies
// through `SMTPReplyParser`, each under a deadline (RFC 5321 §4.5.3.2: a
// server that does not answer in time is given up on, the connection is
// closed), and upgrades to TLS in place (RFC 3207 STARTTLS, RFC 8314
// implicit TLS).

import Foundation
import NIOCore
import NIOSSL
// NIOTLS comes with NIOSSL (its TLSUserEvent tells when the handshake is done).
import NIOTLS

/// Why a conversation with one server ended before its result was known.
struct SMTPClientFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// The RFC 3463 status to report (class 4: these are never permanent).
    var status: String
    var diagnostic: String

    var description: String { diagnostic }

    static func timeout(_ what: String) -> SMTPClientFailure {
        SMTPClientFailure(status: "4.4.2", diagnostic: "timeout waiting for \(what)")
    }

    static func closed(_ what: String) -> SMTPClientFailure {
        SMTPClientFailure(status: "4.4.2", diagnostic: "connection closed by the server while waiting for \(what)")
    }

    static func malformed(_ error: SMTPReplyParseError, _ what: String) -> SMTPClientFailure {
        SMTPClientFailure(status: "4.5.0", diagnostic: "\(error) in \(what)")
    }
}

/// Set once by a deadline's timer, read by the task that waited.
private final class DeadlineFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var fired = false

    func fire() { lock.withLock { fired = true } }
    var hasFired: Bool { lock.withLock { fired } }
}

/// The byte side of one conversation. Used by one task only.
final class SMTPClientConnection {
    let channel: any Channel
    private var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private var parser = SMTPReplyParser()
    /// "TLSv1.3" once TLS is up, nil in cleartext.
    private(set) var tlsVersion: String?
    /// What the server announced in its last EHLO reply.
    var capabilities = EHLOCapabilities.none
    private var quitSent = false

    init(channel: any Channel, inbound: NIOAsyncChannelInboundStream<ByteBuffer>,
         outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>) {
        self.channel = channel
        self.inbound = inbound.makeAsyncIterator()
        self.outbound = outbound
    }

    /// Reads one whole reply; `what` names it in errors ("the greeting").
    func readReply(within timeout: TimeAmount, for what: String) async throws(SMTPClientFailure) -> SMTPReceivedReply {
        if let reply = try parsed(what) { return reply }
        return try await withDeadline(timeout, for: what) {
            while true {
                guard let buffer = try await inbound.next() else { throw SMTPClientFailure.closed(what) }
                parser.append(buffer.readableBytesView)
                if let reply = try parsed(what) { return reply }
            }
        }
    }

    /// Writes `text` (commands are ASCII or, with SMTPUTF8, UTF-8).
    func send(_ text: String, within timeout: TimeAmount, for what: String) async throws(SMTPClientFailure) {
        try await send(bytes: Array(text.utf8), within: timeout, for: what)
    }

    func send(bytes: [UInt8], within timeout: TimeAmount, for what: String) async throws(SMTPClientFailure) {
        let buffer = channel.allocator.buffer(bytes: bytes)
        try await withDeadline(timeout, for: what) {
            try await outbound.write(buffer)
        }
    }

    /// Puts a TLS client handler at the front of the pipeline and waits for
    /// the handshake. For STARTTLS the server must have sent nothing after
    /// its 220 (RFC 3207 §5: such bytes would be taken as protected).
    func startTLS(context: NIOSSLContext, serverHostname: String?,
                  within timeout: TimeAmount) async throws(SMTPClientFailure) {
        guard parser.bufferedByteCount == 0 else {
            throw SMTPClientFailure(status: "4.7.0", diagnostic: "the server sent data before the TLS handshake")
        }
        let channel = self.channel
        let handshake = channel.eventLoop.makePromise(of: Void.self)
        try await withDeadline(timeout, for: "the TLS handshake") {
            do {
                try await channel.eventLoop.submit {
                    let tls = try NIOSSLClientHandler(context: context, serverHostname: serverHostname)
                    try channel.pipeline.syncOperations.addHandler(tls, position: .first)
                    try channel.pipeline.syncOperations.addHandler(TLSHandshakeObserver(promise: handshake),
                                                                   position: .after(tls))
                }.get()
            } catch {
                handshake.fail(error)
            }
            do {
                try await handshake.futureResult.get()
            } catch {
                throw SMTPClientFailure(status: "4.7.5", diagnostic: "TLS handshake failed: \(SMTPClientErrorText.describe(error))")
            }
        }
        let version = try? await channel.nioSSL_tlsVersion().get()
        tlsVersion = version.flatMap { $0 }.map(SMTPClientConnection.describe) ?? "TLS"
    }

    /// Sends QUIT (once) and waits a little for its 221; errors do not matter any more.
    func quit(within timeout: TimeAmount) async {
        guard !quitSent else { return }
        quitSent = true
        do {
            try await send(SMTPClientCommands.quit, within: timeout, for: "QUIT")
            _ = try await readReply(within: timeout, for: "the reply to QUIT")
        } catch {}
    }

    private func parsed(_ what: String) throws(SMTPClientFailure) -> SMTPReceivedReply? {
        do {
            return try parser.next()
        } catch {
            throw SMTPClientFailure.malformed(error, what)
        }
    }

    /// Runs `body`; when `timeout` passes first, closes the channel (which
    /// ends any read or write in `body`) and throws a timeout failure.
    private func withDeadline<T>(_ timeout: TimeAmount, for what: String,
                                 _ body: () async throws -> T) async throws(SMTPClientFailure) -> T {
        let flag = DeadlineFlag()
        let channel = self.channel
        let timer = channel.eventLoop.scheduleTask(in: timeout) {
            flag.fire()
            channel.close(promise: nil)
        }
        defer { timer.cancel() }
        do {
            return try await body()
        } catch {
            if flag.hasFired { throw .timeout(what) }
            if let failure = error as? SMTPClientFailure { throw failure }
            throw SMTPClientFailure(status: "4.4.2", diagnostic: "connection error while waiting for \(what): \(SMTPClientErrorText.describe(error))")
        }
    }

    static func describe(_ version: TLSVersion) -> String {
        switch version {
        case .tlsv1: return "TLSv1"
        case .tlsv11: return "TLSv1.1"
        case .tlsv12: return "TLSv1.2"
        case .tlsv13: return "TLSv1.3"
        }
    }
}

/// Completes a promise when the TLS handshake succeeds or fails.
private final class TLSHandshakeObserver: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private var promise: EventLoopPromise<Void>?

    init(promise: EventLoopPromise<Void>) { self.promise = promise }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let tls = event as? TLSUserEvent, case .handshakeCompleted = tls {
            promise?.succeed()
            promise = nil
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise?.fail(error)
        promise = nil
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise?.fail(ChannelError.eof)
        promise = nil
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        promise?.fail(ChannelError.ioOnClosedChannel)
        promise = nil
    }
}
