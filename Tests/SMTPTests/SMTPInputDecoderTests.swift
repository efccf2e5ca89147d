import XCTest
@testable import SMTP

final class SMTPInputDecoderTests: XCTestCase {
    func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// Decodes `input` as DATA content, fed in pieces split at `splits`.
    func data(_ input: String, normalize: Bool = false, maximumSize: Int = 1 << 20, maximumLineLength: Int? = 1000,
              splits: [Int] = []) -> (events: [SMTPInputEvent], rest: [SMTPInputEvent]) {
        var decoder = SMTPInputDecoder()
        decoder.beginData(maximumSize: maximumSize, maximumLineLength: maximumLineLength,
                          normalizeBareLineEndings: normalize)
        let all = bytes(input)
        var events: [SMTPInputEvent] = []
        var start = 0
        for split in splits + [all.count] {
            decoder.append(Array(all[start..<split]))
            start = split
            // Only the first event is DATA; after it the decoder reads commands.
            while events.isEmpty, let event = decoder.next() { events.append(event) }
        }
        var rest: [SMTPInputEvent] = []
        while let event = decoder.next() { rest.append(event) }
        return (events, rest)
    }

    func testCommandLines() {
        var decoder = SMTPInputDecoder()
        XCTAssertEqual(decoder.receive(bytes("EHLO a\r\nMAIL FROM:<>\r\nNOOP\nRC")),
                       [.line(bytes("EHLO a")), .line(bytes("MAIL FROM:<>")), .line(bytes("NOOP"))])
        XCTAssertEqual(decoder.bufferedByteCount, 2)
        XCTAssertEqual(decoder.receive(bytes("PT TO:<a@b.example>\r\n")), [.line(bytes("RCPT TO:<a@b.example>"))])
        XCTAssertEqual(decoder.bufferedByteCount, 0)
    }

    func testCommandLineBound() {
        var decoder = SMTPInputDecoder()
        // 510 octets + CRLF = 512: accepted; 511 + CRLF: too long.
        let ok = String(repeating: "a", count: 510)
        XCTAssertEqual(decoder.receive(bytes(ok + "\r\n")), [.line(bytes(ok))])
        XCTAssertEqual(decoder.receive(bytes(String(repeating: "a", count: 511) + "\r\nNOOP\r\n")),
                       [.lineTooLong, .line(bytes("NOOP"))])
        // A line with no end is dropped as it arrives: memory stays bounded.
        for _ in 0..<1000 {
            XCTAssertEqual(decoder.receive([UInt8](repeating: 0x41, count: 4096)), [])
            XCTAssertLessThanOrEqual(decoder.bufferedByteCount, 4096)
        }
        XCTAssertEqual(decoder.receive(bytes("xx\r\nQUIT\r\n")), [.lineTooLong, .line(bytes("QUIT"))])
        // AUTH lines and SASL responses may be longer (RFC 4954 §4).
        let auth = "AUTH PLAIN " + String(repeating: "A", count: 3000)
        XCTAssertEqual(decoder.receive(bytes(auth + "\r\n")), [.line(bytes(auth))])
        decoder.allowLongLine()
        let response = String(repeating: "B", count: 3000)
        XCTAssertEqual(decoder.receive(bytes(response + "\r\n" + response + "\r\n")),
                       [.line(bytes(response)), .lineTooLong])
    }

    func testDataUnstuffingAndEnd() {
        let (events, rest) = data("Subject: x\r\n\r\n..leading dot\r\n.x\r\n...\r\nend\r\n.\r\nQUIT\r\n")
        XCTAssertEqual(events, [.message(bytes("Subject: x\r\n\r\n.leading dot\r\nx\r\n..\r\nend\r\n"))])
        XCTAssertEqual(rest, [.line(bytes("QUIT"))])
        XCTAssertEqual(data(".\r\n").events, [.message([])])
        XCTAssertEqual(data("\r\n.\r\n").events, [.message(bytes("\r\n"))])
    }

