import Foundation
import Logging
import XCTest
import Accounts
import MailCore
import MailStore
@testable import IMAP

/// Collects what a session streams through its `write` closure.
final class SessionWrites: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [UInt8] = []
    /// When set, every write fails (a connection that went away).
    var failing = false

    func append(_ bytes: [UInt8]) throws {
        try lock.withLock {
            if failing { throw CancellationError() }
            storage += bytes
        }
    }

    /// Everything written so far; empties the buffer.
    func take() -> [UInt8] {
        lock.withLock {
            defer { storage = [] }
            return storage
        }
    }
}

/// Keeps every log line (message and metadata) as text.
struct SessionLogHandler: LogHandler {
    final class Lines: @unchecked Sendable {
        private let lock = NSLock()
        private var storage: [String] = []
        func append(_ line: String) { lock.withLock { storage.append(line) } }
        var all: [String] { lock.withLock { storage } }
    }

    let lines: Lines
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    init(lines: Lines) { self.lines = lines }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        lines.append("\(event.message) \(all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })")
    }
}

/// A real SQLite store in a temporary directory with one account
/// (alice@example.org / "secret") and its default mailboxes; sessions are
/// driven with byte strings, like the POP3 and SMTP session tests.
class IMAPSessionTestCase: XCTestCase {
    static let address = "alice@example.org"
    static let password = "secret"
    /// Hashed once: yescrypt is deliberately slow.
    static let passwordHash: String = try! PasswordHasher.hash(password: password)
    static let message = "From: bob@example.org\r\nTo: alice@example.org\r\nSubject: hello\r\n\r\nHi Alice\r\n"

    static let loopback = ConnectionInfo(id: "c1", remoteAddress: "127.0.0.1", localPort: 1143, isTLS: false)
    static let remoteCleartext = ConnectionInfo(id: "c2", remoteAddress: "192.0.2.7", localPort: 143, isTLS: false)
    static let remoteTLS = ConnectionInfo(id: "c3", remoteAddress: "192.0.2.7", localPort: 993, isTLS: true,
                                          tlsDescription: "TLSv1.3")

    let logger = Logger(label: "imap-test", factory: { _ in SwiftLogNoOpLogHandler() })
    var directory: URL!
    var store: SQLiteMailStore!
    var authenticator: Authenticator!
    var account: Account!
    var inbox: Mailbox!
    /// What the last session made streamed through `write`.
    var written = SessionWrites()
    var viewCache: MailboxViewCache!

