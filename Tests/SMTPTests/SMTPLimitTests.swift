import XCTest
import MailCore
import MailStore
@testable import SMTP

final class SMTPLimitTests: SMTPSessionTestCase {
    func testTooManyRecipients() async throws {
        let session = await greetedSession(configuration(maxRecipients: 2))
        let reply = await send(session, "MAIL FROM:<x@c.example>\r\nRCPT TO:<alice@example.org>\r\n"
                               + "RCPT TO:<bob@example.org>\r\nRCPT TO:<carol@catchall.example>\r\nDATA\r\n"
                               + Self.message + ".\r\n")
        XCTAssertEqual(codes(reply), ["250 2.1.0", "250 2.1.5", "250 2.1.5", "452 4.5.3", "354", "250 2.0.0"])
        do { let value = try await inbox(carol).count; XCTAssertEqual(value, 0) }
        do { let value = try await inbox(bob).count; XCTAssertEqual(value, 1) }
    }

    func testMessageSize() async throws {
        let session = await greetedSession(configuration(maxMessageSize: 1000))
        var reply = await send(session, "MAIL FROM:<x@c.example> SIZE=1001\r\n")
        XCTAssertEqual(codes(reply), ["552 5.3.4"])
        let big = String(repeating: "0123456789\r\n", count: 100)
        reply = await send(session, "MAIL FROM:<x@c.example> SIZE=1000\r\nRCPT TO:<alice@example.org>\r\nDATA\r\n"
                           + big + ".\r\nNOOP\r\n")
        XCTAssertEqual(codes(reply), ["250 2.1.0", "250 2.1.5", "354", "552 5.3.4", "250 2.0.0"])
        // BDAT over the limit: the chunk is read and refused, the transaction ends.
        reply = await send(session, "MAIL FROM:<x@c.example>\r\nRCPT TO:<alice@example.org>\r\nBDAT 1001 LAST\r\n"
                           + String(repeating: "x", count: 1001) + "RCPT TO:<bob@example.org>\r\n")
        XCTAssertEqual(codes(reply), ["250 2.1.0", "250 2.1.5", "552 5.3.4", "503 5.5.1"])
        do { let value = try await inbox(alice).count; XCTAssertEqual(value, 0) }
    }

    func testLineTooLongAndUnknownCommands() async throws {
        let session = await greetedSession()
        let reply = await send(session, "NOOP " + String(repeating: "x", count: 600) + "\r\nFOO\r\nMAIL FROM:<a@c.example> X=1\r\n"
                               + "MAIL FROM:<a b>\r\nRCPT TO:<a@example.org>\r\nDATA\r\n")
        XCTAssertEqual(codes(reply), ["500 5.5.2", "500 5.5.1", "555 5.5.4", "501 5.1.7", "503 5.5.1", "503 5.5.1"])
    }

    func testTooManyErrorsCloses() async throws {
        let session = await greetedSession(configuration(maxErrors: 3))
        let output = await session.receive(Array("FOO\r\nBAR\r\nBAZ\r\nNOOP\r\n".utf8))
        XCTAssertEqual(codes(output.text), ["500 5.5.1", "500 5.5.1", "421 4.7.0"])
        XCTAssertEqual(output.action, .close)
        let after = await session.receive(Array("NOOP\r\n".utf8))
        XCTAssertEqual(after.bytes, [])
        XCTAssertEqual(after.action, .close)
    }

    /// A client sending garbage forever: memory stays bounded and it is cut off.
    func testGarbageStaysBounded() async throws {
        let session = makeSession()
        var garbage: [UInt8] = []
        for index in 0..<8192 { garbage.append(UInt8(truncatingIfNeeded: index &* 131 &+ 7) | 0x80) }
        var closed = false
        for round in 0..<2000 {
            let output = await session.receive(garbage + (round % 50 == 0 ? [0x0A] : []))
            XCTAssertLessThanOrEqual(session.decoder.bufferedByteCount, 8192 + SMTPCommandParser.maxAuthLineLength)
            if output.action == .close {
                closed = true
                break
            }
        }
        XCTAssertTrue(closed)
    }

    func testVRFYAndHELPAndRSET() async throws {
        let session = await greetedSession()
        let reply = await send(session, "VRFY alice\r\nHELP\r\nMAIL FROM:<a@c.example>\r\nRSET\r\nRCPT TO:<alice@example.org>\r\n")
        XCTAssertEqual(codes(reply), ["252 2.5.0", "214 2.0.0", "250 2.1.0", "250 2.0.0", "503 5.5.1"])
    }

    func testCommandsBeforeEHLO() async throws {
        let session = makeSession()
        let reply = await send(session, "MAIL FROM:<a@c.example>\r\nAUTH PLAIN\r\nDATA\r\nNOOP\r\n")
        XCTAssertEqual(codes(reply), ["503 5.5.1", "503 5.5.1", "503 5.5.1", "250 2.0.0"])
    }
}
