import Foundation
import MailCore
import MailStore
import XCTest
@testable import IMAP

/// A synchronizing literal as the encoder writes it.
private func literal(_ text: String) -> String { "{\(text.utf8.count)}\r\n" + text }

/// FETCH and UID FETCH over real messages in a real store (RFC 9051
/// §6.4.5, §7.5.2; BINARY RFC 3516; CHANGEDSINCE/VANISHED RFC 7162).
final class FetchTests: MessagesTestCase {
    typealias S = MessageSamples

    /// Stores the MIME sample (seq 1) and the plain one (seq 2).
    func twoMessages() async throws -> SelectedMailbox {
        try await add(S.mime)
        try await add(S.plain, flags: [.flagged], keywords: ["$Work"])
        return try await view()
    }

    func testFlagsDateSizeUID() async throws {
        let selected = try await twoMessages()
        let size = S.plain.utf8.count
        let result = await runFetch("FETCH 2 (FLAGS INTERNALDATE RFC822.SIZE UID)", on: selected)
        XCTAssertEqual(result.output, "* 2 FETCH (FLAGS (\\Flagged $Work) INTERNALDATE \" 5-Mar-2026 12:00:00 +0000\" "
                       + "RFC822.SIZE \(size) UID 2)\r\n")
        XCTAssertEqual(result.tagged, "OK FETCH completed")
        // UID FETCH returns UID even when not asked, first.
        let uidFetch = await runFetch("UID FETCH 1:* (FLAGS)", on: selected)
        XCTAssertEqual(uidFetch.output, "* 1 FETCH (UID 1 FLAGS ())\r\n* 2 FETCH (UID 2 FLAGS (\\Flagged $Work))\r\n")
    }

    func testEnvelopeAndBodyStructureComeFromTheStoredStructure() async throws {
        let selected = try await twoMessages()
        // With every body file gone, ENVELOPE and BODYSTRUCTURE still work:
        // they never read (or reparse) the body.
        let root = directory + "/messages"
        for sub in try FileManager.default.contentsOfDirectory(atPath: root) {
            for file in try FileManager.default.contentsOfDirectory(atPath: root + "/" + sub) {
                try FileManager.default.removeItem(atPath: root + "/" + sub + "/" + file)
            }
        }
        let result = await runFetch("FETCH 2 (ENVELOPE BODY BODYSTRUCTURE)", on: selected)
        XCTAssertEqual(result.output,
                       "* 2 FETCH (ENVELOPE (\"Wed, 11 Mar 2026 08:00:00 +0000\" \"hello world\" "
                       + "((\"Bob Example\" NIL \"bob\" \"example.net\")) ((\"Bob Example\" NIL \"bob\" \"example.net\")) "
                       + "((\"Bob Example\" NIL \"bob\" \"example.net\")) ((NIL NIL \"alice\" \"example.org\")) NIL NIL NIL NIL) "
                       + "BODY (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 31 1) "
                       + "BODYSTRUCTURE (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 31 1 NIL NIL NIL NIL))\r\n")
        XCTAssertEqual(result.tagged, "OK FETCH completed")
        // A body section of a vanished file: no response (never NIL data a
        // client would cache, never a crash) and NO [EXPUNGEISSUED].
        let body = await runFetch("FETCH 1:2 (BODY.PEEK[TEXT] RFC822.SIZE)", on: selected)
        XCTAssertEqual(body.output, "")
        XCTAssertEqual(body.tagged, "NO [EXPUNGEISSUED] Some of the requested messages no longer exist")
    }

    func testWholeMessageHeaderAndText() async throws {
        let selected = try await twoMessages()
        var result = await runFetch("FETCH 1 (BODY.PEEK[])", on: selected)
        XCTAssertEqual(result.output, "* 1 FETCH (BODY[] \(literal(S.mime)))\r\n")
        result = await runFetch("FETCH 1 (BODY.PEEK[HEADER] BODY.PEEK[TEXT])", on: selected)
        XCTAssertEqual(result.output, "* 1 FETCH (BODY[HEADER] \(literal(S.mimeHeader)) BODY[TEXT] \(literal(S.mimeBody)))\r\n")
        result = await runFetch("FETCH 2 (RFC822.HEADER RFC822.TEXT)", on: selected)
        let plainHeader = String(S.plain.prefix(upTo: S.plain.range(of: "\r\n\r\n")!.upperBound))
        XCTAssertEqual(result.output, "* 2 FETCH (RFC822.HEADER \(literal(plainHeader)) "
                       + "RFC822.TEXT \(literal("Just some text, nothing else.\r\n")) FLAGS (\\Flagged \\Seen $Work))\r\n")
        result = await runFetch("FETCH 2 (RFC822)", on: selected)
        XCTAssertEqual(result.output, "* 2 FETCH (RFC822 \(literal(S.plain)))\r\n")
    }

