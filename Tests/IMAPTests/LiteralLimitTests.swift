import XCTest
@testable import IMAP

/// Literal bounds: lower before login, APPENDLIMIT after (RFC 7889), and
/// non-synchronising literals over the bound (RFC 7888 §4).
final class LiteralLimitFramingTests: XCTestCase {
    func testLimitsCanBeChangedBetweenEvents() {
        var parser = IMAPCommandParser(limits: IMAPParserLimits().capped(at: 1000))
        XCTAssertEqual(parser.feed(bytes("a LOGIN {5000}\r\n")), [.literalTooLarge(tag: "a", closing: false)])
        parser.limits = IMAPParserLimits()
        XCTAssertEqual(parser.feed(bytes("b APPEND INBOX {5000}\r\n")), [.needsContinuation])
    }

    func testOversizedNonSynchronisingLiteralStopsTheParserWhenNotDiscardable() {
        var parser = IMAPCommandParser(limits: IMAPParserLimits().capped(at: 1000))
        let events = parser.feed(bytes("a LOGIN {100000000+}\r\n" + String(repeating: "x", count: 4000) + "\r\nb NOOP\r\n"))
        XCTAssertEqual(events, [.literalTooLarge(tag: "a", closing: true)])
        XCTAssertTrue(parser.isStopped)
        XCTAssertFalse(parser.hasPartialCommand)
        // Nothing more is read or kept.
        XCTAssertEqual(parser.feed(bytes("c NOOP\r\n")), [])
    }

    func testAbsurdNonSynchronisingLiteralSizeStopsTheParser() {
        var parser = IMAPCommandParser(limits: IMAPParserLimits(maxLiteralSize: 1000))
        XCTAssertEqual(parser.feed(bytes("a APPEND INBOX {99999999999999999999999+}\r\nxx\r\n")),
                       [.literalTooLarge(tag: "a", closing: true)])
        XCTAssertTrue(parser.isStopped)
    }

    func testDiscardBoundIsRespectedAfterLogin() {
        var parser = IMAPCommandParser(limits: IMAPParserLimits(maxLiteralSize: 100, maxDiscardedLiteralSize: 300))
        XCTAssertEqual(parser.feed(bytes("a APPEND INBOX {300+}\r\n" + String(repeating: "x", count: 300) + "\r\nb NOOP\r\n")),
                       [.literalTooLarge(tag: "a", closing: false), .command(TaggedCommand(tag: "b", command: .noop))])
        XCTAssertEqual(parser.feed(bytes("c APPEND INBOX {301+}\r\n")), [.literalTooLarge(tag: "c", closing: true)])
    }

    func testCappedLimits() {
        let capped = IMAPParserLimits(maxLineLength: 500, maxLiteralSize: 5000, maxCommandSize: 9000, maxDepth: 7)
            .capped(at: 1000)
        XCTAssertEqual(capped.maxLineLength, 500)
        XCTAssertEqual(capped.maxLiteralSize, 1000)
        XCTAssertEqual(capped.maxCommandSize, 1000)
        XCTAssertEqual(capped.maxDepth, 7)
        XCTAssertEqual(capped.maxDiscardedLiteralSize, 0)
    }
}

final class LiteralLimitSessionTests: IMAPSessionTestCase {
    /// An unauthenticated client announcing 100 MB gets BAD [LIMIT] at once:
    /// no `+ Ready`, nothing buffered, the session goes on.
    func testHugeSynchronisingLiteralBeforeLogin() async {
        let session = makeSession()
        let reply = await send(session, "a LOGIN {100000000}\r\n")
        XCTAssertEqual(reply, "a BAD [LIMIT] Literal larger than 65536 octets before login\r\n")
        XCTAssertFalse(session.parser.hasPartialCommand)
        await expectEqual(await send(session, "b NOOP\r\n"), "b OK NOOP completed\r\n")
    }

    /// RFC 7888 §4: a LITERAL+ over the bound before login closes the
    /// connection instead of reading (or keeping) its bytes.
    func testHugeNonSynchronisingLiteralBeforeLoginCloses() async {
        let session = makeSession()
        let out = await output(session, "a LOGIN {100000000+}\r\n" + String(repeating: "x", count: 10000))
        XCTAssertEqual(String(decoding: out.bytes, as: UTF8.self), "* BYE [LIMIT] Literal larger than 65536 octets\r\n")
        XCTAssertEqual(out.action, .close)
        XCTAssertTrue(session.parser.isStopped)
        await expectEqual(await output(session, "b NOOP\r\n"), IMAPSessionOutput(action: .close))
    }

    /// After login the literal bound is APPENDLIMIT: a larger APPEND gets
    /// `NO [TOOBIG]` without a continuation; a smaller one is asked for.
    func testAfterLoginTheBoundIsAppendLimit() async {
        var configuration = configuration(limits: IMAPParserLimits(maxLiteralSize: 200_000))
        configuration.maxCommandSizeBeforeLogin = 1000
        let session = await loggedInSession(configuration)
        await expectEqual(await send(session, "a APPEND INBOX {200001}\r\n"),
                          "a NO [TOOBIG] Literal larger than APPENDLIMIT (200000 octets)\r\n")
        await expectEqual(await send(session, "b APPEND INBOX {150000}\r\n"), "+ Ready for literal data\r\n")
        let message = "Subject: x\r\n\r\n" + String(repeating: "y", count: 150000 - 14)
        let reply = await send(session, message + "\r\n")
        XCTAssertTrue(reply.hasPrefix("b OK [APPENDUID "), reply)
        // A LITERAL+ over APPENDLIMIT (within the discard bound) is read and dropped.
        let skipped = await send(session, "c APPEND INBOX {200001+}\r\n" + String(repeating: "z", count: 200001) + "\r\nd NOOP\r\n")
        XCTAssertEqual(skipped, "c NO [TOOBIG] Literal larger than APPENDLIMIT (200000 octets)\r\nd OK NOOP completed\r\n")
    }

    /// STARTTLS starts over with the pre-login bounds.
    func testBoundsBeforeLoginAgainAfterSTARTTLS() async {
        var configuration = configuration()
        configuration.maxCommandSizeBeforeLogin = 1000
        let session = makeSession(configuration, connection: Self.remoteCleartext)
        await expectEqual(await output(session, "a STARTTLS\r\n").action, .startTLS)
        session.tlsStarted(Self.remoteTLS)
        await expectTrue(await send(session, "b LOGIN {2000}\r\n").hasPrefix("b BAD [LIMIT] "))
        await expectEqual(await send(session, "c LOGIN {17}\r\n"), "+ Ready for literal data\r\n")
    }
}
