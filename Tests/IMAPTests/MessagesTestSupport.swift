import Foundation
import Logging
import MailCore
import MailStore
import Synchronization
import XCTest
@testable import IMAP

/// Collects what a handler streams through `CommandContext.write`.
final class WrittenBytes: Sendable {
    private let storage = Mutex<[[UInt8]]>([])

    func append(_ bytes: [UInt8]) { storage.withLock { $0.append(bytes) } }

    /// Every write, in order.
    var writes: [[UInt8]] { storage.withLock { $0 } }

    /// Everything written, as text.
    var text: String { String(decoding: writes.flatMap { $0 }, as: UTF8.self) }

    func reset() { storage.withLock { $0.removeAll() } }
}

/// Real messages in a real `SQLiteMailStore` in a temporary directory, for
/// the FETCH and SEARCH tests; removed afterwards.
class MessagesTestCase: XCTestCase {
    var directory = ""
    var store: SQLiteMailStore!
    var account: Account!
    let written = WrittenBytes()

    override func setUp() async throws {
        directory = NSTemporaryDirectory() + "tern-imap-messages-" + UUID().uuidString
        var logger = Logger(label: "test.imap.messages")
        logger.logLevel = .critical
        store = try SQLiteMailStore(directory: directory, logger: logger)
        account = try await store.createAccount(address: "alice@example.org", passwordHash: "$6$x$y")
        written.reset()
    }

    override func tearDown() async throws {
        try? await store?.close()
        store = nil
        try? FileManager.default.removeItem(atPath: directory)
    }

    func messagesContext(_ enabled: EnabledExtensions = []) -> CommandContext {
        var logger = Logger(label: "test.imap.messages")
        logger.logLevel = .critical
        let sink = written
        return CommandContext(store: store, account: account, enabled: enabled, logger: logger,
                              write: { sink.append($0) }, maxMessageSize: 1 << 20)
    }

    func inbox() async throws -> Mailbox {
        let found = try await store.mailbox(accountID: account.id, name: "INBOX")
        return try XCTUnwrap(found)
    }

    @discardableResult
    func add(_ message: String, flags: MessageFlags = [], keywords: [String] = [],
               date: MailDate = MessageSamples.defaultDate) async throws -> MessageRecord {
        try await addBytes(Array(message.utf8), flags: flags, keywords: keywords, date: date)
    }

    @discardableResult
    func addBytes(_ message: [UInt8], flags: MessageFlags = [], keywords: [String] = [],
                    date: MailDate = MessageSamples.defaultDate) async throws -> MessageRecord {
        let internalDate = Date(timeIntervalSince1970: TimeInterval(date.secondsSinceEpoch))
        return try await store.appendMessage(mailboxID: try await inbox().id,
            NewMessage(body: message, flags: flags, keywords: keywords, internalDate: internalDate))
    }

    /// `count` messages with flags and keywords in repeating patterns (five
    /// flag sets, four keyword lists), then `\Flagged` and the keyword
    /// `later` added to the messages at `later` (0-based), so those carry
    /// newer MODSEQs. For tests comparing a fast path with the general one.
    func addFlagPatternMessages(_ count: Int, later: [Int]) async throws -> [MessageRecord] {
        let keywordSets: [[String]] = [[], ["$Forwarded"], ["$Junk", "project-x"], []]
        let flagSets: [MessageFlags] = [[], .seen, [.seen, .flagged], [.answered, .deleted, .draft], .seen]
        var records: [MessageRecord] = []
        for index in 0..<count {
            records.append(try await add("Subject: m\(index)\r\n\r\nbody \(index)\r\n",
                                         flags: flagSets[index % flagSets.count],
                                         keywords: keywordSets[index % keywordSets.count]))
        }
        _ = try await store.updateFlags(mailboxID: try await inbox().id, uids: later.map { records[$0].uid },
                                        operation: .add, flags: .flagged, keywords: ["later"])
        return records
    }

    func view(readOnly: Bool = false) async throws -> SelectedMailbox {
        let box = try await inbox()
        return SelectedMailbox(mailbox: box, messages: try await store.messageSummaries(mailboxID: box.id),
                               isReadOnly: readOnly)
    }

    /// Runs a FETCH command line (`FETCH 1 (FLAGS)` or `UID FETCH ...`)
    /// through the real parser and the handler; returns what was streamed
    /// and the tagged line (`OK FETCH completed`).
    func runFetch(_ line: String, on selected: SelectedMailbox, enabled: EnabledExtensions = [],
                  file: StaticString = #filePath, line number: UInt = #line) async -> (output: String, tagged: String) {
        written.reset()
        guard case .fetch(let set, let attributes, let modifiers, let uid)? = command("A " + line, file: file, line: number) else {
            XCTFail("not a FETCH: \(line)", file: file, line: number)
            return ("", "")
        }
        let result = await FetchCommandHandler.fetch(set, attributes: attributes, modifiers: modifiers, uid: uid,
                                                     selected: selected, context: messagesContext(enabled))
        XCTAssertTrue(result.untagged.isEmpty, "FETCH data must be streamed", file: file, line: number)
        return (written.text, Self.tagged(result))
    }