    /// SMTP smuggling (CVE-2023-51766 class): none of these end DATA.
    func testSmugglingSequencesNeverEndData() {
        let smuggled = ["\n.\n", "\r.\n", "\n.\r\n", "\r\n.\n", "\r.\r\n", "\r\n.\r", "\n.\r"]
        for sequence in smuggled {
            let input = "Subject: a\r\n\r\nbody" + sequence + "MAIL FROM:<evil@x.example>\r\n"
            for normalize in [false, true] {
                let (events, rest) = data(input, normalize: normalize)
                XCTAssertEqual(events, [], "\(sequence.debugDescription) normalize \(normalize)")
                XCTAssertEqual(rest, [], "\(sequence.debugDescription)")
            }
            // Only a real CRLF.CRLF ends it; the smuggled command is message text.
            let (events, rest) = data(input + "\r\n.\r\nNOOP\r\n")
            XCTAssertEqual(events.count, 1, sequence.debugDescription)
            guard case .messageRejected(let reason)? = events.first else { return XCTFail("accepted") }
            XCTAssertTrue(reason == .bareLineFeed || reason == .bareCarriageReturn, sequence.debugDescription)
            XCTAssertEqual(rest, [.line(bytes("NOOP"))])
            let (normalized, _) = data(input + "\r\n.\r\n", normalize: true)
            guard case .message(let body)? = normalized.first else { return XCTFail("no message") }
            let text = String(decoding: body, as: UTF8.self)
            XCTAssertTrue(text.contains("MAIL FROM:<evil@x.example>"), text.debugDescription)
            XCTAssertFalse(text.replacingOccurrences(of: "\r\n", with: "").contains("\n"), text.debugDescription)
            XCTAssertFalse(text.replacingOccurrences(of: "\r\n", with: "").contains("\r"), text.debugDescription)
        }
    }

    func testBareLineEndings() {
        XCTAssertEqual(data("a\nb\r\n.\r\n").events, [.messageRejected(.bareLineFeed)])
        XCTAssertEqual(data("a\rb\r\n.\r\n").events, [.messageRejected(.bareCarriageReturn)])
        XCTAssertEqual(data("a\nb\rc\r\n.\r\n", normalize: true).events, [.message(bytes("a\r\nb\r\nc\r\n"))])
        // After a bare LF, a dot is plain data (not stuffing, not an end).
        XCTAssertEqual(data("a\n..b\r\n.\r\n", normalize: true).events, [.message(bytes("a\r\n..b\r\n"))])
    }

    func testSizeAndLineBounds() {
        let big = String(repeating: "0123456789\r\n", count: 100)
        XCTAssertEqual(data(big + ".\r\n", maximumSize: 1200).events, [.message(bytes(big))])
        XCTAssertEqual(data(big + ".\r\nNOOP\r\n", maximumSize: 1199).events, [.messageRejected(.tooLarge)])
        XCTAssertEqual(data(big + ".\r\nNOOP\r\n", maximumSize: 1199).rest, [.line(bytes("NOOP"))])
        let line998 = String(repeating: "x", count: 998)
        XCTAssertEqual(data(line998 + "\r\n.\r\n").events, [.message(bytes(line998 + "\r\n"))])
        XCTAssertEqual(data(line998 + "x\r\n.\r\n").events, [.messageRejected(.lineTooLong)])
        XCTAssertEqual(data(line998 + "x\r\n.\r\n", maximumLineLength: nil).events,
                       [.message(bytes(line998 + "x\r\n"))])
    }

    func testOversizedDataStaysBounded() {
        var decoder = SMTPInputDecoder()
        decoder.beginData(maximumSize: 10_000, maximumLineLength: nil, normalizeBareLineEndings: false)
        let chunk = [UInt8](repeating: 0x41, count: 65536)
        for _ in 0..<64 {
            decoder.append(chunk)
            XCTAssertNil(decoder.next())
            XCTAssertEqual(decoder.bufferedByteCount, 0)
        }
        decoder.append(bytes("\r\n.\r\n"))
        XCTAssertEqual(decoder.next(), .messageRejected(.tooLarge))
    }

