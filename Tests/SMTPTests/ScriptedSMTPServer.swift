// A tiny SMTP server on 127.0.0.1 (a free port) for the client tests: it
// plays a rule-based conversation (default replies that a rule may
// override), optionally offers STARTTLS or speaks implicit TLS with a
// self-signed certificate made by `openssl`, and records every command
// line (and whether it came over TLS) and every message body as received.
import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import XCTest

/// What the server sends for one command (or as its greeting).
enum ScriptedReply: Sendable {
    /// Reply lines joined by CRLF, CRLF added.
    case text(String)
    /// These octets as they are.
    case raw([UInt8])
    /// Nothing at all (the client must time out).
    case silence
    /// Closes the connection.
    case close
    /// A reply (CRLF added), then the connection is closed.
    case textThenClose(String)
    /// A reply (CRLF added) sent after a pause.
    case delayed(TimeAmount, String)
}

struct ScriptedBehaviour: Sendable {
    var greeting: ScriptedReply = .text("220 mx.test ESMTP ready")
    /// EHLO keywords after the first line.
    var extensions: [String] = ["PIPELINING", "SIZE 10485760", "8BITMIME", "SMTPUTF8", "DSN", "ENHANCEDSTATUSCODES"]
    /// Offers STARTTLS (before TLS only) with this context.
    var startTLS: NIOSSLContext?
    /// TLS from the first byte with this context.
    var implicitTLS: NIOSSLContext?
    /// Defers the reply to MAIL until the next command line is in (only a
    /// pipelining client, which sends MAIL and RCPT together, gets one).
    var requirePipelinedMail = false
    /// A rule for a command line (as received, without CRLF); nil = default reply.
    var rule: @Sendable (_ line: String) -> ScriptedReply? = { _ in nil }
    /// The reply after the final dot.
    var dataEnd: ScriptedReply = .text("250 2.0.0 queued as 42")
}

/// What the server received, over all its connections.
final class ScriptedRecording: @unchecked Sendable {
    struct Command: Sendable, Equatable {
        var line: String
        var overTLS: Bool
        /// In the input before the reply to the previous command was written.
        var pipelined: Bool
    }

    private let lock = NSLock()
    private var _commands: [Command] = []
    private var _messages: [[UInt8]] = []
    private var _connections = 0
    private var _open = 0
    private var _maxOpen = 0

    var commands: [Command] { lock.withLock { _commands } }
    var lines: [String] { commands.map(\.line) }
    /// The DATA octets as received (still dot-stuffed), without the final ".\r\n".
    var messages: [[UInt8]] { lock.withLock { _messages } }
    var connections: Int { lock.withLock { _connections } }
    var maxOpenConnections: Int { lock.withLock { _maxOpen } }

    func record(_ command: Command) { lock.withLock { _commands.append(command) } }
    func record(message: [UInt8]) { lock.withLock { _messages.append(message) } }
    func opened() {
        lock.withLock {
            _connections += 1
            _open += 1
            _maxOpen = max(_maxOpen, _open)
        }
    }
    func closed() { lock.withLock { _open -= 1 } }
}

final class ScriptedSMTPServer: Sendable {
    let port: Int
    let recording: ScriptedRecording
    private let channel: any Channel

    private init(port: Int, recording: ScriptedRecording, channel: any Channel) {
        self.port = port
        self.recording = recording
        self.channel = channel
    }

    static func start(_ behaviour: ScriptedBehaviour = ScriptedBehaviour(),
                      group: any EventLoopGroup) async throws -> ScriptedSMTPServer {
        let recording = ScriptedRecording()
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let context = behaviour.implicitTLS {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
                    }
                    try channel.pipeline.syncOperations.addHandler(
                        ScriptedSMTPHandler(behaviour: behaviour, recording: recording))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return ScriptedSMTPServer(port: channel.localAddress?.port ?? 0, recording: recording, channel: channel)
    }

    func stop() async {
        try? await channel.close()
    }

    /// A port on which nothing listens (bound, then closed).
    static func closedPort(group: any EventLoopGroup) async throws -> Int {
        let channel = try await ServerBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress?.port ?? 0
        try await channel.close()
        return port
    }
}

