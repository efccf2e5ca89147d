import Foundation
import Logging
import MailCore
import MailStore
import XCTest
@testable import IMAP

/// A real `SQLiteMailStore` in a fresh temporary directory with one
/// account, for the selected-mailbox tests; removed afterwards.
class SelectedTestCase: XCTestCase {
    var directory = ""
    var store: SQLiteMailStore!
    var account: Account!

    override func setUp() async throws {
        directory = NSTemporaryDirectory() + "tern-imap-selected-" + UUID().uuidString
        var logger = Logger(label: "test.imap.selected")
        logger.logLevel = .critical
        store = try SQLiteMailStore(directory: directory, logger: logger)
        account = try await store.createAccount(address: "alice@example.org", passwordHash: "$6$x$y")
    }

    override func tearDown() async throws {
        try? await store?.close()
        store = nil
        try? FileManager.default.removeItem(atPath: directory)
    }

    func context(_ enabled: EnabledExtensions = []) -> CommandContext {
        var logger = Logger(label: "test.imap.selected")
        logger.logLevel = .critical
        return CommandContext(store: store, account: account, enabled: enabled, logger: logger,
                              write: { _ in }, maxMessageSize: 1 << 20)
    }

    func mailbox(_ name: String = "INBOX") async throws -> Mailbox {
        let found = try await store.mailbox(accountID: account.id, name: name)
        return try XCTUnwrap(found, "mailbox \(name)")
    }

    /// Appends a small message; returns its record.
    @discardableResult
    func append(_ subject: String, to name: String = "INBOX", flags: MessageFlags = [],
                keywords: [String] = []) async throws -> MessageRecord {
        let body = "From: bob@example.org\r\nTo: alice@example.org\r\nSubject: \(subject)\r\n\r\nBody of \(subject)\r\n"
        return try await store.appendMessage(mailboxID: try await mailbox(name).id,
                                             NewMessage(body: Array(body.utf8), flags: flags, keywords: keywords))
    }

    /// Appends `count` messages to INBOX; returns their UIDs.
    @discardableResult
    func appendMany(_ count: Int, to name: String = "INBOX") async throws -> [MessageUID] {
        var uids: [MessageUID] = []
        for index in 0..<count { uids.append(try await append("message \(index + 1)", to: name).uid) }
        return uids
    }

    /// A view of a mailbox as SELECT builds it (mailbox first, then records).
    func openView(_ name: String = "INBOX", readOnly: Bool = false) async throws -> SelectedMailbox {
        let box = try await mailbox(name)
        return SelectedMailbox(mailbox: box, messages: try await store.messageSummaries(mailboxID: box.id),
                               isReadOnly: readOnly)
    }

    /// SELECT or EXAMINE through the command handler; fails the test unless OK.
    func select(_ name: String = "INBOX", readOnly: Bool = false, parameters: [CommandParameter] = [],
                enabled: EnabledExtensions = [], file: StaticString = #filePath,
                line: UInt = #line) async throws -> (SelectedMailbox, SelectedMailboxCommands.Selection) {
        let selection = await SelectedMailboxCommands.select(MailboxName(name), parameters: parameters,
                                                             readOnly: readOnly, context: context(enabled))
        XCTAssertEqual(selection.result.status, .ok, selection.result.text.text, file: file, line: line)
        return (try XCTUnwrap(selection.selected, file: file, line: line), selection)
    }

    /// UIDs in the store's INBOX (or another mailbox) now.
    func storedUIDs(_ name: String = "INBOX") async throws -> [MessageUID] {
        try await store.messages(mailboxID: try await mailbox(name).id).map(\.uid)
    }

    /// Sets flags as another session would (through the store, not the view).
    @discardableResult
    func flagElsewhere(_ uids: [MessageUID], _ flags: MessageFlags, keywords: [String] = [],
                       operation: FlagOperation = .add) async throws -> [MessageRecord] {
        try await store.updateFlags(mailboxID: try await mailbox().id, uids: uids, operation: operation,
                                    flags: flags, keywords: keywords)
    }
}

/// Untagged responses as the client reads them, without CRLF.
func responseLines(_ untagged: [UntaggedResponse]) -> [String] {
    untagged.map { response in
        var text = String(decoding: IMAPResponseEncoder.encode(.untagged(response)), as: UTF8.self)
        if text.hasSuffix("\r\n") { text.removeLast() }
        return text
    }
}

/// A result's tagged line, e.g. `OK [READ-WRITE] SELECT completed`.
func taggedLine(_ result: CommandResult) -> String {
    var text = String(decoding: IMAPResponseEncoder.encode(.tagged(tag: "A", result.status, result.text)), as: UTF8.self)
    if text.hasSuffix("\r\n") { text.removeLast() }
    return String(text.dropFirst(2))
}

/// A sequence set parsed from IMAP text (`1:3,*`, `$`).
func sequenceSet(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> SequenceSet {
    var cursor = GrammarCursor(Array(text.utf8))
    guard let set = try? cursor.sequenceSet(), cursor.atEnd else {
        XCTFail("invalid sequence set \(text)", file: file, line: line)
        return .elements([])
    }
    return set
}

/// A client's copy of the mailbox: sequence number → UID, kept up to date
/// only from the untagged responses it reads (RFC 9051 §7.4.1, §7.5.1;
/// RFC 7162 §3.2.10). New messages get UIDs from `newUIDs` (a client
/// would FETCH them).
struct ClientModel {
    var uids: [MessageUID]

    mutating func apply(_ untagged: [UntaggedResponse], newUIDs: () -> [MessageUID]) throws {
        for response in untagged {
            switch response {
            case .expunge(let number):
                guard number >= 1, Int(number) <= uids.count else {
                    throw ClientModelError("EXPUNGE \(number) outside 1...\(uids.count)")
                }
                uids.remove(at: Int(number) - 1)
            case .vanished(let earlier, let set):
                guard !earlier, case .elements(let elements) = set else { throw ClientModelError("bad VANISHED") }
                for element in elements {
                    let range: ClosedRange<MessageUID>
                    switch element {
                    case .single(.number(let uid)): range = uid...uid
                    case .range(.number(let a), .number(let b)): range = min(a, b)...max(a, b)
                    default: throw ClientModelError("`*` in VANISHED")
                    }
                    let before = uids.count
                    uids.removeAll { range.contains($0) }
                    guard before - uids.count == range.count else {
                        throw ClientModelError("VANISHED names a UID the client does not have")
                    }
                }
            case .exists(let count):
                guard Int(count) >= uids.count else { throw ClientModelError("EXISTS \(count) shrinks the mailbox") }
                let added = newUIDs()
                uids += added.prefix(Int(count) - uids.count)
                guard uids.count == Int(count) else { throw ClientModelError("EXISTS \(count) but UIDs unknown") }
            case .fetch(let number, let items):
                guard number >= 1, Int(number) <= uids.count else {
                    throw ClientModelError("FETCH \(number) outside 1...\(uids.count)")
                }
                for case .uid(let uid) in items where uids[Int(number) - 1] != uid {
                    throw ClientModelError("FETCH \(number) says UID \(uid), client has \(uids[Int(number) - 1])")
                }
            default:
                break
            }
        }
    }
}

struct ClientModelError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