    func testHeaderFieldsAndNot() async throws {
        let selected = try await twoMessages()
        // Names compare case-insensitively; every matching field, in message order; the empty line ends it.
        var result = await runFetch("FETCH 1 (BODY.PEEK[HEADER.FIELDS (x-TRACKING subject Nope)])", on: selected)
        let fields = "Subject: =?UTF-8?B?R3LDvMOfZSBhdXMgS8O2bG4=?=\r\nX-Tracking: abc123\r\nx-tracking: second\r\n\r\n"
        XCTAssertEqual(result.output, "* 1 FETCH (BODY[HEADER.FIELDS (x-TRACKING subject Nope)] \(literal(fields)))\r\n")
        result = await runFetch("FETCH 2 (BODY.PEEK[HEADER.FIELDS.NOT (FROM To date)])", on: selected)
        XCTAssertEqual(result.output, "* 2 FETCH (BODY[HEADER.FIELDS.NOT (FROM To date)] \(literal("Subject: hello world\r\n\r\n")))\r\n")
        // No field matches: just the empty line.
        result = await runFetch("FETCH 2 (BODY.PEEK[HEADER.FIELDS (X-None)])", on: selected)
        XCTAssertEqual(result.output, "* 2 FETCH (BODY[HEADER.FIELDS (X-None)] \(literal("\r\n")))\r\n")
    }