    override func setUp() async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("imap-tests-\(UUID().uuidString)")
        store = try SQLiteMailStore(directory: directory.path, logger: logger)
        authenticator = Authenticator(store: store, logger: logger, throttleConfiguration: .withoutDelays)
        account = try await store.createAccount(address: Self.address, passwordHash: Self.passwordHash)
        inbox = try await store.mailbox(accountID: account.id, name: "INBOX")
        // Every session of a test shares views, as a server's do; kept for
        // mailboxes of any size so that every test goes through it.
        viewCache = MailboxViewCache(minimumMessages: 0)
    }

    override func tearDown() async throws {
        try? await store?.close()
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }

    func configuration(offersSTARTTLS: Bool = true, allowCleartext: Bool = false, maxBad: Int = 10,
                       limits: IMAPParserLimits = IMAPParserLimits(maxLiteralSize: 1_000_000)) -> IMAPSessionConfiguration {
        IMAPSessionConfiguration(hostName: "mail.example.org", offersSTARTTLS: offersSTARTTLS,
                                 allowCleartextAuthentication: allowCleartext, parserLimits: limits,
                                 maxConsecutiveBadCommands: maxBad)
    }

    /// A session on `store` (or `sessionStore`, e.g. a fault-injecting one).
    func makeSession(_ configuration: IMAPSessionConfiguration? = nil,
                     connection: ConnectionInfo = IMAPSessionTestCase.loopback,
                     logger: Logger? = nil, sessionStore: (any MailStore)? = nil,
                     sharingViews: Bool = true) -> IMAPSession {
        let written = SessionWrites()
        self.written = written
        return IMAPSession(store: sessionStore ?? store, authenticator: authenticator,
                           configuration: configuration ?? self.configuration(), connection: connection,
                           logger: logger ?? self.logger, viewCache: sharingViews ? viewCache : nil,
                           write: { try written.append($0) })
    }

    /// Sends bytes; returns the whole output with what was streamed before it.
    func output(_ session: IMAPSession, _ text: String) async -> IMAPSessionOutput {
        let returned = await session.receive(Array(text.utf8))
        return IMAPSessionOutput(bytes: written.take() + returned.bytes, action: returned.action)
    }

    /// Sends bytes; returns every response as text, streamed or returned.
    @discardableResult
    func send(_ session: IMAPSession, _ text: String) async -> String {
        String(decoding: await output(session, text).bytes, as: UTF8.self)
    }

    /// A session logged in with LOGIN on loopback.
    func loggedInSession(_ configuration: IMAPSessionConfiguration? = nil,
                         file: StaticString = #filePath, line: UInt = #line) async -> IMAPSession {
        let session = makeSession(configuration)
        let reply = await send(session, "L1 LOGIN \(Self.address) \(Self.password)\r\n")
        XCTAssertTrue(reply.hasPrefix("L1 OK [CAPABILITY "), reply, file: file, line: line)
        return session
    }

    /// A session on `sessionStore` (a counting or failing double), views
    /// not shared (each SELECT reads what it reads), logged in with LOGIN.
    func loggedInSession(on sessionStore: any MailStore,
                         file: StaticString = #filePath, line: UInt = #line) async -> IMAPSession {
        let session = makeSession(sessionStore: sessionStore, sharingViews: false)
        let reply = await send(session, "L1 LOGIN \(Self.address) \(Self.password)\r\n")
        XCTAssertTrue(reply.hasPrefix("L1 OK"), reply, file: file, line: line)
        return session
    }

    /// A logged-in client with its own output (ConcurrentSessionTests'
    /// `SessionClient`, so several can run side by side), `select` sent.
    func selectedClient(_ select: String = "SELECT INBOX", sessionStore: (any MailStore)? = nil,
                        file: StaticString = #filePath, line: UInt = #line) async -> SessionClient {
        let session = makeSession(sessionStore: sessionStore)
        let client = SessionClient(session, written)
        let login = await client.send("L LOGIN \(Self.address) \(Self.password)\r\n")
        XCTAssertTrue(login.contains("L OK"), login, file: file, line: line)
        let selected = await client.send("S \(select)\r\n")
        XCTAssertTrue(selected.contains("S OK"), selected, file: file, line: line)
        return client
    }

    /// A logged-in session with INBOX selected.
    func selectedSession(file: StaticString = #filePath, line: UInt = #line) async -> IMAPSession {
        let session = await loggedInSession(file: file, line: line)
        let reply = await send(session, "S1 SELECT INBOX\r\n")
        XCTAssertTrue(reply.contains("S1 OK"), reply, file: file, line: line)
        return session
    }

    /// The words of the CAPABILITY list in `reply` (untagged or response code).
    func capabilities(in reply: String) -> [String] {
        guard let range = reply.range(of: "CAPABILITY ") else { return [] }
        let rest = reply[range.upperBound...]
        let end = rest.firstIndex { $0 == "]" || $0 == "\r\n" || $0 == "\r" } ?? rest.endIndex
        return rest[..<end].split(separator: " ").map(String.init)
    }

    /// Appends a message to INBOX as someone else would (SMTP delivery, another session).
    @discardableResult
    func deliver(_ text: String = IMAPSessionTestCase.message) async throws -> MessageRecord {
        try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: Array(text.utf8)))
    }

    // XCTest's assertions take synchronous autoclosures; these await first.

    func expectEqual<T: Equatable>(_ actual: @autoclosure () async throws -> T, _ expected: T, _ message: String = "",
                                   file: StaticString = #filePath, line: UInt = #line) async rethrows {
        let value = try await actual()
        XCTAssertEqual(value, expected, message, file: file, line: line)
    }

    func expectTrue(_ condition: @autoclosure () async throws -> Bool, _ message: String = "",
                    file: StaticString = #filePath, line: UInt = #line) async rethrows {
        let value = try await condition()
        XCTAssertTrue(value, message, file: file, line: line)
    }

    func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

    func plain(_ user: String, _ password: String, authzid: String = "") -> String {
        base64(authzid + "\0" + user + "\0" + password)
    }
}
