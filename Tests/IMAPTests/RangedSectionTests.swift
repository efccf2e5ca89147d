import Foundation
import MailCore
import MailStore
import XCTest
@testable import IMAP

/// FETCH cuts sections from excerpts read with ranged reads
/// (`MessageSection.readRange`, `MessageExcerpts`); for every section,
/// `<partial>` and BINARY part of a table of messages the result is byte
/// for byte what the whole-body extraction gave before
/// (`WholeBodySectionReference`), and a header FETCH of a large message
/// reads about the header's bytes from the store.
final class RangedSectionTests: IMAPSessionTestCase {
    static let nested = """
        From: Bob <bob@example.org>\r
        To: alice@example.org\r
        Subject: nested\r
        Date: Mon, 7 Feb 1994 21:52:25 -0800\r
        MIME-Version: 1.0\r
        Content-Type: multipart/mixed; boundary="outer"\r
        \r
        preamble\r
        --outer\r
        Content-Type: text/plain; charset=utf-8\r
        \r
        first part\r
        --outer\r
        Content-Type: multipart/alternative; boundary="inner"\r
        \r
        --inner\r
        Content-Type: text/plain\r
        Content-Transfer-Encoding: quoted-printable\r
        \r
        caf=C3=A9\r
        --inner\r
        Content-Type: text/html\r
        Content-Transfer-Encoding: base64\r
        \r
        PGI+aGk8L2I+\r
        --inner--\r
        --outer\r
        Content-Type: message/rfc822\r
        \r
        From: Carol <carol@example.org>\r
        Subject: forwarded\r
        Content-Type: multipart/mixed; boundary="fwd"\r
        \r
        --fwd\r
        Content-Type: text/plain\r
        \r
        inside the forward\r
        --fwd\r
        Content-Type: application/octet-stream\r
        Content-Transfer-Encoding: base64\r
        \r
        AAECAwQF\r
        --fwd--\r
        --outer\r
        Content-Type: application/x-unknown\r
        Content-Transfer-Encoding: x-strange\r
        \r
        opaque\r
        --outer--\r
        epilogue\r

        """

    /// The messages of the table: name and raw bytes.
    static let messages: [(String, [UInt8])] = [
        ("simple CRLF", Array(IMAPSessionTestCase.message.utf8)),
        ("simple LF only", Array("From: bob@example.org\nSubject: lf\nX-Long: folded\n  value\n\nline 1\nline 2\n".utf8)),
        ("no blank line", Array("From: bob@example.org\r\nSubject: header only\r\n".utf8)),
        ("no blank line, no final newline", Array("Subject: cut".utf8)),
        ("empty body", Array("Subject: empty\r\n\r\n".utf8)),
        ("empty message", []),
        ("nested multipart with message/rfc822", Array(nested.utf8)),
        ("nested LF only", Array(nested.replacingOccurrences(of: "\r\n", with: "\n").utf8)),
        ("message/rfc822 at the top", Array("""
            Subject: outer\r
            Content-Type: message/rfc822\r
            \r
            Subject: inner\r
            From: x@example.org\r
            \r
            inner text\r

            """.utf8)),
    ]

    static let texts: [SectionText?] = [
        nil, .header, .text, .mime, .headerFields(["FROM", "subject", "Date"]), .headerFields(["X-None"]),
        .headerFieldsNot(["subject"]),
    ]

    static let partials: [PartialRange?] = [
        nil, PartialRange(offset: 0, length: 10), PartialRange(offset: 5, length: 3),
        PartialRange(offset: 1, length: 1_000_000), PartialRange(offset: 1_000_000, length: 10),
        PartialRange(offset: 0, length: UInt32.max), PartialRange(offset: UInt32.max, length: UInt32.max),
    ]

    /// Every part path up to three levels with indexes 1...4 (missing
    /// ones included: both sides must give NIL), and the message itself.
    static let paths: [[Int]] = {
        var paths: [[Int]] = [[]]
        for a in 1...4 {
            paths.append([a])
            for b in 1...4 {
                paths.append([a, b])
                for c in 1...3 { paths.append([a, b, c]) }
            }
        }
        return paths
    }()

    /// What FETCH does: reads the merged ranges of `attributes` as excerpts
    /// (here cut from the bytes, as a ranged store read returns them).
    static func excerpts(of message: [UInt8], builder: FetchItemBuilder, root: MIMEPart) -> MessageExcerpts {
        var excerpts = MessageExcerpts(size: message.count)
        for range in MessageExcerpts.merged(builder.readRanges(root: root), size: message.count) {
            excerpts.add(range, MessageSection.slice(message, range))
        }
        return excerpts
    }