    /// Runs a SEARCH command line through the parser and the handler;
    /// returns the untagged lines and the tagged line.
    func runSearch(_ line: String, on selected: SelectedMailbox, enabled: EnabledExtensions = [],
                   file: StaticString = #filePath, line number: UInt = #line) async -> (lines: [String], tagged: String) {
        guard case .search(let search, let uid)? = command("A " + line, file: file, line: number) else {
            XCTFail("not a SEARCH: \(line)", file: file, line: number)
            return ([], "")
        }
        let result = await SearchCommandHandler.search(search, uid: uid, tag: "A", selected: selected,
                                                       context: messagesContext(enabled))
        let lines = result.untagged.map { response in
            String(String(decoding: IMAPResponseEncoder.encode(.untagged(response)).dropLast(2), as: UTF8.self))
        }
        return (lines, Self.tagged(result))
    }

    /// Just the matching numbers of a rev1 `* SEARCH` (fails otherwise).
    func searchNumbers(_ criteria: String, on selected: SelectedMailbox, uid: Bool = false,
                       file: StaticString = #filePath, line: UInt = #line) async -> String {
        let result = await runSearch((uid ? "UID SEARCH " : "SEARCH ") + criteria, on: selected, file: file, line: line)
        XCTAssertEqual(result.tagged, "OK SEARCH completed", criteria, file: file, line: line)
        guard result.lines.count == 1, result.lines[0].hasPrefix("* SEARCH") else {
            XCTFail("unexpected \(result.lines) for \(criteria)", file: file, line: line)
            return ""
        }
        return String(result.lines[0].dropFirst("* SEARCH".count)).trimmingCharacters(in: .whitespaces)
    }

    static func tagged(_ result: CommandResult) -> String {
        let line = String(decoding: IMAPResponseEncoder.encode(.tagged(tag: "A", result.status, result.text)), as: UTF8.self)
        return String(line.dropFirst(2).dropLast(1))
    }
}

/// Sample messages with known bytes.
enum MessageSamples {
    static let defaultDate = MailDate(year: 2026, month: 3, day: 5, hour: 12)!

    /// multipart/mixed: 1 text/plain (quoted-printable UTF-8), 2 text/html
    /// (quoted-printable Latin-1), 3 a base64 attachment with NUL bytes,
    /// 4 a message/rfc822 with its own multipart/alternative; RFC 2047 subject and From.
    static let textPart = "Hallo Welt, sch=C3=B6ne Gr=C3=BC=C3=9Fe.\r\nZweite Zeile, umbrochen =\r\nwird."
    static let htmlPart = "<p>Caf=E9 au lait</p>"
    static let attachmentPart = "AAECAwQF/w=="
    static let innerMessage = [
        "From: Inner Sender <inner@example.org>",
        "Subject: Inner subject",
        "Content-Type: multipart/alternative; boundary=\"inner\"",
        "",
        "--inner",
        "Content-Type: text/plain",
        "",
        "inner plain needle-inner",
        "--inner",
        "Content-Type: text/enriched",
        "",
        "inner enriched",
        "--inner--",
        "",
    ].joined(separator: "\r\n")
    static let mimeHeader = [
        "From: =?UTF-8?Q?J=C3=B6rg_M=C3=BCller?= <joerg@example.org>",
        "To: Alice <alice@example.org>, bob@example.net",
        "Cc: carol@example.com",
        "Bcc: dave@example.com",
        "Subject: =?UTF-8?B?R3LDvMOfZSBhdXMgS8O2bG4=?=",
        "Date: Tue, 3 Mar 2026 23:30:00 -0500",
        "Message-ID: <m1@example.org>",
        "X-Tracking: abc123",
        "x-tracking: second",
        "MIME-Version: 1.0",
        "Content-Type: multipart/mixed; boundary=\"outer\"",
        "",
        "",
    ].joined(separator: "\r\n")
    static let mimeBody = [
        "This is a MIME message.",
        "--outer",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: quoted-printable",
        "",
        textPart,
        "--outer",
        "Content-Type: text/html; charset=iso-8859-1",
        "Content-Transfer-Encoding: Quoted-Printable",
        "",
        htmlPart,
        "--outer",
        "Content-Type: application/octet-stream; name=\"data.bin\"",
        "Content-Transfer-Encoding: base64",
        "Content-Disposition: attachment; filename=\"data.bin\"",
        "",
        attachmentPart,
        "--outer",
        "Content-Type: message/rfc822",
        "",
        innerMessage,
        "--outer--",
        "",
    ].joined(separator: "\r\n")
    static let mime = mimeHeader + mimeBody

    /// A plain RFC 822 message without MIME headers.
    static let plain = [
        "From: Bob Example <bob@example.net>",
        "To: alice@example.org",
        "Subject: hello world",
        "Date: Wed, 11 Mar 2026 08:00:00 +0000",
        "",
        "Just some text, nothing else.",
        "",
    ].joined(separator: "\r\n")

    /// No Date header, a header field with an empty value, an unknown
    /// transfer encoding.
    static let odd = [
        "From: carol@example.com",
        "Subject: =?ISO-8859-1?Q?caf=E9?= menu",
        "X-Empty:",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: x-uuencode",
        "",
        "begin 644 file",
        "",
    ].joined(separator: "\r\n")
}
