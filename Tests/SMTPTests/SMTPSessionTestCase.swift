import Foundation
import Logging
import XCTest
import Accounts
import MailCore
import MailStore
@testable import SMTP

/// A real SQLite store in a temporary directory with:
/// - domain example.org: accounts alice and bob, alias sales → alice + bob,
///   alias info → alice, alias friends → bob + an outside address;
/// - domain catchall.example: account carol, catch-all alias @catchall.example → carol.
/// alice's password is "secret".
class SMTPSessionTestCase: XCTestCase {
    static let password = "secret"
    /// Hashed once: yescrypt is deliberately slow.
    static let passwordHash: String = try! PasswordHasher.hash(password: password)
    static let date = Date(timeIntervalSince1970: 1_700_000_000)  // Tue, 14 Nov 2023 22:13:20 +0000

    let logger = Logger(label: "smtp-test", factory: { _ in SwiftLogNoOpLogHandler() })
    var directory: URL!
    var store: (any MailStore)!
    var sqlite: SQLiteMailStore!
    var authenticator: Authenticator!
    var queue: InMemoryOutboundQueue!
    var alice: Account!
    var bob: Account!
    var carol: Account!

    static let remote = ConnectionInfo(id: "c1", remoteAddress: "192.0.2.7", localPort: 25, isTLS: false)
    static let remoteTLS = ConnectionInfo(id: "c2", remoteAddress: "192.0.2.7", localPort: 25, isTLS: true,
                                          tlsDescription: "TLSv1.3 with cipher TLS_AES_128_GCM_SHA256")
    static let loopback = ConnectionInfo(id: "c3", remoteAddress: "127.0.0.1", localPort: 2587, isTLS: false)
    static let trusted = ConnectionInfo(id: "c4", remoteAddress: "198.51.100.20", localPort: 25, isTLS: false)

    override func setUp() async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("smtp-tests-\(UUID().uuidString)")
        sqlite = try SQLiteMailStore(directory: directory.path, logger: logger)
        store = sqlite
        authenticator = Authenticator(store: sqlite, logger: logger, throttleConfiguration: .withoutDelays)
        queue = InMemoryOutboundQueue(store: sqlite)
        try await sqlite.addDomain("example.org")
        try await sqlite.addDomain("catchall.example")
        alice = try await sqlite.createAccount(address: "alice@example.org", passwordHash: Self.passwordHash)
        bob = try await sqlite.createAccount(address: "bob@example.org", passwordHash: Self.passwordHash)
        carol = try await sqlite.createAccount(address: "carol@catchall.example", passwordHash: Self.passwordHash)
        try await sqlite.addAlias(Alias(source: "sales@example.org",
                                        destinations: ["alice@example.org", "bob@example.org"]))
        try await sqlite.addAlias(Alias(source: "info@example.org", destinations: ["alice@example.org"]))
        try await sqlite.addAlias(Alias(source: "friends@example.org",
                                        destinations: ["bob@example.org", "pal@elsewhere.example"]))
        try await sqlite.addAlias(Alias(source: "@catchall.example", destinations: ["carol@catchall.example"]))
    }

    override func tearDown() async throws {
        try? await sqlite?.close()
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }

    func configuration(_ mode: SMTPMode = .mx, maxMessageSize: Int = 100_000, maxRecipients: Int = 100,
                       maxErrors: Int = 10, allowBareLineEndings: Bool = false) -> SMTPConfiguration {
        SMTPConfiguration(hostName: "mx.example.org", mode: mode, maxMessageSize: maxMessageSize,
                          maxRecipients: maxRecipients, maxErrors: maxErrors, offersSTARTTLS: true,
                          trustedNetworks: [IPNetwork("198.51.100.0/24")!], allowBareLineEndings: allowBareLineEndings)
    }

    func makeSession(_ configuration: SMTPConfiguration? = nil, connection: ConnectionInfo = SMTPSessionTestCase.remote,
                     store: (any MailStore)? = nil, outboundQueue: (any OutboundQueue)? = nil) -> SMTPSession {
        SMTPSession(store: store ?? self.store, authenticator: authenticator,
                    configuration: configuration ?? self.configuration(), outboundQueue: outboundQueue ?? queue,
                    connection: connection, logger: logger, now: { SMTPSessionTestCase.date }, makeID: { "ID1" })
    }

    /// Sends text; returns every reply it produced.
    @discardableResult
    func send(_ session: SMTPSession, _ text: String) async -> String {
        await session.receive(Array(text.utf8)).text
    }

    /// A session after EHLO.
    func greetedSession(_ configuration: SMTPConfiguration? = nil,
                        connection: ConnectionInfo = SMTPSessionTestCase.remote) async -> SMTPSession {
        let session = makeSession(configuration, connection: connection)
        let reply = await send(session, "EHLO client.example\r\n")
        XCTAssertTrue(reply.hasPrefix("250-mx.example.org Hello client.example\r\n"), reply)
        return session
    }

    /// The first line of each reply in `text`, i.e. its code and enhanced code.
    func codes(_ text: String) -> [String] {
        text.split(separator: "\r\n").filter { $0.count >= 4 && $0.dropFirst(3).first == " " }.map { line in
            let parts = line.split(separator: " ", maxSplits: 2)
            return parts.count >= 2 && parts[1].first?.isNumber == true && parts[1].contains(".")
                ? "\(parts[0]) \(parts[1])" : String(parts[0])
        }
    }

    func inbox(_ account: Account) async throws -> [[UInt8]] {
        let box = try await sqlite.mailbox(accountID: account.id, name: "INBOX")!
        var bodies: [[UInt8]] = []
        for record in try await sqlite.messages(mailboxID: box.id) {
            bodies.append(try await sqlite.messageBody(mailboxID: box.id, uid: record.uid))
        }
        return bodies
    }

    func inboxTexts(_ account: Account) async throws -> [String] {
        try await inbox(account).map { String(decoding: $0, as: UTF8.self) }
    }

    func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

    func plain(_ user: String, _ password: String) -> String { base64("\0\(user)\0\(password)") }

    static let message = "From: x@client.example\r\nSubject: hi\r\n\r\nHello\r\n"
}