    func testRangedSectionsMatchTheWholeBodyExtraction() {
        var compared = 0
        for (name, message) in Self.messages {
            let root = ParsedMessage.parse(message).root
            for path in Self.paths {
                for text in Self.texts {
                    if path.isEmpty && text == .mime { continue }
                    let section = SectionSpecifier(part: path, text: text)
                    for partial in Self.partials {
                        let expected = WholeBodySectionReference.data(section, in: message, root: root)
                            .map { WholeBodySectionReference.partial($0, partial) }
                        let builder = FetchItemBuilder(attributes: [.bodySection(section, partial: partial, peek: true)],
                                                       uid: false)
                        let excerpts = Self.excerpts(of: message, builder: builder, root: root)
                        let ranged = MessageSection.data(section, partial, in: excerpts, root: root)
                        XCTAssertEqual(ranged, expected, "\(name): \(section) \(String(describing: partial))")
                        XCTAssertEqual(MessageSection.data(section, partial, in: message, root: root), expected,
                                       "\(name): \(section) \(String(describing: partial)) from the whole body")
                        compared += 1
                    }
                }
            }
        }
        XCTAssertGreaterThan(compared, 5000)
    }

    func testRangedBinaryMatchesTheWholeBodyExtraction() {
        for (name, message) in Self.messages {
            let root = ParsedMessage.parse(message).root
            for path in Self.paths {
                let expected: Result<[UInt8]?, UnknownTransferEncoding>
                if let source = WholeBodySectionReference.binarySource(path, in: message, root: root) {
                    if let decoded = TransferDecoding.decode(source.bytes, encoding: source.encoding) {
                        expected = .success(decoded)
                    } else {
                        expected = .failure(UnknownTransferEncoding(encoding: source.encoding))
                    }
                } else {
                    expected = .success(nil)
                }
                let builder = FetchItemBuilder(attributes: [.binary(part: path, partial: nil, peek: true)], uid: false)
                let excerpts = Self.excerpts(of: message, builder: builder, root: root)
                let ranged = Result { () throws(UnknownTransferEncoding) in
                    try FetchItemBuilder.binary(path, body: excerpts, root: root)
                }
                XCTAssertEqual(ranged, expected, "\(name): BINARY[\(path)]")
            }
        }
    }

    func testOneFetchOfSeveralSectionsReadsMergedRanges() {
        let message = Array(Self.nested.utf8)
        let root = ParsedMessage.parse(message).root
        let attributes: [FetchAttribute] = [
            .bodySection(SectionSpecifier(text: .header), partial: nil, peek: true),
            .bodySection(SectionSpecifier(text: .headerFields(["Subject"])), partial: nil, peek: true),
            .bodySection(SectionSpecifier(part: [2, 1]), partial: PartialRange(offset: 2, length: 4), peek: true),
            .rfc822Header, .rfc822Text,
            .binary(part: [2, 2], partial: nil, peek: true), .binarySize(part: [3, 1]),
        ]
        let builder = FetchItemBuilder(attributes: attributes, uid: false)
        let ranges = MessageExcerpts.merged(builder.readRanges(root: root), size: message.count)
        XCTAssertEqual(ranges.count, 1, "HEADER and TEXT touch: one read")
        XCTAssertEqual(ranges.first, 0..<message.count)
        let header = MessageExcerpts.merged(FetchItemBuilder(attributes: Array(attributes.prefix(2)), uid: false)
            .readRanges(root: root), size: message.count)
        XCTAssertEqual(header, [MessageSection.header(of: root)])
        let parsed = ParsedMessage.parse(message)
        let whole = try? FetchItemBuilder(attributes: attributes, uid: false).items(
            for: FetchSource(message: SelectedMessage(sequenceNumber: 1, uid: 1, modSeq: 1, flags: [], keywords: []), parsed: parsed, body: message))
        let excerpts = Self.excerpts(of: message, builder: builder, root: root)
        let cut = try? builder.items(
            for: FetchSource(message: SelectedMessage(sequenceNumber: 1, uid: 1, modSeq: 1, flags: [], keywords: []), parsed: parsed, body: excerpts))
        XCTAssertNotNil(whole)
        XCTAssertEqual(cut, whole)
    }