    func testPartsMimeAndNestedMessage() async throws {
        let selected = try await twoMessages()
        var result = await runFetch("FETCH 1 (BODY.PEEK[1] BODY.PEEK[2] BODY.PEEK[3])", on: selected)
        XCTAssertEqual(result.output, "* 1 FETCH (BODY[1] \(literal(S.textPart)) BODY[2] \(literal(S.htmlPart)) "
                       + "BODY[3] \(literal(S.attachmentPart)))\r\n")
        result = await runFetch("FETCH 1 (BODY.PEEK[1.MIME])", on: selected)
        XCTAssertEqual(result.output, "* 1 FETCH (BODY[1.MIME] "
                       + literal("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
                       + ")\r\n")
        // Part 4 is a message/rfc822: the whole message, its HEADER and TEXT, and its own parts.
        result = await runFetch("FETCH 1 (BODY.PEEK[4])", on: selected)
        XCTAssertEqual(result.output, "* 1 FETCH (BODY[4] \(literal(S.innerMessage)))\r\n")
        let innerHeader = "From: Inner Sender <inner@example.org>\r\nSubject: Inner subject\r\n"
            + "Content-Type: multipart/alternative; boundary=\"inner\"\r\n\r\n"
        result = await runFetch("FETCH 1 (BODY.PEEK[4.HEADER] BODY.PEEK[4.TEXT])", on: selected)
        XCTAssertEqual(result.output, "* 1 FETCH (BODY[4.HEADER] \(literal(innerHeader)) BODY[4.TEXT] "
                       + literal(String(S.innerMessage.dropFirst(innerHeader.count))) + ")\r\n")
        result = await runFetch("FETCH 1 (BODY.PEEK[4.HEADER.FIELDS (SUBJECT)] BODY.PEEK[4.1] BODY.PEEK[4.2.MIME])", on: selected)
        XCTAssertEqual(result.output, "* 1 FETCH (BODY[4.HEADER.FIELDS (SUBJECT)] \(literal("Subject: Inner subject\r\n\r\n")) "
                       + "BODY[4.1] \(literal("inner plain needle-inner")) BODY[4.2.MIME] \(literal("Content-Type: text/enriched\r\n\r\n")))\r\n")
        // Missing parts, and HEADER of a part that is not a message, are NIL.
        result = await runFetch("FETCH 1 (BODY.PEEK[9] BODY.PEEK[1.2] BODY.PEEK[1.HEADER] BODY.PEEK[4.3])", on: selected)
        XCTAssertEqual(result.output, "* 1 FETCH (BODY[9] NIL BODY[1.2] NIL BODY[1.HEADER] NIL BODY[4.3] NIL)\r\n")
    }

    func testPartOneOfANonMultipartIsItsBody() async throws {
        let selected = try await twoMessages()
        let result = await runFetch("FETCH 2 (BODY.PEEK[1] BODY.PEEK[2])", on: selected)
        XCTAssertEqual(result.output, "* 2 FETCH (BODY[1] \(literal("Just some text, nothing else.\r\n")) BODY[2] NIL)\r\n")
    }

    func testPartialFetchEchoesTheOrigin() async throws {
        let selected = try await twoMessages()
        var result = await runFetch("FETCH 2 (BODY.PEEK[]<0.12> BODY.PEEK[TEXT]<5.4>)", on: selected)
        XCTAssertEqual(result.output, "* 2 FETCH (BODY[]<0> \(literal("From: Bob Ex")) BODY[TEXT]<5> \(literal("some")))\r\n")
        // A length past the end is cut; an origin past the end gives an empty string.
        result = await runFetch("FETCH 2 (BODY.PEEK[1]<20.1000> BODY.PEEK[]<99999.10>)", on: selected)
        XCTAssertEqual(result.output, "* 2 FETCH (BODY[1]<20> \(literal("ing else.\r\n")) BODY[]<99999> {0}\r\n)\r\n")
        result = await runFetch("FETCH 1 (BINARY.PEEK[1]<0.5>)", on: selected)
        XCTAssertEqual(result.output, "* 1 FETCH (BINARY[1]<0> \(literal("Hallo")))\r\n")
    }

    func testBinaryDecodesTransferEncodings() async throws {
        let selected = try await twoMessages()
        var result = await runFetch("FETCH 1 (BINARY.PEEK[1] BINARY.SIZE[1])", on: selected)
        let decoded = "Hallo Welt, schöne Grüße.\r\nZweite Zeile, umbrochen wird."
        XCTAssertEqual(result.output, "* 1 FETCH (BINARY[1] \(literal(decoded)) BINARY.SIZE[1] \(decoded.utf8.count))\r\n")
        // Base64 with NUL bytes comes as literal8 (RFC 3516 §4.3).
        written.reset()
        result = await runFetch("FETCH 1 (BINARY.PEEK[3] BINARY.SIZE[3])", on: selected)
        XCTAssertEqual(written.writes.flatMap { $0 },
                       Array("* 1 FETCH (BINARY[3] ~{7}\r\n".utf8) + [0, 1, 2, 3, 4, 5, 0xFF] + Array(" BINARY.SIZE[3] 7)\r\n".utf8))
        // Latin-1 quoted-printable: the raw decoded octets, not converted.
        written.reset()
        result = await runFetch("FETCH 1 (BINARY.PEEK[2])", on: selected)
        XCTAssertEqual(written.writes.flatMap { $0 },
                       Array("* 1 FETCH (BINARY[2] {19}\r\n<p>Caf".utf8) + [0xE9] + Array(" au lait</p>)\r\n".utf8))
        // A part number that does not exist is NIL.
        result = await runFetch("FETCH 1 (BINARY.PEEK[7] BINARY.SIZE[7])", on: selected)
        XCTAssertEqual(result.output, "* 1 FETCH (BINARY[7] NIL BINARY.SIZE[7] 0)\r\n")
    }

    func testBinaryOfAnUnknownEncodingIsUnknownCTE() async throws {
        try await add(S.odd)
        let selected = try await view()
        let result = await runFetch("FETCH 1 (BINARY.PEEK[1])", on: selected)
        XCTAssertEqual(result.output, "")
        XCTAssertEqual(result.tagged, "NO [UNKNOWN-CTE] cannot decode Content-Transfer-Encoding x-uuencode")
        // BODY[] of the same part is fine: no decoding.
        let body = await runFetch("FETCH 1 (BODY.PEEK[1])", on: selected)
        XCTAssertEqual(body.output, "* 1 FETCH (BODY[1] \(literal("begin 644 file\r\n")))\r\n")
    }

    func testSeenIsSetByBodyButNotByPeek() async throws {
        let selected = try await twoMessages()
        var result = await runFetch("FETCH 1 (BODY.PEEK[1] BINARY.PEEK[1] RFC822.HEADER BINARY.SIZE[1])", on: selected)
        XCTAssertFalse(result.output.contains("FLAGS"))
        var stored = try await store.message(mailboxID: selected.mailbox.id, uid: 1)
        XCTAssertEqual(stored?.flags, [])
        // BODY[...] sets \Seen and the response carries the new FLAGS.
        result = await runFetch("FETCH 1 (BODY[3])", on: selected)
        XCTAssertEqual(result.output, "* 1 FETCH (BODY[3] \(literal(S.attachmentPart)) FLAGS (\\Seen))\r\n")
        stored = try await store.message(mailboxID: selected.mailbox.id, uid: 1)
        XCTAssertEqual(stored?.flags, [.seen])
        XCTAssertEqual(selected.message(uid: 1)?.flags, [.seen], "the view learns its own change")
        // Already seen: no FLAGS added the second time.
        result = await runFetch("FETCH 1 (BODY[3])", on: selected)
        XCTAssertEqual(result.output, "* 1 FETCH (BODY[3] \(literal(S.attachmentPart)))\r\n")
        // Asked-for FLAGS show the new state in place; keywords are kept.
        result = await runFetch("FETCH 2 (FLAGS RFC822.TEXT)", on: selected)
        XCTAssertEqual(result.output, "* 2 FETCH (FLAGS (\\Flagged \\Seen $Work) RFC822.TEXT "
                       + "\(literal("Just some text, nothing else.\r\n")))\r\n")
    }

    func testSeenWithCondstoreCarriesModSeq() async throws {
        let selected = try await twoMessages()
        let before = try await store.message(mailboxID: selected.mailbox.id, uid: 1)!.modSeq
        let result = await runFetch("UID FETCH 1 (BINARY[3])", on: selected, enabled: [.condstore])
        let after = try await store.message(mailboxID: selected.mailbox.id, uid: 1)!.modSeq
        XCTAssertGreaterThan(after, before)
        XCTAssertTrue(result.output.hasSuffix(" FLAGS (\\Seen) MODSEQ (\(after)))\r\n"), result.output)
        XCTAssertTrue(result.output.hasPrefix("* 1 FETCH (UID 1 BINARY[3] ~{7}\r\n"), result.output)
    }

    func testReadOnlyMailboxNeverSetsSeen() async throws {
        try await add(S.mime)
        let selected = try await view(readOnly: true)
        let result = await runFetch("FETCH 1 (RFC822.SIZE BODY[1.MIME] RFC822)", on: selected)
        XCTAssertFalse(result.output.contains("FLAGS"))
        let stored = try await store.message(mailboxID: selected.mailbox.id, uid: 1)
        XCTAssertEqual(stored?.flags, [])
    }

    func testModSeqAndChangedSince() async throws {
        let selected = try await twoMessages()
        let records = try await store.messages(mailboxID: selected.mailbox.id)
        var result = await runFetch("FETCH 1:2 (MODSEQ)", on: selected)
        XCTAssertEqual(result.output, "* 1 FETCH (MODSEQ (\(records[0].modSeq)))\r\n* 2 FETCH (MODSEQ (\(records[1].modSeq)))\r\n")
        // Only messages changed after the value, with MODSEQ added.
        result = await runFetch("FETCH 1:* (FLAGS) (CHANGEDSINCE \(records[0].modSeq))", on: selected)
        XCTAssertEqual(result.output, "* 2 FETCH (FLAGS (\\Flagged $Work) MODSEQ (\(records[1].modSeq)))\r\n")
        result = await runFetch("UID FETCH 1:* (FLAGS) (CHANGEDSINCE \(records[1].modSeq))", on: selected)
        XCTAssertEqual(result.output, "")
        XCTAssertEqual(result.tagged, "OK FETCH completed")
    }

    func testVanishedEarlier() async throws {
        try await add(S.plain)
        try await add(S.plain)
        try await add(S.plain)
        let box = try await inbox()
        let start = try await store.mailbox(id: box.id)!.highestModSeq
        _ = try await store.expunge(mailboxID: box.id, uids: [2])
        let selected = try await view()
        let result = await runFetch("UID FETCH 1:* (FLAGS) (CHANGEDSINCE \(start) VANISHED)", on: selected, enabled: [.qresync, .condstore])
        XCTAssertEqual(result.output, "* VANISHED (EARLIER) 2\r\n")
        // A set that does not cover the expunged UID reports nothing.
        let other = await runFetch("UID FETCH 3 (FLAGS) (CHANGEDSINCE \(start) VANISHED)", on: selected, enabled: [.qresync])
        XCTAssertEqual(other.output, "")
        // VANISHED needs UID FETCH, CHANGEDSINCE and QRESYNC.
        for line in ["FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)", "UID FETCH 1:* (FLAGS) (VANISHED)"] {
            let bad = await runFetch(line, on: selected, enabled: [.qresync])
            XCTAssertTrue(bad.tagged.hasPrefix("BAD "), line)
        }
        let withoutQresync = await runFetch("UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)", on: selected)
        XCTAssertTrue(withoutQresync.tagged.hasPrefix("BAD "))
    }

    func testInvalidSetsAndModifiers() async throws {
        let selected = try await twoMessages()
        var result = await runFetch("FETCH 3 (FLAGS)", on: selected)
        XCTAssertTrue(result.tagged.hasPrefix("BAD "), result.tagged)
        XCTAssertEqual(result.output, "")
        // UID FETCH of unknown UIDs is simply empty.
        result = await runFetch("UID FETCH 7:9 (FLAGS)", on: selected)
        XCTAssertEqual(result.output, "")
        XCTAssertEqual(result.tagged, "OK FETCH completed")
        result = await runFetch("FETCH 1 (FLAGS) (FOO)", on: selected)
        XCTAssertTrue(result.tagged.hasPrefix("BAD "), result.tagged)
    }

    func testSavedResultDollar() async throws {
        let selected = try await twoMessages()
        selected.savedSearchResult = [2]
        let result = await runFetch("FETCH $ (UID)", on: selected)
        XCTAssertEqual(result.output, "* 2 FETCH (UID 2)\r\n")
    }

    func testLargeFetchIsStreamedInBatches() async throws {
        let line = String(repeating: "x", count: 78) + "\r\n"
        let message = "Subject: big\r\n\r\n" + String(repeating: line, count: 100)
        for _ in 0..<40 { try await add(message) }
        let selected = try await view()
        let result = await runFetch("FETCH 1:* (BODY.PEEK[TEXT])", on: selected)
        let writes = written.writes
        XCTAssertGreaterThan(writes.count, 1)
        XCTAssertLessThan(writes.count, 40)
        for write in writes.dropLast() {
            XCTAssertGreaterThanOrEqual(write.count, FetchCommandHandler.writeBatchSize)
            XCTAssertLessThan(write.count, FetchCommandHandler.writeBatchSize + 9000)
        }
        // Every write ends at a response boundary.
        for write in writes { XCTAssertEqual(Array(write.suffix(3)), Array(")\r\n".utf8)) }
        XCTAssertEqual(result.output.components(separatedBy: " FETCH (BODY[TEXT] {8000}\r\n").count, 41)
        XCTAssertTrue(result.output.hasSuffix("* 40 FETCH (BODY[TEXT] {8000}\r\n" + String(repeating: line, count: 100) + ")\r\n"))
    }

    func testExtremeNumbers() async throws {
        let selected = try await twoMessages()
        var result = await runFetch("FETCH 2 (BODY.PEEK[]<4294967295.4294967295> BODY.PEEK[1.1.1.1])", on: selected)
        XCTAssertEqual(result.output, "* 2 FETCH (BODY[]<4294967295> {0}\r\n BODY[1.1.1.1] \"Just some text, nothing else.\r\n\")\r\n"
                       .replacingOccurrences(of: "\"Just some text, nothing else.\r\n\"", with: literal("Just some text, nothing else.\r\n")))
        result = await runFetch("UID FETCH 4294967295 (FLAGS) (CHANGEDSINCE 9223372036854775807)", on: selected)
        XCTAssertEqual(result.output, "")
        XCTAssertEqual(result.tagged, "OK FETCH completed")
        let search = await runSearch("SEARCH LARGER 9223372036854775807 MODSEQ 9223372036854775807 UID 4294967295", on: selected)
        XCTAssertEqual(search.lines, ["* SEARCH"])
    }

    func testClosedConnectionStopsTheFetch() async throws {
        let selected = try await twoMessages()
        var context = messagesContext()
        context.write = { _ in throw CancellationError() }
        let result = await FetchCommandHandler.fetch(.elements([.range(.number(1), .last)]), attributes: [.flags],
                                                     modifiers: [], uid: false, selected: selected, context: context)
        XCTAssertEqual(result.status, .no)
    }

    func testHostileStructureOffsetsAreClamped() {
        let message = Array("Subject: x\r\n\r\nbody".utf8)
        let root = MIMEPart(headerOffset: 0, headerSize: 5000, bodyOffset: 9000, bodySize: 10)
        XCTAssertEqual(MessageSection.data(SectionSpecifier(text: .text), nil, in: message, root: root), [])
        XCTAssertEqual(MessageSection.data(SectionSpecifier(text: .header), nil, in: message, root: root), message)
        XCTAssertEqual(MessageSection.data(SectionSpecifier(text: .headerFields(["subject"])), nil, in: message, root: root),
                       Array("Subject: x\r\n\r\n".utf8))
        let negative = MIMEPart(headerOffset: -4, headerSize: 2, bodyOffset: -1, bodySize: -3)
        XCTAssertEqual(MessageSection.data(SectionSpecifier(part: [1]), nil, in: message, root: negative), [])
    }

    func testTransferDecoding() {
        XCTAssertEqual(TransferDecoding.decode(ArraySlice("a=3D=\r\nb  \r\nc=\nd=4".utf8), encoding: "quoted-printable"),
                       Array("a=b\r\ncd=4".utf8))
        XCTAssertEqual(TransferDecoding.decode(ArraySlice("=e9=ZZ x=".utf8), encoding: "quoted-printable"),
                       [0xE9] + Array("=ZZ x".utf8))
        // Base64 with line breaks, junk and missing padding.
        XCTAssertEqual(TransferDecoding.decode(ArraySlice("SGVs\r\nbG8*gd29y\nbGQ".utf8), encoding: "base64"),
                       Array("Hello world".utf8))
        XCTAssertEqual(TransferDecoding.decode(ArraySlice("!!!".utf8), encoding: "base64"), [])
        XCTAssertEqual(TransferDecoding.decode(ArraySlice("raw".utf8), encoding: "8bit"), Array("raw".utf8))
        XCTAssertNil(TransferDecoding.decode(ArraySlice("x".utf8), encoding: "x-gzip"))
    }
}

/// FETCH and SEARCH through a whole session: parser, dispatch, streaming
/// order, and the view learning FETCH's own `\Seen` change.
final class FetchSearchSessionTests: IMAPSessionTestCase {
    func testFetchAndSearchThroughTheSession() async throws {
        try await deliver(MessageSamples.mime)
        try await deliver()
        let session = await selectedSession()
        var reply = await send(session, "F1 FETCH 1:* (UID BODY[HEADER.FIELDS (SUBJECT)])\r\n")
        XCTAssertEqual(reply, "* 1 FETCH (UID 1 BODY[HEADER.FIELDS (SUBJECT)] "
                       + literal("Subject: =?UTF-8?B?R3LDvMOfZSBhdXMgS8O2bG4=?=\r\n\r\n") + " FLAGS (\\Seen \\Recent))\r\n"
                       + "* 2 FETCH (UID 2 BODY[HEADER.FIELDS (SUBJECT)] {18}\r\nSubject: hello\r\n\r\n FLAGS (\\Seen \\Recent))\r\n"
                       + "F1 OK FETCH completed\r\n")
        // The session does not report its own \Seen change back.
        reply = await send(session, "N1 NOOP\r\n")
        XCTAssertFalse(reply.contains("FETCH"), reply)
        reply = await send(session, "S2 SEARCH RETURN (SAVE) CHARSET UTF-8 SUBJECT {7+}\r\ngrüße\r\n")
        XCTAssertTrue(reply.hasSuffix("S2 OK SEARCH completed\r\n"), reply)
        XCTAssertFalse(reply.contains("SEARCH 1"), reply)
        reply = await send(session, "F2 UID FETCH $ (FLAGS)\r\n")
        XCTAssertEqual(reply, "* 1 FETCH (UID 1 FLAGS (\\Seen \\Recent))\r\nF2 OK FETCH completed\r\n")
        reply = await send(session, "S3 UID SEARCH SEEN TEXT hello\r\n")
        XCTAssertEqual(reply, "* SEARCH 2\r\nS3 OK SEARCH completed\r\n")
    }
}
