import Foundation
import MailCore
@testable import MailStore
import MailStoreTestSupport
import XCTest
@testable import IMAP

/// FETCH of HEADER.FIELDS that name only cached fields (`CachedHeaderFields`)
/// is answered from what the store kept at delivery, with no body read,
/// and gives the bytes the message's own header gives.
final class CachedHeaderFieldsFetchTests: IMAPSessionTestCase {
    /// Field names, cached and not, in the cases clients write them.
    static let names = ["From", "FROM", "Subject", "subject", "Date", "To", "Cc", "Message-ID", "References",
                        "Content-Type", "List-Id", "X-Mailer", "Received", "X-Spam", "DKIM-Signature"]

    /// A header of random fields: folded, repeated, bare LF or CRLF line
    /// ends, lines that are no field, no final line end.
    static func randomHeader(_ random: inout SeededGenerator) -> String {
        var header = ""
        for _ in 0..<Int.random(in: 0...12, using: &random) {
            let end = Bool.random(using: &random) ? "\r\n" : "\n"
            switch Int.random(in: 0..<10, using: &random) {
            case 0: header += "not a field" + end
            case 1: header += " a continuation" + end
            default:
                let name = names.randomElement(using: &random)!
                let space = Int.random(in: 0..<8, using: &random) == 0 ? " " : ""
                header += "\(name)\(space): value \(Int.random(in: 0..<100, using: &random))" + end
                if Bool.random(using: &random) { header += "\tfolded" + end }
            }
        }
        if Bool.random(using: &random) { header += "\r\nthe body\r\n" } else if header.hasSuffix("\n") {
            header.removeLast()
        }
        return header
    }

    /// The cached fields answer every request for cached names with the
    /// bytes the whole header gives (the reference extraction).
    func testCachedFieldsGiveWhatTheHeaderGives() {
        var random = SeededGenerator(seed: 0xCAC4E)
        var compared = 0
        for _ in 0..<400 {
            let message = Array(Self.randomHeader(&random).utf8)
            let root = ParsedMessage.parse(message).root
            guard let cached = CachedHeaderFields.extract(
                fromHeader: MessageSection.slice(message, MessageSection.header(of: root))) else {
                XCTFail("a short header is always cached")
                continue
            }
            for _ in 0..<5 {
                let requested = (0..<Int.random(in: 1...4, using: &random)).map { _ in
                    Self.names.randomElement(using: &random)!
                }
                guard CachedHeaderFields.covers(.only(requested)) else { continue }
                let section = SectionSpecifier(text: .headerFields(requested))
                let expected = WholeBodySectionReference.data(section, in: message, root: root)
                XCTAssertEqual(HeaderFieldFilter.only(requested).apply(to: cached), expected,
                               "\(requested) of \(String(decoding: message, as: UTF8.self).debugDescription)")
                compared += 1
            }
        }
        XCTAssertGreaterThan(compared, 500)
    }

    func testListFetchReadsNoBodyAndAnswersAsTheFilesDo() async throws {
        for index in 1...30 {
            let body = "Received: from relay\r\nFrom: Bob <bob@example.org>\r\nSubject: number \(index)\r\n"
                + "X-Mailer: m\r\nDate: Mon, 7 Feb 1994 21:52:25 -0800\r\nSubject: again\r\n\r\nBody \(index)\r\n"
            _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: Array(body.utf8)))
        }
        let counting = ReadCountingStore(base: store)
        let session = await loggedInSession(on: counting)
        _ = await send(session, "s SELECT INBOX\r\n")
        let commands = [
            "UID FETCH 1:* (UID FLAGS BODY.PEEK[HEADER.FIELDS (from SUBJECT Date)])",
            "FETCH 2:5 (RFC822.SIZE BODY.PEEK[HEADER.FIELDS (Subject)]<8.20> INTERNALDATE)",
            "FETCH 7 (BODY.PEEK[HEADER.FIELDS (Message-ID)])",
        ]
        var cachedAnswers: [String] = []
        for command in commands {
            counting.reset()
            let answer = await send(session, "c \(command)\r\n")
            XCTAssertTrue(answer.hasSuffix("c OK FETCH completed\r\n"), answer)
            XCTAssertEqual(counting.counts.bodyCalls, 0, command)
            XCTAssertEqual(counting.counts.wholeBodies, 0, command)
            XCTAssertEqual(counting.counts.bodyBytes, 0, command)
            XCTAssertGreaterThan(counting.counts.cachedHeaderFieldsByUID, 0, command)
            cachedAnswers.append(answer)
        }
        XCTAssertTrue(cachedAnswers[0].contains(
            "BODY[HEADER.FIELDS (from SUBJECT Date)] {104}\r\nFrom: Bob <bob@example.org>\r\nSubject: number 3\r\n"
            + "Date: Mon, 7 Feb 1994 21:52:25 -0800\r\nSubject: again\r\n\r\n)"), cachedAnswers[0])

        // A field that is not cached: the header is read from the file.
        counting.reset()
        let uncached = await send(session, "u FETCH 1 (BODY.PEEK[HEADER.FIELDS (From X-Mailer)])\r\n")
        XCTAssertTrue(uncached.contains("From: Bob <bob@example.org>\r\nX-Mailer: m\r\n\r\n)"), uncached)
        XCTAssertEqual(counting.counts.cachedHeaderFieldsByUID, 0)
        XCTAssertGreaterThan(counting.counts.bodyBytes, 0)

        // Messages stored without cached fields (an older version) are read
        // from their files, with the same answers.
        try await store.write { db in try db.execute(sql: "UPDATE message SET cached_header_fields = NULL") }
        for (command, cached) in zip(commands, cachedAnswers) {
            counting.reset()
            let answer = await send(session, "c \(command)\r\n")
            XCTAssertEqual(answer, cached, command)
            XCTAssertGreaterThan(counting.counts.bodyBytes, 0, command)
        }
    }

    /// Without PEEK the cached answer still sets `\Seen` and reports it.
    func testCachedFetchWithoutPeekSetsSeen() async throws {
        _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: Array(Self.message.utf8)))
        let session = await loggedInSession()
        _ = await send(session, "s SELECT INBOX\r\n")
        let answer = await send(session, "f FETCH 1 (BODY[HEADER.FIELDS (Subject)])\r\n")
        XCTAssertEqual(answer, "* 1 FETCH (BODY[HEADER.FIELDS (Subject)] {18}\r\nSubject: hello\r\n\r\n"
            + " FLAGS (\\Seen \\Recent))\r\nf OK FETCH completed\r\n")
    }
}
