import CompressNIO
import NIOCore
import NIOEmbedded
import XCTest
@testable import Server

/// The COMPRESS=DEFLATE codec (RFC 4978) on an embedded channel: raw
/// DEFLATE both ways, the client's partial flushes, bounded inflation of
/// a decompression bomb, and garbage closing the connection.
final class DeflateCodecHandlerTests: XCTestCase {
    func channel() throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(try DeflateCodecHandler())
        return channel
    }

    /// What a client's deflater sends for `pieces`, each ending with a sync flush.
    func clientStream(_ pieces: [[UInt8]]) throws -> [UInt8] {
        let deflater = try ZlibCompressor(algorithm: .deflate)
        var stream: [UInt8] = []
        for piece in pieces {
            var input = ByteBuffer(bytes: piece)
            var output = ByteBuffer()
            output.reserveCapacity(deflater.maxSize(from: input))
            try deflater.deflate(from: &input, to: &output, flush: .sync)
            stream += output.readableBytesView
        }
        return stream
    }

    func readAllInbound(_ channel: EmbeddedChannel) throws -> [UInt8] {
        var bytes: [UInt8] = []
        while let buffer = try channel.readInbound(as: ByteBuffer.self) { bytes += buffer.readableBytesView }
        return bytes
    }

    func testEveryResponseCanBeInflatedAsSoonAsItArrives() throws {
        let channel = try channel()
        let inflater = try ZlibDecompressor(algorithm: .deflate)
        for response in ["* OK first\r\n", "* 1 EXISTS\r\n", String(repeating: "* 2 FETCH (FLAGS (\\Seen))\r\n", count: 500)] {
            try channel.writeOutbound(ByteBuffer(string: response))
            var compressed = try XCTUnwrap(try channel.readOutbound(as: ByteBuffer.self))
            XCTAssertEqual(Array(compressed.readableBytesView.suffix(4)), [0, 0, 0xFF, 0xFF], "sync flush marker")
            var inflated = ByteBuffer()
            inflated.reserveCapacity(response.utf8.count + 64)
            try inflater.inflate(from: &compressed, to: &inflated)
            XCTAssertEqual(String(buffer: inflated), response)
        }
        _ = try channel.finish()
    }

    /// Partial flushes split anywhere, down to one byte per read.
    func testClientStreamArrivingByteByByte() throws {
        let commands = ["a LOGIN alice secret\r\n", "b SELECT INBOX\r\n", "c APPEND INBOX {11+}\r\nhello world\r\n"]
        let stream = try clientStream(commands.map { Array($0.utf8) })
        let channel = try channel()
        var received: [UInt8] = []
        for byte in stream {
            try channel.writeInbound(ByteBuffer(bytes: [byte]))
            received += try readAllInbound(channel)
        }
        XCTAssertEqual(String(decoding: received, as: UTF8.self), commands.joined())
    }

    /// 64 MiB that deflate to about 64 KiB: one read passes on at most
    /// `inflatedPerRead`; the rest comes only as the channel asks for more.
    func testDecompressionBombIsInflatedAPieceAtATime() throws {
        let bomb = try clientStream(Array(repeating: [UInt8](repeating: UInt8(ascii: "A"), count: 1 << 20), count: 64))
        XCTAssertLessThan(bomb.count, 200_000)
        let channel = try channel()
        try channel.writeInbound(ByteBuffer(bytes: bomb))
        var total = try readAllInbound(channel).count
        XCTAssertLessThanOrEqual(total, DeflateCodecHandler.inflatedPerRead)
        XCTAssertGreaterThan(total, 0)
        var reads = 0
        while total < 64 << 20 && reads < 1000 {
            channel.read()
            reads += 1
            let piece = try readAllInbound(channel).count
            XCTAssertLessThanOrEqual(piece, DeflateCodecHandler.inflatedPerRead)
            XCTAssertGreaterThan(piece, 0, "read \(reads) after \(total) bytes")
            total += piece
        }
        XCTAssertEqual(total, 64 << 20, "all of it arrives, a bounded piece per read")
    }

    func testGarbageClosesTheConnection() throws {
        let channel = try channel()
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 143)).wait()
        XCTAssertTrue(channel.isActive)
        XCTAssertThrowsError(try channel.writeInbound(ByteBuffer(bytes: [0xFF, 0xFF, 0xFF, 0xFF, 0x12, 0x34])))
        XCTAssertFalse(channel.isActive)
    }
}
