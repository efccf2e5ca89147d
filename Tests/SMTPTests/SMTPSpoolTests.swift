import Foundation
import XCTest
import MailStore
@testable import SMTP

/// DATA and BDAT stream the message to a spool file in the store: every
/// local recipient's copy is the same blob, byte-identical; a refused or
/// interrupted message leaves no spool file.
final class SMTPSpoolTests: SMTPSessionTestCase {
    /// About `size` octets of CRLF lines, no line starting with ".".
    private func content(_ size: Int) -> String {
        var text = "From: x@client.example\r\nSubject: big\r\nMessage-ID: <big@client.example>\r\n\r\n"
        var line = 0
        while text.utf8.count < size {
            text += "line \(line) of a big message body, long enough to matter\r\n"
            line += 1
        }
        return text
    }

    private func spoolFiles() -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: directory.path + "/spool")) ?? []
    }

    private func bodyFiles() -> [String] {
        let root = directory.path + "/messages"
        let subdirectories = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return subdirectories.flatMap { (try? FileManager.default.contentsOfDirectory(atPath: root + "/" + $0)) ?? [] }
    }

    /// Sends `text` in pieces of `piece` octets, as a network would.
    private func sendInPieces(_ session: SMTPSession, _ text: String, piece: Int = 8192) async -> String {
        let bytes = Array(text.utf8)
        var replies = ""
        var index = 0
        while index < bytes.count {
            let end = min(index + piece, bytes.count)
            replies += await session.receive(Array(bytes[index..<end])).text
            index = end
        }
        return replies
    }

    func testDATAStreamsToOneSharedBlobForEveryLocalRecipient() async throws {
        let session = await greetedSession(configuration(maxMessageSize: 1_000_000))
        let text = content(300_000)
        let envelope = await send(session, "MAIL FROM:<x@client.example>\r\nRCPT TO:<alice@example.org>\r\n"
                                  + "RCPT TO:<bob@example.org>\r\nDATA\r\n")
        XCTAssertEqual(codes(envelope), ["250 2.1.0", "250 2.1.5", "250 2.1.5", "354"])
        let half = text.utf8.count / 2
        var replies = await sendInPieces(session, String(decoding: Array(text.utf8).prefix(half), as: UTF8.self))
        XCTAssertEqual(spoolFiles().count, 1, "the message is on disk while it arrives")
        replies += await sendInPieces(session, String(decoding: Array(text.utf8).dropFirst(half), as: UTF8.self)
                                      + ".\r\n")
        XCTAssertEqual(codes(replies), ["250 2.0.0"])
        let aliceCopy = try await inbox(alice)
        let bobCopy = try await inbox(bob)
        XCTAssertEqual(aliceCopy.count, 1)
        XCTAssertEqual(aliceCopy, bobCopy, "one body for both")
        let stored = try XCTUnwrap(aliceCopy.first)
        XCTAssertTrue(stored.starts(with: Array("Return-Path: <x@client.example>\r\nReceived: ".utf8)))
        XCTAssertEqual(Array(stored.suffix(text.utf8.count)), Array(text.utf8), "the content byte for byte")
        XCTAssertEqual(bodyFiles().count, 1, "one blob")
        XCTAssertEqual(spoolFiles(), [], "adopted, and the spool's name is gone")
        let box = try await sqlite.mailbox(accountID: alice.id, name: "INBOX")!
        let record = try await sqlite.messages(mailboxID: box.id)[0]
        XCTAssertEqual(record.contentHash, MessageContentHash.of(stored))
        XCTAssertEqual(record.messageID, "big@client.example")
    }

    func testBDATStreamsChunksToTheSpool() async throws {
        let session = await greetedSession(configuration(maxMessageSize: 1_000_000))
        let bytes = Array(content(200_000).utf8)
        _ = await send(session, "MAIL FROM:<x@client.example>\r\nRCPT TO:<sales@example.org>\r\n")
        let first = Array(bytes.prefix(120_000))
        let second = Array(bytes.dropFirst(120_000))
        var replies = await session.receive(Array("BDAT \(first.count)\r\n".utf8) + first).text
        XCTAssertEqual(spoolFiles().count, 1)
        replies += await session.receive(Array("BDAT \(second.count) LAST\r\n".utf8) + second).text
        XCTAssertEqual(codes(replies), ["250 2.0.0", "250 2.0.0"])
        let aliceCopy = try await inbox(alice)
        let bobCopy = try await inbox(bob)
        XCTAssertEqual(aliceCopy, bobCopy)
        XCTAssertEqual(Array(try XCTUnwrap(aliceCopy.first).suffix(bytes.count)), bytes)
        XCTAssertEqual(bodyFiles().count, 1)
        XCTAssertEqual(spoolFiles(), [])
    }

    func testLocalAndQueuedCopiesFromOneSpool() async throws {
        let session = await greetedSession(configuration(maxMessageSize: 1_000_000))
        let text = content(100_000)
        let replies = await sendInPieces(session, "MAIL FROM:<x@client.example>\r\nRCPT TO:<friends@example.org>\r\n"
                                         + "DATA\r\n" + text + ".\r\n")
        XCTAssertEqual(codes(replies).last, "250 2.0.0")
        let bobInbox = try await inbox(bob)
        let local = try XCTUnwrap(bobInbox.first)
        XCTAssertTrue(local.starts(with: Array("Return-Path: ".utf8)))
        XCTAssertEqual(Array(local.suffix(text.utf8.count)), Array(text.utf8))
        let queued = try XCTUnwrap(queue.entries.first).body
        XCTAssertTrue(queued.starts(with: Array("Received: ".utf8)), "no Return-Path on the relayed copy")
        XCTAssertEqual(Array(queued.suffix(text.utf8.count)), Array(text.utf8))
        XCTAssertEqual(spoolFiles(), [])
    }

    func testOverTheLimitIsRefusedAndLeavesNoSpoolFile() async throws {
        let session = await greetedSession(configuration(maxMessageSize: 50_000))
        _ = await send(session, "MAIL FROM:<x@client.example>\r\nRCPT TO:<alice@example.org>\r\nDATA\r\n")
        var replies = await sendInPieces(session, content(120_000))
        XCTAssertEqual(spoolFiles(), [], "removed as soon as the bound is passed")
        replies += await send(session, ".\r\n")
        XCTAssertEqual(codes(replies), ["552 5.3.4"])
        XCTAssertEqual(spoolFiles(), [])
        let aliceInbox = try await inbox(alice)
        XCTAssertEqual(aliceInbox, [])
        XCTAssertEqual(bodyFiles(), [])
    }

    func testBDATOverTheLimitLeavesNoSpoolFile() async throws {
        let session = await greetedSession(configuration(maxMessageSize: 50_000))
        let chunk = Array(content(40_000).utf8)
        _ = await send(session, "MAIL FROM:<x@client.example>\r\nRCPT TO:<alice@example.org>\r\n")
        var replies = await session.receive(Array("BDAT \(chunk.count)\r\n".utf8) + chunk).text
        XCTAssertEqual(spoolFiles().count, 1)
        replies += await session.receive(Array("BDAT \(chunk.count) LAST\r\n".utf8) + chunk).text
        XCTAssertEqual(codes(replies), ["250 2.0.0", "552 5.3.4"])
        XCTAssertEqual(spoolFiles(), [])
        let aliceInbox = try await inbox(alice)
        XCTAssertEqual(aliceInbox, [])
    }

    func testDroppedConnectionMidDATARemovesTheSpoolFile() async throws {
        let session = await greetedSession()
        _ = await send(session, "MAIL FROM:<x@client.example>\r\nRCPT TO:<alice@example.org>\r\nDATA\r\n")
        _ = await sendInPieces(session, content(30_000))
        XCTAssertEqual(spoolFiles().count, 1)
        session.connectionClosed()
        XCTAssertEqual(spoolFiles(), [])
        let aliceInbox = try await inbox(alice)
        XCTAssertEqual(aliceInbox, [])
    }

    func testDroppedConnectionMidBDATAndRSETRemoveTheSpoolFile() async throws {
        let session = await greetedSession()
        let chunk = Array(content(20_000).utf8)
        _ = await send(session, "MAIL FROM:<x@client.example>\r\nRCPT TO:<alice@example.org>\r\n")
        _ = await session.receive(Array("BDAT \(chunk.count)\r\n".utf8) + chunk)
        XCTAssertEqual(spoolFiles().count, 1)
        let reset = await send(session, "RSET\r\n")
        XCTAssertEqual(codes(reset), ["250 2.0.0"])
        XCTAssertEqual(spoolFiles(), [], "RSET drops the transaction and its spool")
        _ = await send(session, "MAIL FROM:<x@client.example>\r\nRCPT TO:<alice@example.org>\r\n")
        _ = await session.receive(Array("BDAT \(chunk.count * 2)\r\n".utf8) + chunk)
        XCTAssertEqual(spoolFiles().count, 1)
        session.connectionClosed()
        XCTAssertEqual(spoolFiles(), [])
    }

    /// The 452 4.3.1 bound counts the octets spooled to disk: a session's
    /// spooled DATA holds its address's room, and a message dropped past the
    /// bound loses its spool file at once.
    func testInFlightBoundCountsSpooledOctets() async throws {
        let inFlight = InFlightMessageBytes(limitPerAddress: 60_000)
        var mx = configuration(maxMessageSize: 1_000_000)
        mx.inFlight = inFlight
        let first = await greetedSession(mx)
        let second = await greetedSession(mx)
        for session in [first, second] {
            _ = await send(session, "MAIL FROM:<x@client.example>\r\nRCPT TO:<alice@example.org>\r\nDATA\r\n")
        }
        XCTAssertEqual(spoolFiles().count, 2, "each DATA has its spool file")
        _ = await sendInPieces(first, content(40_000))
        XCTAssertGreaterThanOrEqual(inFlight.held(address: Self.remote.remoteAddress), 40_000, "spooled octets count")
        _ = await sendInPieces(second, content(40_000))
        XCTAssertEqual(spoolFiles().count, 1, "the message dropped past the bound has no spool file")
        let refused = await send(second, ".\r\n")
        XCTAssertEqual(codes(refused), ["452 4.3.1"])
        let accepted = await send(first, ".\r\n")
        XCTAssertEqual(codes(accepted), ["250 2.0.0"])
        XCTAssertEqual(inFlight.held(address: Self.remote.remoteAddress), 0)
        XCTAssertEqual(spoolFiles(), [])
    }
}
