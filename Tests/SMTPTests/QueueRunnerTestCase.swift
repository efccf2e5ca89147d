// Shared set-up of the queue runner's tests: a real SQLiteMailStore in a
// temporary directory, a fake DNS resolver and a fake transport (no
// network). Time is passed to `runOnce(now:)`, so retries days apart run at once.
import Foundation
import Logging
import MailCore
import MailStore
import Synchronization
import XCTest
@testable import SMTP

class QueueRunnerTestCase: XCTestCase {
    let logger = Logger(label: "queue-test", factory: { _ in SwiftLogNoOpLogHandler() })
    var directory: URL!
    var store: SQLiteMailStore!
    var dns: FakeDNSResolver!
    var transport: FakeOutboundTransport!
    var observer: CountingQueueObserver!
    var alice: Account!

    override func setUp() async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("queue-tests-\(UUID().uuidString)")
        store = try SQLiteMailStore(directory: directory.path, logger: logger)
        try await store.addDomain("example.org")
        alice = try await store.createAccount(address: "alice@example.org", passwordHash: "x")
        dns = FakeDNSResolver()
        dns.addMailDomain("remote.test", address: .v4(127, 0, 0, 2))
        dns.addMailDomain("other.test", address: .v4(127, 0, 0, 3))
        dns.addNullMX("null.test")
        transport = FakeOutboundTransport()
        observer = CountingQueueObserver()
    }

    override func tearDown() async throws {
        try? await store?.close()
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }

    // MARK: Helpers

    func runner(_ configure: (inout OutboundConfiguration) -> Void = { _ in }, smarthost: RelayDestination? = nil,
                transportMap: [String: RelayDestination] = [:], dkim: DKIMKeyStore? = nil,
                transport: FakeOutboundTransport? = nil, store: (any MailStore)? = nil) -> QueueRunner {
        var configuration = OutboundConfiguration(hostName: "mx.example.org")
        configure(&configuration)
        let router = MXRouter(resolver: dns, transportMap: transportMap, smarthost: smarthost, shuffle: { $0 })
        return QueueRunner(store: store ?? self.store, router: router, transport: transport ?? self.transport,
                           configuration: configuration, dkimKeys: dkim, observer: observer, logger: logger)
    }

    static func body(from: String = "alice@example.org", subject: String = "Hello") -> [UInt8] {
        Array("From: Alice <\(from)>\r\nTo: someone@remote.test\r\nSubject: \(subject)\r\n"
            .appending("Message-ID: <m1@example.org>\r\n\r\nHi there.\r\n").utf8)
    }

    @discardableResult
    func enqueue(_ recipients: [String], sender: String = "alice@example.org", notify: DSNNotifyConditions? = nil,
                 user: String? = nil, body: [UInt8] = QueueRunnerTestCase.body(), ret: DSNReturnContent? = nil,
                 envelopeID: String? = nil) async throws -> QueuedMessage {
        try await store.enqueueOutbound(OutboundMessageDraft(
            sender: sender, recipients: recipients.map { .init(address: $0, notify: notify) }, ret: ret,
            envelopeID: envelopeID, authenticatedUser: user, body: body))
    }

    func recipient(_ message: QueuedMessage, _ address: String) async throws -> QueuedRecipient? {
        try await store.queuedMessage(id: message.id)?.recipients.first { $0.address == address }
    }

    func inbox(_ account: Account) async throws -> [[UInt8]] {
        let inbox = try await store.mailbox(accountID: account.id, name: "INBOX")!
        var bodies: [[UInt8]] = []
        for record in try await store.messages(mailboxID: inbox.id) {
            bodies.append(try await store.messageBody(mailboxID: inbox.id, uid: record.uid))
        }
        return bodies
    }

    /// The notifications in alice's INBOX, parsed.
    func reports() async throws -> [DeliveryReport] {
        try await inbox(alice).map { try DeliveryReport($0) }
    }
}

// MARK: - Test helpers

final class CountingQueueObserver: QueueRunnerObserver {
    struct Counts: Equatable { var delivered = 0, bounced = 0, deferred = 0 }
    private let state = Mutex(Counts())
    var counts: Counts { state.withLock { $0 } }
    func recipientDelivered() { state.withLock { $0.delivered += 1 } }
    func recipientBounced() { state.withLock { $0.bounced += 1 } }
    func recipientDeferred() { state.withLock { $0.deferred += 1 } }
}

struct NotAReport: Error { var text: String }

/// An RFC 3464 report as found in a mailbox, checked to be
/// multipart/report; report-type=delivery-status with three parts.
struct DeliveryReport {
    let bytes: [UInt8]
    let header: MessageHeader
    /// The message/delivery-status part.
    let statusText: String
    let returnedPartType: String
    let returnedMessage: String

    init(_ bytes: [UInt8]) throws {
        self.bytes = bytes
        header = MessageHeader.parse(bytes)
        let root = ParsedMessage.parse(bytes).root
        guard root.type == "multipart", root.subtype == "report",
              root.parameters.first(where: { $0.name.lowercased() == "report-type" })?.value == "delivery-status",
              root.parts.count == 3, root.parts[1].type == "message", root.parts[1].subtype == "delivery-status"
        else { throw NotAReport(text: String(decoding: bytes.prefix(600), as: UTF8.self)) }
        func text(_ part: MIMEPart) -> String {
            String(decoding: bytes[part.bodyOffset..<min(bytes.count, part.bodyOffset + part.bodySize)], as: UTF8.self)
        }
        statusText = text(root.parts[1])
        returnedPartType = "\(root.parts[2].type)/\(root.parts[2].subtype)"
        returnedMessage = text(root.parts[2])
    }

    func header(_ name: String) -> String? { header[name] }

    /// Every value of a delivery-status field, in order.
    func fields(_ name: String) -> [String] {
        statusText.components(separatedBy: "\r\n").compactMap { line in
            guard line.lowercased().hasPrefix(name.lowercased() + ":") else { return nil }
            return line.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces)
        }
    }

    func field(_ name: String) -> String? { fields(name).first }
}

/// `XCTUnwrap` for a value produced by an async expression.
func XCTUnwrapAsync<T>(_ value: @autoclosure () async throws -> T?, file: StaticString = #filePath,
                       line: UInt = #line) async throws -> T {
    let result = try await value()
    return try XCTUnwrap(result, file: file, line: line)
}

/// Keeps each log message (without metadata) for the log-line test.
final class LogLines: Sendable {
    private let lines = Mutex<[String]>([])
    var all: [String] { lines.withLock { $0 } }
    func append(_ line: String) { lines.withLock { $0.append(line) } }
}

struct CapturingLogHandler: LogHandler {
    let lines: LogLines
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        lines.append(event.message.description)
    }
}