/// One connection's conversation.
private final class ScriptedSMTPHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let behaviour: ScriptedBehaviour
    private let recording: ScriptedRecording
    private var buffer: [UInt8] = []
    private var inData = false
    private var overTLS: Bool
    /// Octets of `buffer` that were there when the last reply was written.
    private var bufferedAtLastReply = 0
    private var closed = false

    init(behaviour: ScriptedBehaviour, recording: ScriptedRecording) {
        self.behaviour = behaviour
        self.recording = recording
        self.overTLS = behaviour.implicitTLS != nil
    }

    func channelActive(context: ChannelHandlerContext) {
        recording.opened()
        send(behaviour.greeting, context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        recording.closed()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        buffer += Array(unwrapInboundIn(data).readableBytesView)
        process(context: context)
    }

    private func process(context: ChannelHandlerContext) {
        while !closed {
            if inData {
                guard let end = dataEnd() else { return }
                recording.record(message: Array(buffer[..<end]))
                consume(end + 3)
                inData = false
                send(behaviour.dataEnd, context: context)
                continue
            }
            guard let lineFeed = buffer.firstIndex(of: 0x0A) else { return }
            let lineEnd = lineFeed > 0 && buffer[lineFeed - 1] == 0x0D ? lineFeed - 1 : lineFeed
            let line = String(decoding: buffer[..<lineEnd], as: UTF8.self)
            if behaviour.requirePipelinedMail, line.uppercased().hasPrefix("MAIL"),
               !buffer[(lineFeed + 1)...].contains(0x0A) {
                return  // wait for the RCPT that a pipelining client sends with MAIL
            }
            let pipelined = lineFeed < bufferedAtLastReply
            consume(lineFeed + 1)
            recording.record(ScriptedRecording.Command(line: line, overTLS: overTLS, pipelined: pipelined))
            answer(line, context: context)
        }
    }

    /// The index of the "\r\n.\r\n" that ends DATA (or ".\r\n" at the very start), + 2.
    private func dataEnd() -> Int? {
        if buffer.starts(with: [0x2E, 0x0D, 0x0A]) { return 0 }
        guard buffer.count >= 5 else { return nil }
        for index in 0...(buffer.count - 5)
        where buffer[index] == 0x0D && buffer[index + 1] == 0x0A && buffer[index + 2] == 0x2E
            && buffer[index + 3] == 0x0D && buffer[index + 4] == 0x0A {
            return index + 2
        }
        return nil
    }

    private func consume(_ count: Int) {
        buffer.removeFirst(count)
        bufferedAtLastReply = max(0, bufferedAtLastReply - count)
    }

    private func answer(_ line: String, context: ChannelHandlerContext) {
        if let reply = behaviour.rule(line) {
            if case .text(let text) = reply, text.hasPrefix("354"), line.uppercased() == "DATA" { inData = true }
            send(reply, context: context)
            return
        }
        let verb = line.split(separator: " ").first.map { $0.uppercased() } ?? ""
        switch verb {
        case "EHLO":
            var keywords = behaviour.extensions
            if behaviour.startTLS != nil && !overTLS { keywords.append("STARTTLS") }
            let lines = ["mx.test greets you"] + keywords
            let text = lines.enumerated().map { index, keyword in
                (index == lines.count - 1 ? "250 " : "250-") + keyword
            }.joined(separator: "\r\n")
            send(.text(text), context: context)
        case "HELO": send(.text("250 mx.test"), context: context)
        case "MAIL": send(.text("250 2.1.0 sender ok"), context: context)
        case "RCPT": send(.text("250 2.1.5 recipient ok"), context: context)
        case "DATA":
            inData = true
            send(.text("354 go ahead"), context: context)
        case "RSET", "NOOP": send(.text("250 2.0.0 ok"), context: context)
        case "AUTH": send(.text("235 2.7.0 authenticated"), context: context)
        case "QUIT":
            send(.text("221 2.0.0 bye"), context: context)
            closed = true
            context.close(promise: nil)
        case "STARTTLS":
            guard let tls = behaviour.startTLS, !overTLS else {
                send(.text("502 5.5.1 no STARTTLS here"), context: context)
                return
            }
            send(.text("220 2.0.0 ready to start TLS"), context: context)
            // RFC 3207 §4.2: whatever the client sent before the handshake is dropped.
            buffer.removeAll()
            bufferedAtLastReply = 0
            overTLS = true
            try? context.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls), position: .first)
        default:
            send(.text("500 5.5.1 unknown command"), context: context)
        }
    }

    private func send(_ reply: ScriptedReply, context: ChannelHandlerContext) {
        bufferedAtLastReply = buffer.count
        switch reply {
        case .text(let text):
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: text + "\r\n")), promise: nil)
        case .raw(let bytes):
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)), promise: nil)
        case .silence:
            break
        case .close:
            closed = true
            context.close(promise: nil)
        case .delayed(let pause, let text):
            let buffer = context.channel.allocator.buffer(string: text + "\r\n")
            let channel = context.channel
            context.eventLoop.scheduleTask(in: pause) { channel.writeAndFlush(buffer, promise: nil) }
        case .textThenClose(let text):
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: text + "\r\n")), promise: nil)
            closed = true
            context.close(promise: nil)
        }
    }
}

/// A self-signed certificate for "localhost" made with `openssl` once per test run.
enum TestCertificate {
    struct Material: @unchecked Sendable {
        var certificate: NIOSSLCertificate
        var key: NIOSSLPrivateKey
        var serverContext: NIOSSLContext
    }

    static func make() throws -> Material {
        try cached.get()
    }

    private static let cached: Result<Material, any Error> = Result {
        guard let openssl = ["/usr/bin/openssl", "/usr/local/bin/openssl"].first(where: {
            FileManager.default.isExecutableFile(atPath: $0)
        }) else {
            // Like the other tests that need a Debian tool: skipped on a developer's machine, an error in CI.
            if ProcessInfo.processInfo.environment["CI"] == "true" { throw CocoaError(.executableNotLoadable) }
            throw XCTSkip("openssl is not installed")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tern-smtp-client-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let keyPath = directory.appendingPathComponent("key.pem").path
        let certificatePath = directory.appendingPathComponent("cert.pem").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: openssl)
        process.arguments = ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                             "-keyout", keyPath, "-out", certificatePath, "-days", "2", "-subj", "/CN=localhost",
                             "-addext", "subjectAltName=DNS:localhost"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CocoaError(.fileWriteUnknown) }
        let certificate = try XCTUnwrap(NIOSSLCertificate.fromPEMFile(certificatePath).first)
        let key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
        let configuration = TLSConfiguration.makeServerConfiguration(certificateChain: [.certificate(certificate)],
                                                                     privateKey: .privateKey(key))
        return Material(certificate: certificate, key: key, serverContext: try NIOSSLContext(configuration: configuration))
    }
}