    func testHeaderFetchOfALargeMessageReadsAboutTheHeader() async throws {
        let header = "From: Bob <bob@example.org>\r\nSubject: big\r\nDate: Mon, 7 Feb 1994 21:52:25 -0800\r\n"
            + "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
        let line = String(repeating: "QUJD", count: 19) + "\r\n"
        let attachment = String(repeating: line, count: 8 * 1024 * 1024 / line.utf8.count)
        let body = header + "--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b\r\n"
            + "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            + attachment + "--b--\r\n"
        let bytes = Array(body.utf8)
        _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: bytes))
        let counting = ReadCountingStore(base: store)
        let session = await loggedInSession(on: counting)
        _ = await send(session, "s SELECT INBOX\r\n")

        counting.reset()
        let fields = await send(session, "h FETCH 1 (BODY.PEEK[HEADER.FIELDS (From Subject Date)])\r\n")
        let kept = "From: Bob <bob@example.org>\r\nSubject: big\r\nDate: Mon, 7 Feb 1994 21:52:25 -0800\r\n\r\n"
        XCTAssertTrue(fields.hasSuffix("] {\(kept.utf8.count)}\r\n\(kept))\r\nh OK FETCH completed\r\n"), fields)
        XCTAssertEqual(counting.counts.wholeBodies, 0)
        XCTAssertEqual(counting.counts.bodyBytes, 0, "answered from the header fields cached at delivery")

        counting.reset()
        let uncached = await send(session, "u FETCH 1 (BODY.PEEK[HEADER.FIELDS (From MIME-Version X-None)])\r\n")
        XCTAssertTrue(uncached.contains("From: Bob <bob@example.org>\r\nMIME-Version: 1.0\r\n\r\n)"), uncached)
        XCTAssertEqual(counting.counts.wholeBodies, 0)
        XCTAssertEqual(counting.counts.bodyBytes, header.utf8.count, "the header's bytes, of \(bytes.count)")

        counting.reset()
        let parts = await send(session, "p FETCH 1 (BODY.PEEK[1.MIME] BODY.PEEK[1] BODY.PEEK[2]<0.8> BINARY.PEEK[2]<3.3>)\r\n")
        XCTAssertEqual(parts, "* 1 FETCH (BODY[1.MIME] {28}\r\nContent-Type: text/plain\r\n\r\n BODY[1] {5}\r\nhello"
            + " BODY[2]<0> {8}\r\nQUJDQUJD BINARY[2]<3> {3}\r\nABC)\r\np OK FETCH completed\r\n")
        XCTAssertEqual(counting.counts.wholeBodies, 0)
        XCTAssertGreaterThan(counting.counts.bodyBytes, bytes.count - 1024, "BINARY decodes its whole part")

        counting.reset()
        let partial = await send(session, "q FETCH 1 (BODY.PEEK[HEADER] BODY.PEEK[TEXT]<0.5> BODY.PEEK[]<2.4>)\r\n")
        XCTAssertTrue(partial.hasSuffix(" BODY[TEXT]<0> {5}\r\n--b\r\n BODY[]<2> {4}\r\nom: )\r\nq OK FETCH completed\r\n"),
                      partial)
        XCTAssertEqual(counting.counts.wholeBodies, 0)
        XCTAssertEqual(counting.counts.bodyBytes, header.utf8.count + 5, "HEADER and TEXT<0.5> touch: one read")

        counting.reset()
        let whole = await send(session, "w FETCH 1 (RFC822.SIZE BODY.PEEK[])\r\n")
        XCTAssertTrue(whole.hasPrefix("* 1 FETCH (RFC822.SIZE \(bytes.count) BODY[] {\(bytes.count)}\r\n"),
                      String(whole.prefix(80)))
        XCTAssertEqual(counting.counts.wholeBodies, 0, "BODY[] is streamed in ranged reads")
        XCTAssertEqual(counting.counts.bodyBytes, bytes.count)
        XCTAssertLessThanOrEqual(counting.counts.largestRangedRead, FetchItemBuilder.streamThreshold)
    }

    /// The header sections of a batch of messages come from one store call
    /// (`messageBodies`), not one per message; the answers are the same.
    func testHeaderFetchOfManyMessagesReadsTheirRangesInOneCall() async throws {
        for index in 1...40 {
            let body = "From: Bob <bob@example.org>\r\nSubject: number \(index)\r\nX-Long: "
                + String(repeating: "x", count: index * 50) + "\r\n\r\nBody \(index)\r\n"
            _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: Array(body.utf8)))
        }
        _ = try await store.expunge(mailboxID: inbox.id, uids: [])
        let counting = ReadCountingStore(base: store)
        let session = await loggedInSession(on: counting)
        _ = await send(session, "s SELECT INBOX\r\n")
        counting.reset()
        let batched = await send(session, "h FETCH 1:40 (BODY.PEEK[HEADER.FIELDS (Subject)] BODY.PEEK[TEXT]<0.4>)\r\n")
        XCTAssertTrue(batched.hasSuffix("h OK FETCH completed\r\n"), String(batched.suffix(200)))
        for index in [1, 17, 40] {
            let fields = "Subject: number \(index)\r\n\r\n"
            XCTAssertTrue(batched.contains("* \(index) FETCH (BODY[HEADER.FIELDS (Subject)] {\(fields.utf8.count)}\r\n"
                                           + fields), "message \(index)")
            XCTAssertTrue(batched.contains("Subject: number \(index)\r\n\r\n BODY[TEXT]<0> {4}\r\nBody)"),
                          "message \(index)")
        }
        XCTAssertEqual(counting.counts.bodyCalls, 1, "one call for the batch")
        XCTAssertEqual(counting.counts.layoutsByUID, 40, "top-level sections need only the layouts")
        XCTAssertEqual(counting.counts.recordsByUID, 0, "no structure decoded")
        XCTAssertEqual(counting.counts.wholeBodies, 0)
        // The same answers as one read per message (a single message is not batched).
        for index in [1, 17, 40] {
            let single = await send(session, "o FETCH \(index) (BODY.PEEK[HEADER.FIELDS (Subject)] BODY.PEEK[TEXT]<0.4>)\r\n")
            let response = single.components(separatedBy: "o OK")[0]
            XCTAssertTrue(batched.contains(response), response)
        }
    }
}
