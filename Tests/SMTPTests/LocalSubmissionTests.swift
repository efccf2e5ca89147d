import Foundation
import Logging
import MailStore
import XCTest
@testable import SMTP

/// `tern sendmail`'s delivery: the same resolution and delivery as an SMTP
/// session, with sendmail's errors.
final class LocalSubmissionTests: SMTPSessionTestCase {
    static let user = LocalSubmission.LocalUser(name: "cron", id: 1000)

    private func submission(maxMessageSize: Int = 100_000, postmasterAccount: String? = nil,
                            logger: Logger? = nil) -> LocalSubmission {
        LocalSubmission(store: store, outboundQueue: queue,
                        settings: .init(hostName: "mx.example.org", mailDomain: "example.org",
                                        maxMessageSize: maxMessageSize, maxRecipients: 100,
                                        postmasterAccount: postmasterAccount),
                        logger: logger ?? self.logger, now: { SMTPSessionTestCase.date }, makeID: { "ID1" })
    }

    private func submit(_ arguments: [String], _ message: String, maxMessageSize: Int = 100_000,
                        logger: Logger? = nil) async throws -> LocalSubmission.Receipt {
        let options = try SendmailOptions.parse(arguments)
        return try await submission(maxMessageSize: maxMessageSize, logger: logger)
            .submit(Array(message.utf8), options: options, user: Self.user)
    }

    /// The error of a submission that must fail.
    private func failure(_ arguments: [String], _ message: String = "Subject: s\n\nb\n",
                         maxMessageSize: Int = 100_000) async -> SendmailError? {
        do {
            _ = try await submit(arguments, message, maxMessageSize: maxMessageSize)
            XCTFail("\(arguments) was accepted")
            return nil
        } catch {
            return error as? SendmailError
        }
    }

    func testLocalRecipientsGetTraceFieldsAndMissingHeaders() async throws {
        let receipt = try await submit(["-f", "alice@example.org", "sales@example.org"], "Subject: report\n\nAll good.\n")
        XCTAssertEqual(receipt, .init(id: "ID1", localCopies: 2, relayedRecipients: 0, queueID: nil))
        for account in [alice!, bob!] {
            let texts = try await inboxTexts(account)
            XCTAssertEqual(texts.count, 1)
            let text = texts[0]
            XCTAssertTrue(text.hasPrefix("Return-Path: <alice@example.org>\r\nReceived: by mx.example.org "
                + "(Tern sendmail, from userid 1000)\r\n\tid ID1\r\n\tfor <sales@example.org>; "
                + "Tue, 14 Nov 2023 22:13:20 +0000\r\nSubject: report\r\nDate: "), text)
            XCTAssertTrue(text.contains("\r\nFrom: alice@example.org\r\nMessage-ID: <ID1@mx.example.org>\r\n\r\n"
                + "All good.\r\n"), text)
        }
    }

    /// Names without a domain (the Unix user, recipients) are at the mail
    /// domain, so they stay local.
    func testUnqualifiedNamesAreAtTheMailDomain() async throws {
        _ = try await submit(["-F", "Cron Daemon", "bob", "Alice <alice@example.org>, info"], "Subject: s\n\nb\n")
        let texts = try await inboxTexts(bob)
        let text = try XCTUnwrap(texts.first)
        XCTAssertTrue(text.hasPrefix("Return-Path: <cron@example.org>\r\n"), text)
        XCTAssertTrue(text.contains("\r\nFrom: Cron Daemon <cron@example.org>\r\n"), text)
        let alices = try await inboxTexts(alice)
        XCTAssertEqual(alices.count, 1, "alice@ and info@ reach alice once")
        let unknown = await failure(["root"])
        XCTAssertEqual(unknown, .noUser("root@example.org: no such user here"))
        XCTAssertEqual(unknown?.exitStatus, 67)
        let table: [(String, [String], String)] = [
            ("mx.example.org", ["example.org", "mx.example.org"], "mx.example.org"),
            ("Mail.Example.org", ["example.org", "other.example"], "example.org"),
            ("localhost", [], "localhost"),
        ]
        for (host, domains, expected) in table {
            XCTAssertEqual(LocalSubmission.originDomain(hostName: host, localDomains: domains), expected)
        }
    }

