import Foundation
import Logging
import XCTest
import Accounts
import MailCore
import MailStore
@testable import POP3

/// A real SQLite store in a temporary directory with one account
/// (alice@example.org / "secret") whose INBOX holds `fixtureMessages`.
class POP3SessionTestCase: XCTestCase {
    static let address = "alice@example.org"
    static let password = "secret"
    /// Hashed once: yescrypt is deliberately slow.
    static let passwordHash: String = try! PasswordHasher.hash(password: password)

    /// 1: dot-stuffing material; 2: no final CRLF; 3: plain.
    static let message1 = "From: a@example.org\r\nSubject: one\r\n\r\nHello\r\n.dot line\r\n.\r\n..two\r\nbye\r\n"
    static let message2 = "Subject: two\r\n\r\nno final newline"
    static let message3 = "Subject: three\r\nX: y\r\n\r\nl1\r\nl2\r\nl3\r\n"
    static var fixtureMessages: [String] { [message1, message2, message3] }

    let logger = Logger(label: "pop3-test", factory: { _ in SwiftLogNoOpLogHandler() })
    var directory: URL!
    var store: SQLiteMailStore!
    var authenticator: Authenticator!
    var locks: MaildropLocks!
    var account: Account!
    var inbox: Mailbox!

    static let loopback = ConnectionInfo(id: "c1", remoteAddress: "127.0.0.1", localPort: 1110, isTLS: false)
    static let remoteCleartext = ConnectionInfo(id: "c2", remoteAddress: "192.0.2.7", localPort: 110, isTLS: false)
    static let remoteTLS = ConnectionInfo(id: "c3", remoteAddress: "192.0.2.7", localPort: 995, isTLS: true,
                                          tlsDescription: "TLSv1.3")

    override func setUp() async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("pop3-tests-\(UUID().uuidString)")
        store = try SQLiteMailStore(directory: directory.path, logger: logger)
        authenticator = Authenticator(store: store, logger: logger, throttleConfiguration: .withoutDelays)
        locks = MaildropLocks()
        account = try await store.createAccount(address: Self.address, passwordHash: Self.passwordHash)
        inbox = try await store.mailbox(accountID: account.id, name: "INBOX")
        for message in Self.fixtureMessages {
            _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: Array(message.utf8)))
        }
    }

    override func tearDown() async throws {
        try? await store?.close()
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }

    func configuration(_ policy: POP3DeletePolicy = .delete, allowCleartext: Bool = false, offersSTLS: Bool = true,
                       maxErrors: Int = 10, maxCommandsBeforeLogin: Int = 20) -> POP3Configuration {
        POP3Configuration(hostName: "mail.example.org", deletePolicy: policy,
                          allowCleartextAuthentication: allowCleartext, offersSTLS: offersSTLS,
                          maxErrors: maxErrors, maxCommandsBeforeLogin: maxCommandsBeforeLogin)
    }

    /// A session on `store` (or `sessionStore`, e.g. a fault-injecting one).
    func makeSession(_ configuration: POP3Configuration? = nil,
                     connection: ConnectionInfo = POP3SessionTestCase.loopback,
                     sessionStore: (any MailStore)? = nil) -> POP3Session {
        POP3Session(store: sessionStore ?? store, authenticator: authenticator, locks: locks,
                    configuration: configuration ?? self.configuration(), connection: connection, logger: logger)
    }

    /// Sends one line; returns the reply as text.
    @discardableResult
    func send(_ session: POP3Session, _ line: String) async -> String {
        let output = await session.handle(line: Array(line.utf8))
        return String(decoding: output.bytes, as: UTF8.self)
    }

    /// Sends one line; returns the whole output.
    func output(_ session: POP3Session, _ line: String) async -> POP3Output {
        await session.handle(line: Array(line.utf8))
    }

    /// A session logged in with USER/PASS.
    func loggedInSession(_ configuration: POP3Configuration? = nil,
                         file: StaticString = #filePath, line: UInt = #line) async -> POP3Session {
        let session = makeSession(configuration)
        let user = await send(session, "USER \(Self.address)")
        XCTAssertEqual(user, "+OK send PASS\r\n", file: file, line: line)
        let pass = await send(session, "PASS \(Self.password)")
        XCTAssertTrue(pass.hasPrefix("+OK maildrop has 3 messages"), pass, file: file, line: line)
        return session
    }

    func size(_ text: String) -> Int { text.utf8.count }

    var totalSize: Int { Self.fixtureMessages.reduce(0) { $0 + size($1) } }

    /// base64 of a SASL PLAIN message.
    func plain(_ user: String, _ password: String, authzid: String = "") -> String {
        Data((authzid + "\0" + user + "\0" + password).utf8).base64EncodedString()
    }

    func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

    func inboxUIDs() async throws -> [MessageUID] {
        try await store.messages(mailboxID: inbox.id).map(\.uid)
    }
}
