import Logging
import MailCore
import MailStore
import NIOCore
import NIOSSL

/// One client connection: frames lines (or passes raw bytes), runs them
/// through the protocol session, writes the replies, and carries out
/// STARTTLS, the idle and login timeouts, eviction, kicks and shutdown.
/// Tells the registry when it works, waits and logs in. Runs as one child
/// task of its listener.
struct Connection {
    /// Where the connection loop is with respect to TLS.
    private enum TLSState {
        /// Reading lines (cleartext, implicit TLS, or after a completed upgrade).
        case ready
        /// STARTTLS accepted: every byte is discarded until the `.tlsStarted` marker.
        case awaitingMarker
        /// The TLS handler is in place; waiting for the handshake to finish.
        case handshaking
    }

    let channel: NIOAsyncChannel<ConnectionEvent, Never>
    let lineProtocol: LineProtocol
    let tls: TLSContextProvider?
    let timeouts: ConnectionTimeouts
    var info: ConnectionInfo
    let logger: Logger
    /// Nil for a connection refused before its session starts.
    var registration: RegisteredConnection? = nil

    /// The session of this connection with its input path.
    private enum ActiveSession {
        case lines(any LineSession)
        case bytes(any ByteSession)

        func greeting() async -> SessionOutput {
            switch self {
            case .lines(let session): await session.greeting()
            case .bytes(let session): await session.greeting()
            }
        }

        func tlsStarted(_ info: ConnectionInfo) async {
            switch self {
            case .lines(let session): await session.tlsStarted(info)
            case .bytes(let session): await session.tlsStarted(info)
            }
        }

        func connectionClosed() async {
            switch self {
            case .lines(let session): await session.connectionClosed()
            case .bytes(let session): await session.connectionClosed()
            }
        }

        var authenticatedAccountName: String? {
            switch self {
            case .lines(let session): session.authenticatedAccountName
            case .bytes(let session): session.authenticatedAccountName
            }
        }
    }

    /// Serves the connection until it ends; always ends the session and closes the channel.
    func run() async {
        var info = self.info
        // The per-user-and-address login limit, decided by the registry.
        if let registration { info.admitLogin = { account in registration.admitLogin(account) } }
        do {
            try await channel.executeThenClose { inbound in
                let session: ActiveSession
                var framer: LineFramer?
                var watching = Watching(changeNotifications: nil, pipeline: channel.channel.pipeline)
                switch lineProtocol.sessions {
                case .lines(let maxLineLength, let make):
                    session = .lines(make(info, logger))
                    framer = LineFramer(maxLineLength: maxLineLength)
                case .bytes(let make):
                    session = .bytes(make(info, logger))
                case .streamingBytes(let make, let changeNotifications):
                    let channel = self.channel.channel
                    session = .bytes(make(info, logger) { bytes in
                        guard !bytes.isEmpty else { return }
                        try await channel.writeAndFlush(ByteBuffer(bytes: bytes))
                    })
                    watching.changeNotifications = changeNotifications
                }
                do {
                    try await serve(session: session, framer: &framer, inbound: inbound, info: &info,
                                    watching: &watching)
                } catch {
                    logger.debug("connection error", metadata: ["error": "\(error)"])
                }
                watching.stop()
                await session.connectionClosed()
            }
        } catch {
            logger.debug("error closing connection", metadata: ["error": "\(error)"])
        }
        logger.info("connection closed")
    }

    /// Sends `bytes` and closes, for connections refused before a session starts.
    func refuse(with bytes: [UInt8]) async {
        try? await channel.executeThenClose { _ in
            try await send(bytes)
        }
    }

