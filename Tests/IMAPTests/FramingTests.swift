import XCTest
import MailStoreTestSupport
@testable import IMAP

/// The incremental framer: literals, continuation requests, modes, limits.
final class FramingTests: XCTestCase {
    let login = "a1 LOGIN {4}\r\nfred {6}\r\nsecret\r\nb2 NOOP\r\n"

    func testSynchronisingLiteralsAskForContinuation() {
        var parser = IMAPCommandParser()
        XCTAssertEqual(parser.feed(bytes("a1 LOGIN {4}\r\n")), [.needsContinuation])
        XCTAssertTrue(parser.hasPartialCommand)
        XCTAssertEqual(parser.feed(bytes("fr")), [])
        XCTAssertEqual(parser.feed(bytes("ed {6}\r\n")), [.needsContinuation])
        XCTAssertEqual(parser.feed(bytes("secret\r\n")),
                       [.command(TaggedCommand(tag: "a1", command: .login(user: bytes("fred"), password: bytes("secret"))))])
        XCTAssertFalse(parser.hasPartialCommand)
    }

    func testEveryByteSplitGivesTheSameEvents() {
        let input = bytes(login + "c3 APPEND INBOX (\\Seen) {5+}\r\nab\r\nc\r\n")
        var whole = IMAPCommandParser()
        let expected = whole.feed(input)
        XCTAssertEqual(expected.count, 5)
        for split in 0...input.count {
            var parser = IMAPCommandParser()
            let got = parser.feed(Array(input[..<split])) + parser.feed(Array(input[split...]))
            XCTAssertEqual(got, expected, "split at \(split)")
        }
        // And one byte at a time.
        var parser = IMAPCommandParser()
        var got: [IMAPParserEvent] = []
        for byte in input { got += parser.feed([byte]) }
        XCTAssertEqual(got, expected)
    }

    func testNonSynchronisingLiteralNeedsNoContinuation() {
        let result = events("a LOGIN {4+}\r\nfred {6+}\r\nsecret\r\n")
        XCTAssertEqual(result, [.command(TaggedCommand(tag: "a", command: .login(user: bytes("fred"), password: bytes("secret"))))])
    }

    func testEmptyLiteralAndLiteralWithCRLFInside() {
        XCTAssertEqual(events("a LOGIN {0}\r\n {2}\r\n\r\n\r\n"),
                       [.needsContinuation, .needsContinuation,
                        .command(TaggedCommand(tag: "a", command: .login(user: [], password: [0x0D, 0x0A])))])
    }

    func testBareLineFeedIsAccepted() {
        XCTAssertEqual(events("a NOOP\n"), [.command(TaggedCommand(tag: "a", command: .noop))])
        XCTAssertEqual(events("\r\n\r\na NOOP\r\n"), [.command(TaggedCommand(tag: "a", command: .noop))])
    }

    func testIdleMode() {
        var parser = IMAPCommandParser()
        parser.append(bytes("a IDLE\r\nDONE\r\nb NOOP\r\n"))
        XCTAssertEqual(parser.nextEvent(), .command(TaggedCommand(tag: "a", command: .idle)))
        parser.mode = .idle
        XCTAssertEqual(parser.nextEvent(), .idleDone)
        parser.mode = .commands
        XCTAssertEqual(parser.nextEvent(), .command(TaggedCommand(tag: "b", command: .noop)))
        XCTAssertNil(parser.nextEvent())
        parser.mode = .idle
        XCTAssertEqual(parser.feed(bytes("done\r\nNOOP\r\n")), [.idleDone, .error(tag: nil, message: "expected DONE")])
    }

    func testAuthenticationLines() {
        var parser = IMAPCommandParser()
        parser.append(bytes("a AUTHENTICATE PLAIN\r\nAGZyZWQAc2VjcmV0\r\nb NOOP\r\n"))
        XCTAssertEqual(parser.nextEvent(), .command(TaggedCommand(tag: "a", command: .authenticate(mechanism: "PLAIN", initialResponse: nil))))
        parser.mode = .authentication
        XCTAssertEqual(parser.nextEvent(), .authenticationLine(bytes("AGZyZWQAc2VjcmV0")))
        parser.mode = .commands
        XCTAssertEqual(parser.nextEvent(), .command(TaggedCommand(tag: "b", command: .noop)))
    }

    func testMalformedCommandsKeepTheParserUsable() {
        let cases: [(String, String?)] = [
            ("a1 FETCH 1 (FLAGS", "a1"),            // unbalanced parentheses
            ("a2 FETCH 1 FLAGS)", "a2"),
            ("a3 SEARCH (SEEN (DRAFT)", "a3"),
            ("a4 LOGIN {abc}", "a4"),                // bad literal
            ("a5 FETCH 0 FLAGS", "a5"),              // bad sequence sets
            ("a6 FETCH 1: FLAGS", "a6"),
            ("a7 FETCH *:*:* FLAGS", "a7"),
            ("a8 FETCH 1,,2 FLAGS", "a8"),
            ("a9 FROBNICATE", "a9"),
            ("b1 SELECT", "b1"),
            ("b2 LOGIN \"unterminated", "b2"),
            ("b3 LOGIN \"bad\\escape\" x", "b3"),
            ("b4 SEARCH SINCE 32-Foo-2020", "b4"),
            ("b5 STORE 1 FLAGS.LOUD (\\Seen)", "b5"),
            ("b6 FETCH 1 BODY[1.MIMEX]", "b6"),
            ("b7 FETCH 1 BODY[MIME]", "b7"),
            ("b8 APPEND INBOX", "b8"),
            ("b9 NOOP extra", "b9"),
            ("c1 FETCH 4294967296 FLAGS", "c1"),
            ("+bad NOOP", nil),
            ("(x NOOP", nil),
            ("onlytag", "onlytag"),
        ]
        var parser = IMAPCommandParser()
        for (line, tag) in cases {
            let result = parser.feed(bytes(line + "\r\n"))
            guard result.count == 1, case .error(let gotTag, let message) = result[0] else {
                XCTFail("\(line): \(result)")
                continue
            }
            XCTAssertEqual(gotTag, tag, line)
            XCTAssertFalse(message.isEmpty)
            XCTAssertEqual(parser.feed(bytes("z NOOP\r\n")), [.command(TaggedCommand(tag: "z", command: .noop))], line)
        }
    }