    /// What a message or kept chunk holds, and dropping it while it arrives
    /// (the in-flight bound): the rest is read and dropped, up to its end.
    func testHeldBytesAndDroppingAMessageAsItArrives() {
        var decoder = SMTPInputDecoder()
        XCTAssertEqual(decoder.heldMessageBytes, 0)
        decoder.beginData(maximumSize: 100_000, maximumLineLength: nil, normalizeBareLineEndings: false)
        decoder.append(bytes(String(repeating: "abcdefgh\r\n", count: 100)))
        XCTAssertNil(decoder.next())
        XCTAssertEqual(decoder.heldMessageBytes, 1000)
        decoder.dropMessage(.insufficientStorage)
        XCTAssertEqual(decoder.heldMessageBytes, 0)
        decoder.append(bytes("more\r\n.\r\nNOOP\r\n"))
        XCTAssertEqual(decoder.next(), .messageRejected(.insufficientStorage))
        XCTAssertEqual(decoder.next(), .line(bytes("NOOP")))
        // A kept BDAT chunk holds its whole declared size from the start; dropped, it comes back empty.
        decoder.beginChunk(size: 10, last: false, keep: true)
        XCTAssertEqual(decoder.heldMessageBytes, 10)
        decoder.append(bytes("01234"))
        XCTAssertNil(decoder.next())
        XCTAssertEqual(decoder.heldMessageBytes, 10)
        decoder.dropMessage(.insufficientStorage)
        XCTAssertEqual(decoder.heldMessageBytes, 0)
        decoder.append(bytes("56789RSET\r\n"))
        XCTAssertEqual(decoder.next(), .chunk([], last: false))
        XCTAssertEqual(decoder.next(), .line(bytes("RSET")))
        decoder.dropMessage(.insufficientStorage)  // nothing being read: no effect
        XCTAssertEqual(decoder.heldMessageBytes, 0)
        // A size rejection that came first stays the reason.
        decoder.beginData(maximumSize: 5, maximumLineLength: nil, normalizeBareLineEndings: false)
        decoder.append(bytes("0123456789"))
        XCTAssertNil(decoder.next())
        decoder.dropMessage(.insufficientStorage)
        decoder.append(bytes("\r\n.\r\n"))
        XCTAssertEqual(decoder.next(), .messageRejected(.tooLarge))
    }

    /// Every split point gives the same result as the whole input.
    func testEverySplitPoint() {
        let inputs = [
            "Subject: s\r\n\r\n..a\r\n.\r\r\n\n.\n\r.\r\nb\r\n.\r\nNOOP\r\n",
            "x\r\n.\r\nQUIT\r\n",
            "\r\n..\r\n.\r\n",
        ]
        for input in inputs {
            for normalize in [false, true] {
                let whole = data(input, normalize: normalize)
                for split in 0...input.utf8.count {
                    let parts = data(input, normalize: normalize, splits: [split])
                    XCTAssertEqual(parts.events, whole.events, "split \(split) of \(input.debugDescription)")
                    XCTAssertEqual(parts.rest, whole.rest, "split \(split) of \(input.debugDescription)")
                }
            }
        }
        // Byte by byte.
        let input = inputs[0]
        let whole = data(input, normalize: true)
        let byteByByte = data(input, normalize: true, splits: Array(1..<input.utf8.count))
        XCTAssertEqual(byteByByte.events, whole.events)
        XCTAssertEqual(byteByByte.rest, whole.rest)
    }

    /// Plain runs inside a line are taken whole: the first bound a run
    /// breaks is the one the octet-by-octet reading breaks first (the line
    /// bound wins a tie, as it is checked first for each octet).
    func testBoundsBrokenInsideARun() {
        // maximumLineLength 5 lets 3 octets through before CRLF; maximumSize 3 lets 3.
        XCTAssertEqual(data("xxxxx\r\n.\r\n", maximumSize: 3, maximumLineLength: 5).events,
                       [.messageRejected(.lineTooLong)])
        XCTAssertEqual(data("xxxxx\r\n.\r\n", maximumSize: 3, maximumLineLength: 6).events,
                       [.messageRejected(.tooLarge)])
        XCTAssertEqual(data("xxxxx\r\n.\r\n", maximumSize: 4, maximumLineLength: 5).events,
                       [.messageRejected(.lineTooLong)])
        XCTAssertEqual(data("xxx\r\n.\r\n", maximumSize: 5, maximumLineLength: 5).events,
                       [.message(bytes("xxx\r\n"))])
        XCTAssertEqual(data("xxx\r\n.\r\n", maximumSize: Int.max, maximumLineLength: nil).events,
                       [.message(bytes("xxx\r\n"))])
    }