    /// `framer` is nil for a byte session.
    private func serve(session: ActiveSession, framer: inout LineFramer?,
                       inbound: NIOAsyncChannelInboundStream<ConnectionEvent>, info: inout ConnectionInfo,
                       watching: inout Watching) async throws {
        var state = TLSState.ready
        var lastActivity = NIODeadline.now()
        var events = inbound.makeAsyncIterator()
        var account: String?
        /// Whether the registry must hear that the connection waits again.
        var worked = false

        guard try await perform(await session.greeting(), info: info, state: &state, framer: &framer) else { return }
        if case .bytes(let byteSession) = session { watching.follow(byteSession.watchedMailbox) }
        let loginDeadline = timeouts.login.map { timeout in
            let pipeline = channel.channel.pipeline
            return channel.channel.eventLoop.scheduleTask(in: timeout) {
                pipeline.fireUserInboundEventTriggered(LoginDeadlineEvent())
            }
        }
        defer { loginDeadline?.cancel() }
        var idleRecheck: Scheduled<Void>?
        defer { idleRecheck?.cancel() }
        while true {
            // Run every complete line before reading more (RFC 2449, RFC 2920 PIPELINING).
            while state == .ready, case .lines(let lineSession) = session, let frame = framer?.nextFrame() {
                let output: SessionOutput
                switch frame {
                case .line(let line): output = await lineSession.handle(line: line)
                case .overlong: output = await lineSession.handleOverlongLine()
                }
                lastActivity = .now()
                guard try await perform(output, info: info, state: &state, framer: &framer) else { return }
            }
            // A login (or logout) moves the connection between the registry's pools and changes its timeouts.
            let current = session.authenticatedAccountName
            if current != account {
                account = current
                registration?.loggedIn(as: current)
                if current != nil { loginDeadline?.cancel() }
            }
            if worked {
                registration?.waiting()
                worked = false
            }
            guard let event = try await events.next() else { return }  // the client closed
            switch event {
            case .bytes(let buffer):
                lastActivity = .now()
                registration?.working()
                worked = true
                guard state == .ready else {
                    // Sent before the TLS handshake: never a command (RFC 2595 §4, RFC 3207 §4.2).
                    logger.debug("discarded bytes sent before the TLS handshake",
                                 metadata: ["bytes": "\(buffer.readableBytes)"])
                    continue
                }
                switch session {
                case .lines:
                    framer?.append(buffer.readableBytesView)
                case .bytes(let byteSession):
                    let output = await byteSession.receive(Array(buffer.readableBytesView))
                    lastActivity = .now()
                    // SELECT, CLOSE, LOGOUT… change what the session watches: subscribe
                    // before the reply goes out, so no change after the client saw it is missed.
                    watching.follow(byteSession.watchedMailbox)
                    guard try await perform(output, info: info, state: &state, framer: &framer) else { return }
                }
            case .tlsStarted:
                state = .handshaking
            case .tlsHandshakeCompleted(let description):
                info.isTLS = true
                info.tlsDescription = description
                registration?.tlsStarted()
                if state == .handshaking {
                    state = .ready
                    await session.tlsStarted(info)
                    logger.info("TLS started", metadata: ["tls": "\(description ?? "unknown")"])
                } else {
                    logger.debug("TLS handshake completed", metadata: ["tls": "\(description ?? "unknown")"])
                    if case .bytes(let byteSession) = session { await byteSession.implicitTLSCompleted(info) }
                }
            case .idle:
                // The read-idle timer counts from the last read; a long command does not count as idle.
                let remaining = timeouts.idle(loggedIn: account != nil) - (NIODeadline.now() - lastActivity)
                guard remaining <= .zero else {
                    // Look again exactly when it runs out, not a whole timer period later.
                    idleRecheck?.cancel()
                    let pipeline = channel.channel.pipeline
                    idleRecheck = channel.channel.eventLoop.scheduleTask(in: remaining) {
                        pipeline.fireUserInboundEventTriggered(IdleStateHandler.IdleStateEvent.read)
                    }
                    continue
                }
                logger.info(account == nil && lineProtocol.expectsLogin ? "idle timeout before login" : "idle timeout")
                if let reply = lineProtocol.reply(for: .idleTimeout), state == .ready { try? await send(reply) }
                return
            case .loginDeadline:
                guard account == nil else { continue }
                logger.info("login timeout")
                if let reply = lineProtocol.reply(for: .loginTimeout), state == .ready { try? await send(reply) }
                return
            case .closeRequested(let reason):
                logger.info("closing", metadata: ["reason": "\(reason)"])
                if let reply = lineProtocol.reply(for: reason), state == .ready { try? await send(reply) }
                return
            case .shutdown:
                logger.debug("closing for shutdown")
                var reply = lineProtocol.shutdownReply
                if case .bytes(let byteSession) = session, let notice = byteSession.shutdownNotice() { reply = notice }
                if let reply, state == .ready { try? await send(reply) }
                return
            case .mailboxChanged:
                watching.eventHandled()
                // Only a wake-up: the session reads what changed (and sends it now only in IDLE).
                guard state == .ready, case .bytes(let byteSession) = session else { continue }
                let output = await byteSession.mailboxChanged()
                watching.follow(byteSession.watchedMailbox)
                guard try await perform(output, info: info, state: &state, framer: &framer) else { return }
            }
        }
    }