    func testHugeLiteralIsRefused() {
        var parser = IMAPCommandParser(limits: IMAPParserLimits(maxLiteralSize: 1000))
        XCTAssertEqual(parser.feed(bytes("a APPEND INBOX {99999999999}\r\n")), [.literalTooLarge(tag: "a", closing: false)])
        XCTAssertEqual(parser.feed(bytes("b APPEND INBOX {1001}\r\n")), [.literalTooLarge(tag: "b", closing: false)])
        XCTAssertEqual(parser.feed(bytes("c APPEND INBOX {9999999999999999999999999}\r\n")), [.literalTooLarge(tag: "c", closing: false)])
        XCTAssertEqual(parser.feed(bytes("z NOOP\r\n")), [.command(TaggedCommand(tag: "z", command: .noop))])
        // A non-synchronising literal's bytes arrive anyway and are dropped.
        let data = String(repeating: "x", count: 1500)
        XCTAssertEqual(parser.feed(bytes("d APPEND INBOX {1500+}\r\n" + data + " rest\r\ny NOOP\r\n")),
                       [.literalTooLarge(tag: "d", closing: false), .command(TaggedCommand(tag: "y", command: .noop))])
    }

    func testCommandSizeBound() {
        var parser = IMAPCommandParser(limits: IMAPParserLimits(maxLiteralSize: 100, maxCommandSize: 150))
        XCTAssertEqual(parser.feed(bytes("a APPEND INBOX {90+}\r\n" + String(repeating: "x", count: 90) + " {90}\r\n")),
                       [.literalTooLarge(tag: "a", closing: false)])
        XCTAssertEqual(parser.feed(bytes("z NOOP\r\n")), [.command(TaggedCommand(tag: "z", command: .noop))])
    }

    func testOverlongLines() {
        var parser = IMAPCommandParser(limits: IMAPParserLimits(maxLineLength: 100))
        let long = "a1 SEARCH SUBJECT " + String(repeating: "x", count: 200)
        XCTAssertEqual(parser.feed(bytes(long + "\r\n")), [.error(tag: "a1", message: "line too long")])
        // Arriving in pieces without a line end: one error, the rest is discarded.
        var got: [IMAPParserEvent] = []
        got += parser.feed(bytes("a2 NOOP "))
        for _ in 0..<50 { got += parser.feed(bytes(String(repeating: "y", count: 64))) }
        got += parser.feed(bytes("\r\nz NOOP\r\n"))
        XCTAssertEqual(got, [.error(tag: "a2", message: "line too long"), .command(TaggedCommand(tag: "z", command: .noop))])
    }

    func testNulBytesOutsideLiterals() {
        var parser = IMAPCommandParser()
        XCTAssertEqual(parser.feed(bytes("a LOGIN fr\0ed x\r\n")), [.error(tag: "a", message: "NUL byte in command")])
        XCTAssertEqual(parser.feed(bytes("b LOGIN {3}\r\na\0b x\r\n")).last, .error(tag: "b", message: "NUL in literal"))
        XCTAssertEqual(parser.feed(bytes("z NOOP\r\n")), [.command(TaggedCommand(tag: "z", command: .noop))])
    }

    func testNestingDepthBound() {
        let deep = String(repeating: "(", count: 40) + "SEEN" + String(repeating: ")", count: 40)
        XCTAssertEqual(rejection("a SEARCH " + deep)?.1, "parentheses nested too deeply")
        let ok = String(repeating: "(", count: 10) + "SEEN" + String(repeating: ")", count: 10)
        XCTAssertNotNil(command("a SEARCH " + ok))
    }

    func testGarbageNeverCrashes() {
        var generator = SeededGenerator(seed: 9051)
        let alphabet = bytes("a1 ()[]{}<>~+*%$:,.\"\\ \r\n0123456789FETCHBODYSEARCHOR\0\u{7F}") + [0xFF, 0xC3]
        var parser = IMAPCommandParser(limits: IMAPParserLimits(maxLineLength: 512, maxLiteralSize: 256))
        for _ in 0..<300 {
            let chunk = (0..<Int.random(in: 1...200, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }
            _ = parser.feed(chunk)
        }
        // Whatever state it is in, a line end and a new command get through eventually.
        parser.mode = .commands
        var recovered = false
        for _ in 0..<600 where !recovered {
            recovered = parser.feed(bytes("\r\nz NOOP\r\n")).contains(.command(TaggedCommand(tag: "z", command: .noop)))
        }
        XCTAssertTrue(recovered)
    }
}
