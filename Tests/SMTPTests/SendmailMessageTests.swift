import Foundation
import MailCore
import XCTest
@testable import SMTP

/// What `tern sendmail` makes of its input before delivery.
final class SendmailMessageTests: XCTestCase {
    static let date = Date(timeIntervalSince1970: 1_700_000_000)

    private func prepare(_ input: String, fullName: String? = nil) throws -> SendmailMessage {
        try SendmailMessage.prepare(Array(input.utf8), from: "root@mx.example.org", fullName: fullName,
                                    date: Self.date, messageID: "ID1@mx.example.org")
    }

    private func text(_ input: String, fullName: String? = nil) throws -> String {
        String(decoding: try prepare(input, fullName: fullName).body, as: UTF8.self)
    }

    /// The Date: field for `date` in this machine's zone.
    private var dateField: String {
        let offset = TimeZone.current.secondsFromGMT(for: Self.date) / 60
        return "Date: " + MailDate(secondsSinceEpoch: 1_700_000_000, zoneOffsetMinutes: offset).rfc5322 + "\r\n"
    }

    func testMissingFieldsAreAddedAtTheEndOfTheHeader() throws {
        XCTAssertEqual(try text("Subject: hi\nTo: a@x.example\n\nbody\n"),
                       "Subject: hi\r\nTo: a@x.example\r\n" + dateField
                       + "From: root@mx.example.org\r\nMessage-ID: <ID1@mx.example.org>\r\n\r\nbody\r\n")
        let complete = "From: Me <me@x.example>\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\n"
            + "Message-ID: <own@x.example>\r\n\r\nbody\r\n"
        XCTAssertEqual(try text(complete), complete, "a complete message is left as it is")
        XCTAssertEqual(try text("Subject: only a header"),
                       "Subject: only a header\r\n" + dateField
                       + "From: root@mx.example.org\r\nMessage-ID: <ID1@mx.example.org>\r\n\r\n")
    }

    func testInputWithoutAHeaderIsAllBody() throws {
        XCTAssertEqual(try text("hello world\nsecond: line\n"),
                       dateField + "From: root@mx.example.org\r\nMessage-ID: <ID1@mx.example.org>\r\n\r\n"
                       + "hello world\r\nsecond: line\r\n")
        XCTAssertEqual(try text("Subject: x\nnot a field\n"),
                       "Subject: x\r\n" + dateField + "From: root@mx.example.org\r\nMessage-ID: <ID1@mx.example.org>\r\n"
                       + "\r\nnot a field\r\n", "the first line that is no field starts the body")
        XCTAssertEqual(try text("From someone@x Mon Jan  1 00:00:00 2024\nFrom: a@x.example\nDate: d\nMessage-ID: <m>\n\nb\n"),
                       "From: a@x.example\r\nDate: d\r\nMessage-ID: <m>\r\n\r\nb\r\n", "an mbox From_ line is dropped")
    }

    func testFullNameIsAPhrase() throws {
        let table: [(String, String)] = [
            ("CronDaemon", "From: CronDaemon <root@mx.example.org>"),
            ("Cron Daemon", "From: Cron Daemon <root@mx.example.org>"),
            ("Doe, John", "From: \"Doe, John\" <root@mx.example.org>"),
            ("José", "From: =?UTF-8?B?Sm9zw6k=?= <root@mx.example.org>"),
            ("a\r\nBcc: evil@x", "From: \"a Bcc: evil@x\" <root@mx.example.org>"),
            ("\n", "From: root@mx.example.org"),
        ]
        for (name, field) in table {
            let message = try text("Subject: s\n\nb\n", fullName: name)
            XCTAssertTrue(message.contains(field + "\r\n"), "\(name): \(message)")
        }
    }

    func testRecipientFieldsAndBccRemoval() throws {
        let message = try prepare("To: A <a@x.example>, b@y.example\nCc: team: c@z.example, d;\n"
            + "Bcc: hidden@x.example\n  ,more@x.example\nSubject: s\nBcc: second@x.example\n\nBcc: in-body@x\n")
        XCTAssertEqual(message.headerRecipients.map { "\($0.localPart)@\($0.domain ?? "-")" },
                       ["a@x.example", "b@y.example", "c@z.example", "d@-", "hidden@x.example", "more@x.example",
                        "second@x.example"])
        let text = String(decoding: message.body, as: UTF8.self)
        XCTAssertFalse(text.lowercased().contains("hidden"), text)
        XCTAssertFalse(text.contains("second@"), text)
        XCTAssertTrue(text.contains("\r\n\r\nBcc: in-body@x\r\n"), "the body is untouched: \(text)")
        XCTAssertTrue(text.hasPrefix("To: A <a@x.example>, b@y.example\r\nCc: team: c@z.example, d;\r\nSubject: s\r\n"), text)
    }

    func testBadInputIsADataError() {
        let table: [(String, String)] = [
            ("Subject: a\n\nbin\u{0}ary\n", "the message contains NUL octets (binary data must be MIME-encoded)"),
            ("Subject: a\n\n" + String(repeating: "x", count: 999) + "\n",
             "line 3 is longer than 998 characters (RFC 5322 §2.1.1)"),
        ]
        for (input, message) in table {
            XCTAssertThrowsError(try prepare(input)) { error in
                XCTAssertEqual(error as? SendmailError, .data(message))
                XCTAssertEqual((error as? SendmailError)?.exitStatus, 65)
            }
        }
        XCTAssertNoThrow(try prepare("Subject: a\n\n" + String(repeating: "x", count: 998) + "\r\n"))
    }

    func testLineEndingsBecomeCRLF() throws {
        XCTAssertEqual(try text("From: a@x\r\nDate: d\nMessage-ID: <m>\r\n\nline\rnext\r\n"),
                       "From: a@x\r\nDate: d\r\nMessage-ID: <m>\r\n\r\nline\r\nnext\r\n")
    }
}
