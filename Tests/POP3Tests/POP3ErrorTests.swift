import XCTest
@testable import POP3

/// Garbage, over-long lines, error and command bounds (RFC 2449 §4; DESIGN "every input has a bound").
final class POP3ErrorTests: POP3SessionTestCase {
    func testGarbage() async {
        let session = makeSession()
        let cases: [([UInt8], String)] = [
            (Array("HELLO".utf8), "-ERR unknown command\r\n"),
            (Array("APOP alice 0123456789abcdef0123456789abcdef".utf8), "-ERR unknown command\r\n"),
            ([], "-ERR empty command\r\n"),
            ([0x00, 0x01, 0x02], "-ERR invalid characters in command\r\n"),
            ([0xFF, 0xFE, 0x41], "-ERR invalid characters in command\r\n"),
            (Array("RETR 1\r\nQUIT".utf8), "-ERR invalid characters in command\r\n"),
            (Array("GET / HTTP/1.1".utf8), "-ERR unknown command\r\n"),
        ]
        for (line, expected) in cases {
            let output = await session.handle(line: line)
            XCTAssertEqual(String(decoding: output.bytes, as: UTF8.self), expected, "\(line)")
            XCTAssertEqual(output.action, .none)
        }
    }

    func testOverlongLines() async {
        let session = makeSession()
        let framed = session.handleOverlongLine()
        XCTAssertEqual(String(decoding: framed.bytes, as: UTF8.self), "-ERR command line too long\r\n")
        XCTAssertEqual(framed.action, .none)
        let long = await send(session, "USER " + String(repeating: "a", count: 249))
        XCTAssertEqual(long, "-ERR command line too long\r\n")
        let ok = await send(session, "USER " + String(repeating: "a", count: 248))
        XCTAssertEqual(ok, "+OK send PASS\r\n")
    }

    func testOverlongLineDuringAuthCancelsTheExchange() async {
        let session = makeSession()
        await send(session, "AUTH LOGIN")
        let framed = session.handleOverlongLine()
        XCTAssertEqual(String(decoding: framed.bytes, as: UTF8.self), "-ERR authentication response too long\r\n")
        let capa = await send(session, "CAPA")
        XCTAssertTrue(capa.hasPrefix("+OK Capability"))
    }

    func testTooManyErrorsCloses() async {
        let session = await loggedInSession(configuration(maxErrors: 3))
        let first = await send(session, "RETR 9")
        XCTAssertEqual(first, "-ERR no such message\r\n")
        let second = await send(session, "XYZZY")
        XCTAssertEqual(second, "-ERR unknown command\r\n")
        let third = await output(session, "LIST x")
        XCTAssertEqual(String(decoding: third.bytes, as: UTF8.self), "-ERR too many errors\r\n")
        XCTAssertEqual(third.action, .close)
        XCTAssertFalse(locks.isLocked(account.id))
        let after = await output(session, "STAT")
        XCTAssertEqual(after.bytes, [])
        XCTAssertEqual(after.action, .close)
    }

    func testFailedLoginsCountAsErrors() async {
        let session = makeSession(configuration(maxErrors: 2))
        await send(session, "USER \(Self.address)")
        let first = await send(session, "PASS wrong")
        XCTAssertEqual(first, "-ERR [AUTH] authentication failed\r\n")
        await send(session, "USER \(Self.address)")
        let second = await output(session, "PASS wrong")
        XCTAssertEqual(String(decoding: second.bytes, as: UTF8.self), "-ERR too many errors\r\n")
        XCTAssertEqual(second.action, .close)
    }

    func testCommandsBeforeLoginAreBounded() async {
        let session = makeSession(configuration(maxCommandsBeforeLogin: 3))
        for _ in 0..<3 {
            let capa = await output(session, "CAPA")
            XCTAssertEqual(capa.action, .none)
        }
        let fourth = await output(session, "CAPA")
        XCTAssertEqual(String(decoding: fourth.bytes, as: UTF8.self), "-ERR too many commands before login\r\n")
        XCTAssertEqual(fourth.action, .close)
    }

    func testCommandsAfterLoginAreNotCountedAgainstTheLoginBound() async {
        let session = await loggedInSession(configuration(maxCommandsBeforeLogin: 2))
        for _ in 0..<5 {
            let noop = await send(session, "NOOP")
            XCTAssertEqual(noop, "+OK\r\n")
        }
    }

    func testPipelinedCommandsAnswerInOrder() async {
        // RFC 2449 §6.6: the server reads lines one by one; replies keep their order.
        let session = makeSession()
        var replies = ""
        for line in ["USER \(Self.address)", "PASS \(Self.password)", "STAT", "NOOP"] {
            replies += await send(session, line)
        }
        XCTAssertEqual(replies, "+OK send PASS\r\n+OK maildrop has 3 messages (\(totalSize) octets)\r\n"
                       + "+OK 3 \(totalSize)\r\n+OK\r\n")
    }
}
