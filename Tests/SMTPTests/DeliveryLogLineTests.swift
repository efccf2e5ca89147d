import Foundation
import Logging
import MailCore
import XCTest
@testable import SMTP

/// The Postfix-style delivery log lines: the one formatter, and the lines
/// an SMTP session writes for local copies and queued recipients.
final class DeliveryLogLineTests: SMTPSessionTestCase {
    func testLineFields() {
        var line = DeliveryLogLine(id: "ID1", from: "a@x.example", to: "alice@example.org",
                                   originalTo: "sales@example.org", messageID: "m1@x.example", size: 120,
                                   relay: "local", delay: 0.126, dsn: "2.0.0", status: .sent,
                                   detail: "delivered to INBOX")
        XCTAssertEqual(line.text, "ID1: from=<a@x.example>, to=<alice@example.org>, orig_to=<sales@example.org>, "
            + "message-id=<m1@x.example>, size=120, relay=local, delay=0.13, dsn=2.0.0, status=sent (delivered to INBOX)")
        line = DeliveryLogLine(id: "q1", idKey: "queue-id", from: "", to: "bob@remote.test", messageID: nil, size: 9,
                               relay: "mx.remote.test [192.0.2.1]:25", connection: "reused", delay: 3600,
                               attempts: 4, dsn: "4.7.1", status: .deferred, detail: "451 later")
        XCTAssertEqual(line.text, "q1: from=<>, to=<bob@remote.test>, message-id=<>, size=9, "
            + "relay=mx.remote.test [192.0.2.1]:25, conn=reused, delay=3600, attempts=4, dsn=4.7.1, "
            + "status=deferred (451 later)")
        XCTAssertEqual(line.metadata["queue-id"], "q1")
        XCTAssertEqual(line.metadata["conn"], "reused")
        XCTAssertNil(line.metadata["id"])
    }

    func testDelayIsWrittenLikePostfix() {
        let table: [(TimeInterval, String)] = [(0, "0"), (-3, "0"), (0.004, "0"), (0.5, "0.5"), (1.25, "1.25"),
                                               (9.999, "10"), (10.4, "10"), (86_400.7, "86401")]
        for (value, expected) in table {
            XCTAssertEqual(DeliveryLogLine.seconds(value), expected, "\(value)")
        }
    }

    func testMessageIDFromTheHeader() {
        let table: [(String, String?)] = [
            ("Message-ID: <abc@x.example>\r\n\r\nbody", "abc@x.example"),
            ("message-id:   <abc@x.example> (comment)\r\n\r\n", "abc@x.example"),
            ("Message-Id:\r\n <folded@x.example>\r\n\r\n", "folded@x.example"),
            ("Message-ID: no-brackets\r\n\r\n", "no-brackets"),
            ("Subject: none\r\n\r\nMessage-ID: <in-body@x>\r\n", nil),
            ("Message-ID: <>\r\n\r\n", nil),
        ]
        for (message, expected) in table {
            XCTAssertEqual(DeliveryLogLine.messageID(in: Array(message.utf8)), expected, message)
        }
    }

    /// Values from strangers cannot forge lines or flood the log.
    func testHostileValuesAreCleanedAndBounded() {
        let long = String(repeating: "x", count: 5000)
        let line = DeliveryLogLine(id: "ID1", from: "a\u{1B}[31m@x", to: "b\r\nfake: line@y", messageID: long + "@z",
                                   size: 1, relay: "local", delay: 0, dsn: "2.0.0", status: .sent,
                                   detail: "d\u{7F}")
        XCTAssertFalse(line.text.contains(where: { $0.isNewline || $0 == "\u{1B}" || $0 == "\u{7F}" }), line.text)
        XCTAssertTrue(line.text.contains("from=<a?[31m@x>"), line.text)
        XCTAssertLessThan(line.text.count, 600, "the Message-ID is cut to \(LoggableText.maximumScalars) characters")
        XCTAssertTrue(line.text.contains("…>"), line.text)
    }

    /// One line per local copy (with the alias it came through) and per
    /// queued recipient, with sender, Message-ID and size.
    func testSessionLogsEachCopyAndQueuedRecipient() async throws {
        let lines = LogLines()
        let logger = Logger(label: "smtp-log") { _ in CapturingLogHandler(lines: lines) }
        let session = SMTPSession(store: store, authenticator: authenticator, configuration: configuration(),
                                  outboundQueue: queue, connection: Self.trusted, logger: logger,
                                  now: { SMTPSessionTestCase.date }, makeID: { "ID1" })
        let message = "From: x@client.example\r\nMessage-ID: <m1@client.example>\r\nSubject: hi\r\n\r\nHello\r\n"
        let replies = await send(session, "EHLO client.example\r\nMAIL FROM:<x@client.example>\r\n"
            + "RCPT TO:<sales@example.org>\r\nRCPT TO:<alice@example.org>\r\nRCPT TO:<friend@remote.test>\r\n"
            + "DATA\r\n" + message + ".\r\n")
        XCTAssertEqual(codes(replies).last, "250 2.0.0", replies)
        let size = message.utf8.count
        let delivery = lines.all.filter { $0.hasPrefix("ID1: ") }
        XCTAssertEqual(delivery, [
            "ID1: from=<x@client.example>, to=<alice@example.org>, orig_to=<sales@example.org>, "
                + "message-id=<m1@client.example>, size=\(size), relay=local, delay=0, dsn=2.0.0, "
                + "status=sent (delivered to INBOX)",
            "ID1: from=<x@client.example>, to=<bob@example.org>, orig_to=<sales@example.org>, "
                + "message-id=<m1@client.example>, size=\(size), relay=local, delay=0, dsn=2.0.0, "
                + "status=sent (delivered to INBOX)",
            "ID1: from=<x@client.example>, to=<friend@remote.test>, message-id=<m1@client.example>, size=\(size), "
                + "relay=queue, delay=0, dsn=2.0.0, status=queued (queued as Q1)",
        ])
    }

    /// A failed delivery logs no delivery line (nothing was delivered).
    func testNoLineWhenNothingWasDelivered() async throws {
        let lines = LogLines()
        let logger = Logger(label: "smtp-log") { _ in CapturingLogHandler(lines: lines) }
        queue.failNextEnqueue()
        let session = SMTPSession(store: store, authenticator: authenticator, configuration: configuration(),
                                  outboundQueue: queue, connection: Self.trusted, logger: logger,
                                  now: { SMTPSessionTestCase.date }, makeID: { "ID1" })
        let replies = await send(session, "EHLO c\r\nMAIL FROM:<x@client.example>\r\nRCPT TO:<alice@example.org>\r\n"
            + "RCPT TO:<friend@remote.test>\r\nDATA\r\n" + Self.message + ".\r\n")
        XCTAssertEqual(codes(replies).last, "451 4.3.0", replies)
        XCTAssertFalse(lines.all.contains { $0.hasPrefix("ID1: ") }, "\(lines.all)")
        let delivered = try await inbox(alice)
        XCTAssertTrue(delivered.isEmpty)
    }
}
