import Foundation
import MailCore
import MailStore
import Synchronization
import XCTest
@testable import IMAP

/// FETCH of a whole big message, or of a big plain part, streams the
/// literal from the store: ranged reads of at most
/// `FetchItemBuilder.streamThreshold` octets, writes of about two such
/// chunks, never the whole body (issue 10); the bytes are exactly those
/// of the in-memory response.
final class StreamedFetchTests: IMAPSessionTestCase {
    /// A multipart message: an 8bit text part of about 200 KB and a
    /// base64 attachment of about 1 MB (so BODY[1], BODY[2] and BINARY[2]
    /// exist and are all over the threshold).
    static let bigMessage: [UInt8] = {
        var generator = SystemRandomNumberGenerator()
        let attachment = (0..<780_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let base64 = Data(attachment).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn,
                                                                    .endLineWithLineFeed])
        let text = String(repeating: "caf\u{E9} line of the big text part, with 8-bit data\r\n", count: 4_000)
        let message = "From: Bob <bob@example.org>\r\nTo: alice@example.org\r\nSubject: big\r\n"
            + "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
            + "--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + text
            + "--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            + base64 + "\r\n--b--\r\n"
        return Array(message.utf8)
    }()

    /// The largest single write the session made.
    final class WriteSizes: Sendable {
        let largest = Mutex(0)
        func record(_ count: Int) { largest.withLock { $0 = max($0, count) } }
    }

    var counting: ReadCountingStore!
    var writeSizes = WriteSizes()

    /// A logged-in session on a counting store with the big message
    /// selected in INBOX; counts are reset.
    func bigMessageSession() async throws -> IMAPSession {
        _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: Self.bigMessage))
        counting = ReadCountingStore(base: store)
        let written = SessionWrites()
        self.written = written
        let sizes = WriteSizes()
        writeSizes = sizes
        let session = IMAPSession(store: counting, authenticator: authenticator, configuration: configuration(),
                                  connection: Self.loopback, logger: logger,
                                  write: { bytes in sizes.record(bytes.count); try written.append(bytes) })
        let login = await send(session, "L1 LOGIN \(Self.address) \(Self.password)\r\n")
        XCTAssertTrue(login.hasPrefix("L1 OK"), login)
        _ = await send(session, "s SELECT INBOX\r\n")
        counting.reset()
        return session
    }

    func fetchBytes(_ session: IMAPSession, _ command: String) async -> [UInt8] {
        await output(session, command).bytes
    }

    func literal(_ name: String, _ data: [UInt8], binary: Bool = false) -> [UInt8] {
        Array("\(name) \(binary ? "~" : ""){\(data.count)}\r\n".utf8) + data
    }

    /// Checks that the reads were ranged and bounded and covered `octets`.
    func assertStreamed(octets: Int, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        let counts = counting.counts
        XCTAssertEqual(counts.wholeBodies, 0, "\(what): no whole-body read", file: file, line: line)
        XCTAssertLessThanOrEqual(counts.largestRangedRead, FetchItemBuilder.streamThreshold, what,
                                 file: file, line: line)
        let chunks = (octets + FetchItemBuilder.streamThreshold - 1) / FetchItemBuilder.streamThreshold
        XCTAssertGreaterThanOrEqual(counts.bodies, chunks, "\(what): read in chunks", file: file, line: line)
        XCTAssertLessThanOrEqual(writeSizes.largest.withLock { $0 }, 2 * FetchCommandHandler.writeBatchSize,
                                 "\(what): bounded writes", file: file, line: line)
        counting.reset()
        writeSizes.largest.withLock { $0 = 0 }
    }

    func testWholeMessageStreamsInBoundedRangedReads() async throws {
        let session = try await bigMessageSession()
        let message = Self.bigMessage
        XCTAssertGreaterThan(message.count, 10 * FetchItemBuilder.streamThreshold)

        let peek = await fetchBytes(session, "a FETCH 1 (BODY.PEEK[])\r\n")
        XCTAssertEqual(peek, Array("* 1 FETCH (".utf8) + literal("BODY[]", message)
            + Array(")\r\na OK FETCH completed\r\n".utf8))
        XCTAssertEqual(counting.counts.bodyBytes, message.count)
        assertStreamed(octets: message.count, "BODY.PEEK[]")

        let binary = await fetchBytes(session, "b FETCH 1 (UID BINARY.PEEK[] RFC822.SIZE)\r\n")
        XCTAssertEqual(binary, Array("* 1 FETCH (UID 1 ".utf8) + literal("BINARY[]", message, binary: true)
            + Array(" RFC822.SIZE \(message.count))\r\nb OK FETCH completed\r\n".utf8))
        assertStreamed(octets: message.count, "BINARY.PEEK[]")

        // RFC822 sets \Seen (RFC 9051 §6.4.5): FLAGS follows the literal.
        let rfc822 = await fetchBytes(session, "c FETCH 1 (RFC822)\r\n")
        XCTAssertEqual(rfc822, Array("* 1 FETCH (".utf8) + literal("RFC822", message)
            + Array(" FLAGS (\\Seen \\Recent))\r\nc OK FETCH completed\r\n".utf8))
        assertStreamed(octets: message.count, "RFC822")

        let body = await fetchBytes(session, "d FETCH 1 (BODY[])\r\n")
        XCTAssertEqual(body, Array("* 1 FETCH (".utf8) + literal("BODY[]", message)
            + Array(")\r\nd OK FETCH completed\r\n".utf8))
        assertStreamed(octets: message.count, "BODY[]")
    }

    func testBigSectionsStreamAndSmallOnesAreRead() async throws {
        let session = try await bigMessageSession()
        let message = Self.bigMessage
        let root = ParsedMessage.parse(message).root
        func section(_ part: [Int], _ text: SectionText? = nil) -> [UInt8] {
            WholeBodySectionReference.data(SectionSpecifier(part: part, text: text), in: message, root: root) ?? []
        }

        // HEADER is small (read as an excerpt), TEXT and the parts stream.
        let parts = await fetchBytes(session, "a FETCH 1 (BODY.PEEK[HEADER] BODY.PEEK[TEXT] BODY.PEEK[1] BODY.PEEK[2])\r\n")
        let header = section([], .header)
        XCTAssertEqual(parts, Array("* 1 FETCH (BODY[HEADER] ".utf8) + Array("{\(header.count)}\r\n".utf8) + header
            + Array(" ".utf8) + literal("BODY[TEXT]", section([], .text)) + Array(" ".utf8)
            + literal("BODY[1]", section([1])) + Array(" ".utf8) + literal("BODY[2]", section([2]))
            + Array(")\r\na OK FETCH completed\r\n".utf8))
        XCTAssertEqual(counting.counts.wholeBodies, 0)
        XCTAssertLessThanOrEqual(counting.counts.largestRangedRead, FetchItemBuilder.streamThreshold)
        counting.reset()

        // A big <partial> streams; a small one is one read.
        let window = Array(message[1000..<301_000])
        let partial = await fetchBytes(session, "b FETCH 1 (BODY.PEEK[]<1000.300000> BODY.PEEK[]<0.4>)\r\n")
        XCTAssertEqual(partial, Array("* 1 FETCH (".utf8) + literal("BODY[]<1000>", window)
            + Array(" BODY[]<0> {4}\r\nFrom)\r\nb OK FETCH completed\r\n".utf8))
        XCTAssertEqual(counting.counts.bodyBytes, 300_000 + 4)
        assertStreamed(octets: 300_000, "BODY[]<1000.300000>")

        // BINARY of the 8bit part needs no decoding: streamed as literal8;
        // of the base64 part it is decoded in memory (RFC 3516 §4.2).
        let binary = await fetchBytes(session, "c FETCH 1 (BINARY.PEEK[1] BINARY.SIZE[1] BINARY.SIZE[2])\r\n")
        let decoded = try XCTUnwrap(TransferDecoding.decode(section([2])[...], encoding: "base64"))
        XCTAssertEqual(binary, Array("* 1 FETCH (".utf8) + literal("BINARY[1]", section([1]), binary: true)
            + Array(" BINARY.SIZE[1] \(section([1]).count) BINARY.SIZE[2] \(decoded.count))\r\nc OK FETCH completed\r\n".utf8))
        counting.reset()
        let decodedFetch = await fetchBytes(session, "d FETCH 1 (BINARY.PEEK[2])\r\n")
        XCTAssertEqual(decodedFetch, Array("* 1 FETCH (".utf8) + literal("BINARY[2]", decoded, binary: true)
            + Array(")\r\nd OK FETCH completed\r\n".utf8))

        // BINARY.SIZE of a part that needs no decoding reads nothing.
        counting.reset()
        let size = await send(session, "e FETCH 1 (BINARY.SIZE[] BINARY.SIZE[1])\r\n")
        XCTAssertEqual(size, "* 1 FETCH (BINARY.SIZE[] \(message.count) BINARY.SIZE[1] \(section([1]).count))\r\n"
            + "e OK FETCH completed\r\n")
        XCTAssertEqual(counting.counts.bodies, 0)
    }

    func testBodyGoneBeforeStreamingGivesNoResponse() async throws {
        let session = try await bigMessageSession()
        counting.failRangedReads(after: 0)
        let response = await send(session, "a FETCH 1 (UID BODY.PEEK[])\r\n")
        XCTAssertEqual(response, "a NO [EXPUNGEISSUED] Some of the requested messages no longer exist\r\n")
    }

    func testReadFailureMidLiteralPadsToTheAnnouncedSize() async throws {
        let session = try await bigMessageSession()
        let message = Self.bigMessage
        counting.failRangedReads(after: 3)
        let response = await fetchBytes(session, "a FETCH 1 (BODY.PEEK[] UID)\r\n")
        let prefix = Array("* 1 FETCH (BODY[] {\(message.count)}\r\n".utf8)
        XCTAssertEqual(Array(response.prefix(prefix.count)), prefix)
        let data = Array(response.dropFirst(prefix.count).prefix(message.count))
        let read = 3 * FetchItemBuilder.streamThreshold
        XCTAssertEqual(Array(data.prefix(read)), Array(message.prefix(read)))
        XCTAssertTrue(data.dropFirst(read).allSatisfy { $0 == UInt8(ascii: " ") }, "the rest is padding")
        XCTAssertEqual(String(decoding: response.dropFirst(prefix.count + message.count), as: UTF8.self),
                       " UID 1)\r\na NO FETCH failed: a message could not be read whole; its data is damaged\r\n")
        // The connection is still in step: the next command works.
        counting.failRangedReads(after: nil)
        let next = await send(session, "b FETCH 1 (UID)\r\n")
        XCTAssertEqual(next, "* 1 FETCH (UID 1)\r\nb OK FETCH completed\r\n")
    }

    func testFetchPiecesWithoutStreamedItemsAreTheEncodedResponse() {
        let items: [FetchItem] = [.uid(7), .flags(["\\Seen"]), .bodySection(SectionSpecifier(), origin: nil, data: [65])]
        XCTAssertEqual(IMAPResponseEncoder.fetchPieces(3, items),
                       [.bytes(IMAPResponseEncoder.encode(.untagged(.fetch(3, items))))])
        let streamed: [FetchItem] = [.uid(7), .streamed(.bodySection(SectionSpecifier(part: [2]), origin: 5),
                                                        StreamedLiteral(range: 10..<20, literal8: false)),
                                     .streamed(.binary(part: [], origin: nil), StreamedLiteral(range: 0..<3, literal8: true))]
        XCTAssertEqual(IMAPResponseEncoder.fetchPieces(3, streamed), [
            .bytes(Array("* 3 FETCH (UID 7 BODY[2]<5> {10}\r\n".utf8)), .literal(10..<20, literal8: false),
            .bytes(Array(" BINARY[] ~{3}\r\n".utf8)), .literal(0..<3, literal8: true), .bytes(Array(")\r\n".utf8)),
        ])
    }
}