    /// Sends the pieces of a streamed output (POP3 RETR) as they come; a
    /// piece that cannot be read ends the connection (false): the response
    /// has begun and cannot be taken back.
    private func sendStream(_ output: SessionOutput) async throws -> Bool {
        guard let stream = output.stream else { return true }
        while true {
            let piece: [UInt8]?
            do {
                piece = try await stream()
            } catch {
                logger.error("cannot read the rest of a streamed response, closing", metadata: ["error": "\(error)"])
                return false
            }
            guard let piece else { return true }
            try await send(piece)
        }
    }

    /// Sends the output and carries out its action; false when the connection must end.
    private func perform(_ output: SessionOutput, info: ConnectionInfo, state: inout TLSState,
                         framer: inout LineFramer?) async throws -> Bool {
        switch output.action {
        case .none:
            try await send(output.bytes)
            return try await sendStream(output)
        case .close:
            try await send(output.bytes)
            _ = try await sendStream(output)
            return false
        case .startTLS:
            guard let tls, state == .ready, !info.isTLS else {
                logger.error("session asked for STARTTLS but TLS is not available or already on")
                try await send(output.bytes)
                return false
            }
            framer?.reset()
            state = .awaitingMarker
            let context = tls.current
            let reply = ByteBuffer(bytes: output.bytes)
            let channel = self.channel.channel
            // Reply, TLS handler and marker in one event-loop tick (see
            // `ConnectionEventHandler.startTLS`); then wait for the reply to be written.
            try await channel.eventLoop.flatSubmit {
                do {
                    return try channel.pipeline.syncOperations.handler(type: ConnectionEventHandler.self)
                        .startTLS(context: context, reply: reply)
                } catch {
                    return channel.eventLoop.makeFailedFuture(error)
                }
            }.get()
            return true
        case .startCompression:
            let reply = ByteBuffer(bytes: output.bytes)
            let channel = self.channel.channel
            // Reply and codec in one event-loop tick (see
            // `ConnectionEventHandler.startCompression`).
            try await channel.eventLoop.flatSubmit {
                do {
                    return try channel.pipeline.syncOperations.handler(type: ConnectionEventHandler.self)
                        .startCompression(reply: reply)
                } catch {
                    return channel.eventLoop.makeFailedFuture(error)
                }
            }.get()
            logger.info("DEFLATE compression started")
            return true
        }
    }

    /// The mailbox watcher of a streaming byte session (IMAP): follows the
    /// session's `watchedMailbox`, restarting when it changes.
    struct Watching {
        var changeNotifications: (@Sendable (MailboxID) -> AsyncStream<Void>)?
        let pipeline: ChannelPipeline
        private(set) var watcher: MailboxWatcher?

        init(changeNotifications: (@Sendable (MailboxID) -> AsyncStream<Void>)?, pipeline: ChannelPipeline) {
            self.changeNotifications = changeNotifications
            self.pipeline = pipeline
        }

        /// Watches `mailbox` (nil: nothing) from now on.
        mutating func follow(_ mailbox: MailboxID?) {
            guard let changeNotifications, watcher?.mailboxID != mailbox else { return }
            watcher?.cancel()
            watcher = nil
            guard let mailbox else { return }
            // Subscribed here, before the session reads its next command.
            watcher = MailboxWatcher(mailboxID: mailbox, notifications: changeNotifications(mailbox), pipeline: pipeline)
        }

        func eventHandled() { watcher?.eventHandled() }

        mutating func stop() {
            watcher?.cancel()
            watcher = nil
        }
    }

    private func send(_ bytes: [UInt8]) async throws {
        guard !bytes.isEmpty else { return }
        try await channel.channel.writeAndFlush(ByteBuffer(bytes: bytes))
    }
}
