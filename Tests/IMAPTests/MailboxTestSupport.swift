import Foundation
import Logging
import MailCore
import MailStore
import XCTest
@testable import IMAP

/// A real SQLiteMailStore in a fresh temporary directory with one account
/// (alice, whose default mailboxes are INBOX, Drafts, Sent, Trash, Junk and
/// Archive), and helpers that run mailbox commands as a client types them.
class MailboxStoreTestCase: XCTestCase {
    var directory = ""
    var store: SQLiteMailStore!
    var account: Account!
    /// Extensions the simulated client enabled; `[]` is a rev1 client
    /// (modified UTF-7 names), `.imap4rev2` a rev2 one (UTF-8 names).
    var enabled: EnabledExtensions = []
    var maxMessageSize = 1 << 20

    override func setUp() async throws {
        directory = NSTemporaryDirectory() + "tern-imap-mailbox-test-" + UUID().uuidString
        var logger = Logger(label: "test.imap.mailboxes")
        logger.logLevel = .critical
        store = try SQLiteMailStore(directory: directory, logger: logger)
        account = try await store.createAccount(address: "alice@example.org", passwordHash: "$6$x$y")
    }

    override func tearDown() async throws {
        try? await store?.close()
        store = nil
        try? FileManager.default.removeItem(atPath: directory)
    }

    var context: CommandContext {
        var logger = Logger(label: "test.imap.mailboxes")
        logger.logLevel = .critical
        return CommandContext(store: store, account: account, enabled: enabled, logger: logger,
                              write: { _ in }, maxMessageSize: maxMessageSize)
    }

    /// Parses `line` (without CRLF; literals inline) with the real parser,
    /// runs it, and returns the result.
    func result(_ line: String, file: StaticString = #filePath, line number: UInt = #line) async -> CommandResult? {
        guard let parsed = command(line, file: file, line: number) else { return nil }
        return await MailboxCommandHandler.handle(parsed, context: context)
    }

    /// The wire lines of a command's answer (without CRLF), untagged first,
    /// the tagged completion last.
    func run(_ line: String, file: StaticString = #filePath, line number: UInt = #line) async -> [String] {
        guard let result = await result(line, file: file, line: number) else { return [] }
        return lines(result)
    }

    func lines(_ result: CommandResult) -> [String] {
        let context = self.context
        var output = result.untagged.map { context.encode(.untagged($0)) }
        output.append(context.encode(.tagged(tag: "A1", result.status, result.text)))
        return output.map { String(decoding: $0, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "") }
    }

    /// The tagged completion line of a command.
    func tagged(_ line: String, file: StaticString = #filePath, line number: UInt = #line) async -> String {
        await run(line, file: file, line: number).last ?? ""
    }

    /// A CREATE that succeeds with its MAILBOXID (RFC 8474 §4.1).
    func assertCreated(_ line: String, file: StaticString = #filePath, line number: UInt = #line) async {
        let reply = await tagged(line, file: file, line: number)
        XCTAssertNotNil(reply.wholeMatch(of: /A1 OK \[MAILBOXID \(M[0-9]+-[0-9]+\)\] CREATE completed/), reply,
                        file: file, line: number)
    }

    /// Only the untagged LIST/LSUB lines of a command.
    func listed(_ line: String, file: StaticString = #filePath, line number: UInt = #line) async -> [String] {
        await run(line, file: file, line: number).filter { $0.hasPrefix("* LIST") || $0.hasPrefix("* LSUB") }
    }

    /// Store names of the account's mailboxes, sorted.
    func names() async throws -> [String] {
        try await store.mailboxes(accountID: account.id).map(\.name).sorted()
    }

    func mailbox(_ name: String) async throws -> Mailbox? {
        try await store.mailbox(accountID: account.id, name: name)
    }

    /// Creates mailboxes straight in the store (no parents added) and
    /// subscribes them, as a client does after CREATE.
    func makeMailboxes(_ names: String...) async throws {
        for name in names {
            _ = try await store.createMailbox(accountID: account.id, name: name, specialUse: nil)
            try await store.subscribe(accountID: account.id, name: name)
        }
    }

    func deliver(_ subject: String, to name: String = "INBOX", flags: MessageFlags = []) async throws -> MessageRecord {
        let mailbox = try await unwrap(try await self.mailbox(name))
        let body = "From: bob@example.org\r\nTo: alice@example.org\r\nSubject: \(subject)\r\n\r\nBody of \(subject)\r\n"
        return try await store.appendMessage(mailboxID: mailbox.id, NewMessage(body: Array(body.utf8), flags: flags))
    }

    // XCTest's assertions take synchronous autoclosures; these await first.

    func assertEqual<T: Equatable>(_ actual: @autoclosure () async throws -> T, _ expected: @autoclosure () async throws -> T,
                                   _ message: String = "", file: StaticString = #filePath, line: UInt = #line) async rethrows {
        let actualValue = try await actual()
        let expectedValue = try await expected()
        XCTAssertEqual(actualValue, expectedValue, message, file: file, line: line)
    }

    func assertTrue(_ condition: @autoclosure () async throws -> Bool, _ message: String = "",
                    file: StaticString = #filePath, line: UInt = #line) async rethrows {
        let value = try await condition()
        XCTAssertTrue(value, message, file: file, line: line)
    }

    func assertNil<T>(_ value: @autoclosure () async throws -> T?, _ message: String = "",
                      file: StaticString = #filePath, line: UInt = #line) async rethrows {
        let result = try await value()
        XCTAssertNil(result, message, file: file, line: line)
    }

    func assertNotNil<T>(_ value: @autoclosure () async throws -> T?, _ message: String = "",
                         file: StaticString = #filePath, line: UInt = #line) async rethrows {
        let result = try await value()
        XCTAssertNotNil(result, message, file: file, line: line)
    }

    func unwrap<T>(_ value: @autoclosure () async throws -> T?, file: StaticString = #filePath,
                   line: UInt = #line) async throws -> T {
        let result = try await value()
        return try XCTUnwrap(result, file: file, line: line)
    }
}
