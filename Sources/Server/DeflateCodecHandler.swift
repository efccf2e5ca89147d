import CompressNIO
import NIOCore

/// COMPRESS=DEFLATE (RFC 4978) on one connection: raw DEFLATE (RFC 1951,
/// no zlib or gzip wrapper) in both directions, zlib doing the work
/// (through compress-nio). Sits right behind the TLS handler, so TLS
/// carries compressed bytes (RFC 4978 §3).
///
/// Outbound, every write is deflated with a sync flush (RFC 4978 §4:
/// the client can inflate each response as soon as it arrives).
/// Inbound, the client's partial flushes are inflated as they come; what
/// one read inflates to is passed on in chunks of at most
/// `inflatedChunkSize`, and at most `inflatedPerRead` bytes per read
/// request: the rest waits until the channel asks for more, so a small
/// compressed input that inflates to gigabytes (a decompression bomb)
/// never sits in memory at once. Garbage is an error that closes the
/// connection.
///
/// Memory: the deflater keeps an 8 KiB window (windowBits 13, memLevel 6,
/// about 64 KiB of zlib state); the inflater needs the client's window,
/// up to 32 KiB.
final class DeflateCodecHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    static let inflatedChunkSize = 64 * 1024
    static let inflatedPerRead = 256 * 1024

    private let inflater: ZlibDecompressor
    private let deflater: ZlibCompressor
    /// Compressed input not inflated yet.
    private var compressed = ByteBuffer()
    /// The inflater may hold more output than it has given (its last
    /// output chunk was full).
    private var inflaterHasOutput = false
    /// The client's stream is corrupt: nothing more is read.
    private var failed = false

    init() throws {
        inflater = try ZlibDecompressor(algorithm: .deflate, windowSize: 15)
        deflater = try ZlibCompressor(algorithm: .deflate,
                                      configuration: ZlibConfiguration(windowSize: 13, compressionLevel: 6,
                                                                       memoryLevel: 6))
    }

    private var hasPendingInput: Bool { compressed.readableBytes > 0 || inflaterHasOutput }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !failed else { return }
        var input = unwrapInboundIn(data)
        if compressed.readableBytes == 0 { compressed.clear() } else { compressed.discardReadBytes() }
        compressed.writeBuffer(&input)
        inflate(context: context)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.fireChannelReadComplete()
    }

    /// Reads from the socket only when every byte read so far was passed
    /// on; otherwise the next part of it is inflated instead.
    func read(context: ChannelHandlerContext) {
        guard hasPendingInput, !failed else {
            context.read()
            return
        }
        if inflate(context: context) { context.fireChannelReadComplete() }
    }

    /// Inflates up to `inflatedPerRead` bytes and passes them on; true
    /// when something was passed on.
    @discardableResult
    private func inflate(context: ChannelHandlerContext) -> Bool {
        var passedOn = 0
        while hasPendingInput, passedOn < Self.inflatedPerRead {
            var output = context.channel.allocator.buffer(capacity: Self.inflatedChunkSize)
            let before = compressed.readableBytes
            var outputFull = false
            do {
                try inflater.inflate(from: &compressed, to: &output)
            } catch let error as CompressNIOError where error == .bufferOverflow {
                outputFull = true
            } catch let error as CompressNIOError where error == .inputBufferOverflow {
                // Z_BUF_ERROR with all input used: the inflater waits for more.
            } catch {
                failed = true
                compressed.clear()
                context.fireErrorCaught(DeflateStreamError.corrupt)
                context.close(promise: nil)
                return passedOn > 0
            }
            inflaterHasOutput = outputFull
            if output.readableBytes > 0 {
                passedOn += output.readableBytes
                context.fireChannelRead(wrapInboundOut(output))
            } else if !outputFull && compressed.readableBytes == before {
                break  // no progress: wait for more input
            }
            if !outputFull && compressed.readableBytes == 0 { break }
        }
        return passedOn > 0
    }

    // MARK: Outbound

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        var input = unwrapOutboundIn(data)
        var output = context.channel.allocator.buffer(capacity: deflater.maxSize(from: input))
        do {
            // deflateBound plus the sync marker always fits; a second call only if zlib disagrees.
            while true {
                try deflater.deflate(from: &input, to: &output, flush: .sync)
                if input.readableBytes == 0 && output.writableBytes > 0 { break }
                output.reserveCapacity(minimumWritableBytes: max(4096, input.readableBytes))
            }
        } catch {
            promise?.fail(error)
            context.fireErrorCaught(error)
            return
        }
        context.write(wrapOutboundOut(output), promise: promise)
    }
}

/// The client's DEFLATE stream cannot be inflated.
enum DeflateStreamError: Error, Equatable {
    case corrupt
}
