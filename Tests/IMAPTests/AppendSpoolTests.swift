import Foundation
import Logging
import Accounts
import MailStore
import XCTest
@testable import IMAP

/// APPEND message literals go to a spool file as they arrive (issue 10,
/// "Streaming bodies"): APPEND, MULTIAPPEND (RFC 3502) and LITERAL+
/// (RFC 7888), over-limit refusals and dropped connections leave no file.
final class AppendSpoolTests: IMAPSessionTestCase {
    private static let limit = 8 << 20

    private func spoolConfiguration() -> IMAPSessionConfiguration {
        configuration(limits: IMAPParserLimits(maxLiteralSize: Self.limit, maxCommandSize: 3 * Self.limit))
    }

    /// A message of `size` octets with a varying body (not a multiple of 64 KiB).
    private func message(_ size: Int, seed: Int = 0) -> [UInt8] {
        var bytes = Array("From: a@example.org\r\nSubject: big \(seed)\r\n\r\n".utf8)
        var line = 0
        while bytes.count < size {
            bytes += Array("\(seed) line \(line) of a large appended message\r\n".utf8)
            line += 1
        }
        return Array(bytes.prefix(size))
    }

    private func spoolFiles() -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: store.spoolDirectory)) ?? []
    }

    /// Feeds `bytes` in network-sized pieces; returns every response.
    private func feed(_ session: IMAPSession, _ bytes: [UInt8], piece: Int = 48 * 1024) async -> String {
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            let end = min(index + piece, bytes.count)
            out += await session.receive(Array(bytes[index..<end])).bytes
            index = end
        }
        return String(decoding: written.take() + out, as: UTF8.self)
    }

    func testAppendOfAMultiMiBLiteralGoesThroughASpoolByteIdentical() async throws {
        let session = await loggedInSession(spoolConfiguration())
        let body = message(5 * 1024 * 1024 + 17)
        await expectEqual(await send(session, "a APPEND INBOX (\\Seen) {\(body.count)}\r\n"), "+ Ready for literal data\r\n")
        let half = await feed(session, Array(body.prefix(body.count / 2)))
        XCTAssertEqual(half, "")
        XCTAssertEqual(spoolFiles().count, 1, "the literal is being written to a spool file")
        XCTAssertTrue(session.parser.hasPartialCommand)
        let reply = await feed(session, Array(body.suffix(from: body.count / 2)) + Array("\r\n".utf8))
        XCTAssertEqual(reply, "a OK [APPENDUID \(inbox.uidValidity) 1] APPEND completed\r\n")
        XCTAssertEqual(spoolFiles(), [])
        let stored = try await store.messageBody(mailboxID: inbox.id, uid: 1)
        XCTAssertEqual(stored.count, body.count)
        XCTAssertTrue(stored == body)
        let found = try await store.message(mailboxID: inbox.id, uid: 1)
        let record = try XCTUnwrap(found)
        XCTAssertEqual(record.flags, [.seen])
        XCTAssertEqual(record.contentHash, MessageContentHash.of(body))
    }

    /// MULTIAPPEND with LITERAL+ (no continuations) and a literal mailbox name.
    func testMultiappendWithNonSynchronisingLiteralsSpoolsEachMessage() async throws {
        let session = await loggedInSession(spoolConfiguration())
        let first = message(3 * 1024 * 1024 + 5, seed: 1), second = message(2 * 1024 * 1024 + 99, seed: 2)
        var command = Array("b APPEND {5+}\r\nINBOX {\(first.count)+}\r\n".utf8) + first
        command += Array(" (\\Flagged) \"05-Mar-2024 10:20:30 +0100\" ~{\(second.count)+}\r\n".utf8) + second
        command += Array("\r\n".utf8)
        let reply = await feed(session, command)
        XCTAssertEqual(reply, "b OK [APPENDUID \(inbox.uidValidity) 1:2] APPEND completed\r\n")
        XCTAssertEqual(spoolFiles(), [])
        let storedFirst = try await store.messageBody(mailboxID: inbox.id, uid: 1)
        let storedSecond = try await store.messageBody(mailboxID: inbox.id, uid: 2)
        XCTAssertTrue(storedFirst == first)
        XCTAssertTrue(storedSecond == second)
        let found = try await store.message(mailboxID: inbox.id, uid: 2)
        let record = try XCTUnwrap(found)
        XCTAssertEqual(record.flags, [.flagged])
        XCTAssertEqual(record.internalDate.timeIntervalSince1970, 1_709_630_430)
    }

    /// Other literals (here a LOGIN-style string in a SEARCH) stay in memory.
    func testOnlyAppendMessageLiteralsAreSpooled() async throws {
        let session = await loggedInSession(spoolConfiguration())
        await send(session, "s SELECT INBOX\r\n")
        await expectEqual(await send(session, "c SEARCH SUBJECT {3}\r\n"), "+ Ready for literal data\r\n")
        XCTAssertEqual(spoolFiles(), [])
        await expectTrue(await send(session, "abc\r\n").contains("c OK"))
        XCTAssertEqual(spoolFiles(), [])
    }

    /// Over APPENDLIMIT: `NO [TOOBIG]` before the data (synchronising) or
    /// after dropping it (LITERAL+); no spool file either way.
    func testOverTheLimitGetsTooBigAndLeavesNoSpool() async throws {
        let session = await loggedInSession(spoolConfiguration())
        await expectEqual(await send(session, "a APPEND INBOX {\(Self.limit + 1)}\r\n"),
                          "a NO [TOOBIG] Literal larger than APPENDLIMIT (\(Self.limit) octets)\r\n")
        XCTAssertEqual(spoolFiles(), [])
        let dropped = await feed(session, Array("b APPEND INBOX {\(Self.limit + 1)+}\r\n".utf8)
                                     + [UInt8](repeating: 0x7A, count: Self.limit + 1) + Array("\r\nc NOOP\r\n".utf8))
        XCTAssertEqual(dropped, "b NO [TOOBIG] Literal larger than APPENDLIMIT (\(Self.limit) octets)\r\nc OK NOOP completed\r\n")
        XCTAssertEqual(spoolFiles(), [])
    }

    /// The store's own bound lower than APPENDLIMIT: the spool refuses the
    /// literal part way; the answer is TOOBIG, the file gone.
    func testStoreBoundBelowAppendLimitStopsTheSpool() async throws {
        try await store.close()
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        store = try SQLiteMailStore(directory: directory.path, logger: logger, maximumMessageSize: 1 << 20)
        authenticator = Authenticator(store: store, logger: self.logger, throttleConfiguration: .withoutDelays)
        let session = await loggedInSession(spoolConfiguration())
        let body = message(2 << 20)
        await expectEqual(await send(session, "a APPEND INBOX {\(body.count)}\r\n"), "+ Ready for literal data\r\n")
        let reply = await feed(session, body + Array("\r\nb NOOP\r\n".utf8))
        XCTAssertTrue(reply.hasPrefix("a NO [TOOBIG] "), reply)
        XCTAssertTrue(reply.hasSuffix("b OK NOOP completed\r\n"), reply)
        XCTAssertEqual(spoolFiles(), [])
    }

    /// A refused APPEND (no such mailbox) removes its spool.
    func testRefusedAppendRemovesItsSpool() async throws {
        let session = await loggedInSession(spoolConfiguration())
        let body = message(300_000)
        let reply = await feed(session, Array("a APPEND Nowhere {\(body.count)+}\r\n".utf8) + body + Array("\r\n".utf8))
        XCTAssertEqual(reply, "a NO [TRYCREATE] no such mailbox\r\n")
        XCTAssertEqual(spoolFiles(), [])
    }

    /// The connection drops mid-literal: its spool file goes.
    func testConnectionDroppedMidLiteralLeavesNoSpool() async throws {
        let session = await loggedInSession(spoolConfiguration())
        let body = message(1 << 20)
        _ = await feed(session, Array("a APPEND INBOX {\(body.count)+}\r\n".utf8) + body.prefix(600_000))
        XCTAssertEqual(spoolFiles().count, 1)
        await session.connectionClosed()
        XCTAssertEqual(spoolFiles(), [])
    }
}
