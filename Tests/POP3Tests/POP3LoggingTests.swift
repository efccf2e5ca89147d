import Foundation
import Logging
import MailCore
import XCTest
@testable import POP3

/// Keeps every log line (message and metadata) as text.
private struct CapturingLogHandler: LogHandler {
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

final class POP3LoggingTests: POP3SessionTestCase {
    func testLoggedUserNamesCannotForgeLines() {
        XCTAssertEqual(LoggableText.clean("alice\r\nfake log line"), "alice??fake log line")
        XCTAssertEqual(LoggableText.clean(String(repeating: "a", count: 150)), String(repeating: "a", count: 100) + "…")
    }

    func testPasswordsAreNeverLogged() async {
        let lines = CapturingLogHandler.Lines()
        let captured = Logger(label: "capture", factory: { _ in CapturingLogHandler(lines: lines) })
        let session = POP3Session(store: store, authenticator: authenticator, locks: locks,
                                  configuration: configuration(), connection: Self.loopback, logger: captured)
        await send(session, "USER \(Self.address)")
        await send(session, "PASS WrongHorse1")
        await send(session, "AUTH PLAIN \(plain(Self.address, "WrongHorse2"))")
        await send(session, "AUTH LOGIN")
        await send(session, base64(Self.address))
        await send(session, base64("WrongHorse3"))
        await send(session, "USER \(Self.address)")
        await send(session, "PASS \(Self.password)")
        await send(session, "QUIT")
        let log = lines.all.joined(separator: "\n")
        XCTAssertTrue(log.contains("login"), log)
        XCTAssertTrue(log.contains(Self.address), log)
        for secret in ["WrongHorse", Self.password, plain(Self.address, "WrongHorse2"), base64("WrongHorse3")] {
            XCTAssertFalse(log.contains(secret), "\(secret) in \(log)")
        }
    }
}