    /// Random content (long plain runs, dots, bare and paired CR and LF)
    /// with bounds near its sizes: the whole input, random pieces and one
    /// octet at a time (every run one octet long) give the same events.
    func testRandomInputsGiveTheSameEventsHoweverSplit() {
        var generator = SystemRandomNumberGenerator()
        for round in 0..<300 {
            var input: [UInt8] = []
            for _ in 0..<Int.random(in: 1...12, using: &generator) {
                switch Int.random(in: 0..<6, using: &generator) {
                case 0: input += [UInt8](repeating: UInt8(ascii: "a"), count: Int.random(in: 1...40, using: &generator))
                case 1: input += bytes(".")
                case 2: input += bytes("\r\n")
                case 3: input += bytes("\r")
                case 4: input += bytes("\n")
                default: input += bytes("\r\n..b")
                }
            }
            input += bytes("\r\n.\r\nNOOP\r\n")
            let text = String(decoding: input, as: UTF8.self)
            let maximumSize = Int.random(in: 1...input.count + 5, using: &generator)
            let maximumLineLength: Int? = round % 3 == 0 ? nil : Int.random(in: 3...45, using: &generator)
            for normalize in [false, true] {
                let whole = data(text, normalize: normalize, maximumSize: maximumSize,
                                 maximumLineLength: maximumLineLength)
                let byOctet = data(text, normalize: normalize, maximumSize: maximumSize,
                                   maximumLineLength: maximumLineLength, splits: Array(1..<input.count))
                let cuts = (0..<3).map { _ in Int.random(in: 0...input.count, using: &generator) }.sorted()
                let pieces = data(text, normalize: normalize, maximumSize: maximumSize,
                                  maximumLineLength: maximumLineLength, splits: cuts)
                let label = "\(text.debugDescription) size \(maximumSize) line \(String(describing: maximumLineLength))"
                XCTAssertEqual(whole.events, byOctet.events, label)
                XCTAssertEqual(whole.rest, byOctet.rest, label)
                XCTAssertEqual(whole.events, pieces.events, label)
                XCTAssertEqual(whole.rest, pieces.rest, label)
            }
        }
    }

    func testChunks() {
        var decoder = SMTPInputDecoder()
        decoder.beginChunk(size: 12, last: false, keep: true)
        XCTAssertEqual(decoder.receive(bytes("line 1\r\n")), [])
        XCTAssertEqual(decoder.receive(bytes(".\r\nxBDAT")), [.chunk(bytes("line 1\r\n.\r\nx"), last: false)])
        XCTAssertEqual(decoder.receive(bytes(" 3 LAST\r\n")), [.line(bytes("BDAT 3 LAST"))])
        decoder.beginChunk(size: 3, last: true, keep: false)
        XCTAssertEqual(decoder.receive(bytes("\n\r.QUIT\r\n")), [.chunk([], last: true), .line(bytes("QUIT"))])
        decoder.beginChunk(size: 0, last: true, keep: true)
        XCTAssertEqual(decoder.next(), .chunk([], last: true))
        // Split at every byte.
        let payload = bytes("abc\r\n.\r\ndef")
        for split in 0...payload.count {
            var decoder = SMTPInputDecoder()
            decoder.beginChunk(size: payload.count, last: true, keep: true)
            var events = decoder.receive(Array(payload[..<split]))
            events += decoder.receive(Array(payload[split...]) + bytes("NOOP\r\n"))
            XCTAssertEqual(events, [.chunk(payload, last: true), .line(bytes("NOOP"))])
        }
    }

    func testDiscardBufferedInput() {
        var decoder = SMTPInputDecoder()
        decoder.append(bytes("STARTTLS\r\nMAIL FROM:<injected@x.example>\r\n"))
        XCTAssertEqual(decoder.next(), .line(bytes("STARTTLS")))
        decoder.discardBufferedInput()
        XCTAssertNil(decoder.next())
        XCTAssertEqual(decoder.receive(bytes("EHLO a\r\n")), [.line(bytes("EHLO a"))])
    }
}