    func testHeaderRecipientsRemoteQueuedAndDKIMSubmitter() async throws {
        let receipt = try await submit(["-t", "-f", "info@example.org", "-N", "never"],
                                       "To: Bob <bob@example.org>\nCc: pal@remote.test\nBcc: carol@catchall.example, "
                                       + "hidden@remote.test\nSubject: t\n\nhi\n")
        XCTAssertEqual(receipt.localCopies, 2)
        XCTAssertEqual(receipt.relayedRecipients, 2)
        XCTAssertEqual(receipt.queueID, "Q1")
        let entry = try XCTUnwrap(queue.entries.first)
        XCTAssertEqual(entry.recipients.map(\.address), ["pal@remote.test", "hidden@remote.test"])
        XCTAssertEqual(entry.recipients.map(\.notify), [.never, .never])
        XCTAssertEqual(entry.sender, "info@example.org")
        XCTAssertEqual(entry.authenticatedUser, "alice@example.org", "info@ is alice's alias: signed as her submission")
        XCTAssertEqual(entry.dsn.body, .sevenBit)
        let queued = String(decoding: entry.body, as: UTF8.self)
        XCTAssertTrue(queued.hasPrefix("Received: by mx.example.org (Tern sendmail, from userid 1000)\r\n\tid ID1\r\n\t; "),
                      queued)
        XCTAssertFalse(queued.contains("Bcc:"), queued)
        let carols = try await inboxTexts(carol)
        XCTAssertEqual(carols.count, 1)
        XCTAssertFalse(carols[0].contains("hidden"), "Bcc: is removed from every copy")
    }

    func testSenderWithoutAccountIsNotASubmission() async throws {
        _ = try await submit(["-f", "<>", "pal@remote.test"], "Subject: s\n\nbyte \u{E9}\n")
        let entry = try XCTUnwrap(queue.entries.first)
        XCTAssertNil(entry.sender, "the null sender")
        XCTAssertNil(entry.authenticatedUser)
        XCTAssertEqual(entry.dsn.body, .eightBitMIME)
        _ = try await submit(["-f", "someone@catchall.example", "pal@remote.test"], "Subject: s\n\nb\n")
        XCTAssertNil(queue.entries.last?.authenticatedUser, "a catch-all address is no account's own")
    }

    func testRoleAddressesAreDeliverable() async throws {
        _ = try await submit(["postmaster@catchall.example", "abuse", "postmaster@mx.example.org"], "Subject: s\n\nb\n")
        let texts = try await inboxTexts(alice)
        XCTAssertEqual(texts.count, 1, "role addresses of local domains and host_name reach the oldest account, once")
    }

    func testRefusalsAndExitStatuses() async {
        let table: [([String], String, SendmailError)] = [
            ([], "Subject: s\n\nb\n", .usage("no recipients given (name them, or use -t to read To:, Cc: and Bcc:)")),
            (["-t"], "Subject: s\n\nb\n", .usage("no recipients: none on the command line nor in To:, Cc: or Bcc:")),
            (["-f", "a@@b", "alice@example.org"], "Subject: s\n\nb\n", .usage("bad sender address \"a@@b\"")),
            (["nobody@example.org"], "Subject: s\n\nb\n", .noUser("nobody@example.org: no such user here")),
            (["a%b@example.org"], "Subject: s\n\nb\n",
             .noUser("a%b@example.org: no such user here (%, ! and @ do not route mail)")),
            (["alice@example.org"], "Subject: s\n\n\u{0}\u{1}\u{2}garbage",
             .data("the message contains NUL octets (binary data must be MIME-encoded)")),
        ]
        for (arguments, message, expected) in table {
            let got = await failure(arguments, message)
            XCTAssertEqual(got, expected, "\(arguments)")
        }
        for bad in ["not an address@@", "a@x.example,", "Name <>", "@example.org"] {
            let malformed = await failure([bad])
            XCTAssertEqual(malformed?.exitStatus, 64, "\(bad): \(String(describing: malformed))")
        }
        let tooLarge = await failure(["alice@example.org"], "Subject: s\n\n" + String(repeating: "x\n", count: 600),
                                     maxMessageSize: 1000)
        XCTAssertEqual(tooLarge?.exitStatus, 65)
        XCTAssertTrue(queue.entries.isEmpty)
        let delivered = try? await inbox(alice)
        XCTAssertEqual(delivered?.count, 0, "nothing delivered by a refused submission")
    }

    /// A store that fails is EX_TEMPFAIL, with nothing left behind.
    func testStoreFailureIsTemporary() async throws {
        queue.failNextEnqueue()
        let got = await failure(["alice@example.org", "pal@remote.test"])
        XCTAssertEqual(got?.exitStatus, 75)
        let delivered = try await inbox(alice)
        XCTAssertTrue(delivered.isEmpty, "the local copy was rolled back")
    }

    /// The same log lines as SMTP intake.
    func testLogsDeliveryLines() async throws {
        let lines = LogLines()
        let logger = Logger(label: "sendmail-log") { _ in CapturingLogHandler(lines: lines) }
        _ = try await submit(["-f", "alice@example.org", "bob@example.org", "pal@remote.test"],
                             "Message-ID: <own@x>\nSubject: s\n\nb\n", logger: logger)
        XCTAssertEqual(lines.all.filter { $0.hasPrefix("ID1: ") }.map { $0.components(separatedBy: ", size=")[0] }, [
            "ID1: from=<alice@example.org>, to=<bob@example.org>, message-id=<own@x>",
            "ID1: from=<alice@example.org>, to=<pal@remote.test>, message-id=<own@x>",
        ])
    }
}
