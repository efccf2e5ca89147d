// RFC 3464 bounces: checked with MailCore's MIME parser and, independently,
// with Python's `email` package.
import Foundation
import MailCore
import MailStore
import XCTest
@testable import SMTP

final class DSNBuilderTests: XCTestCase {
    private let original: [UInt8] = Array([
        "Return-Path: <alice@example.org>",
        "From: Alice <alice@example.org>",
        "To: bob@remote.test",
        "Subject: Lunch",
        "Message-ID: <orig-1@example.org>",
        "",
        "Shall we meet at noon?",
        "",
    ].joined(separator: "\r\n").utf8)
    private let arrival = Date(timeIntervalSince1970: 1_790_000_000)
    private let attempt = Date(timeIntervalSince1970: 1_790_000_600)

    private func failure(ret: DSNReturnContent? = nil, envelopeID: String? = "env-42",
                         diagnostic: String = "550 5.1.1 <bob@remote.test>: no such user") -> DeliveryStatusNotification? {
        DeliveryStatusNotification.build(
            reportingMTA: "mx.example.org", sender: "alice@example.org", envelopeID: envelopeID,
            arrivalDate: arrival,
            recipients: [DeliveryStatusNotification.Recipient(
                address: "bob@remote.test",
                originalRecipient: OriginalRecipientAddress(addressType: "rfc822", address: "Bob@Remote.test"),
                action: .failed, status: "5.1.1", remoteMTA: "mx1.remote.test", diagnostic: diagnostic,
                lastAttemptDate: attempt)],
            originalMessage: original, ret: ret, messageID: "dsn-1@mx.example.org")
    }

    func testNullSenderGetsNoBounce() {
        let dsn = DeliveryStatusNotification.build(
            reportingMTA: "mx.example.org", sender: "", arrivalDate: arrival,
            recipients: [.init(address: "bob@remote.test", action: .failed, status: "5.1.1")],
            originalMessage: original)
        XCTAssertNil(dsn)
        XCTAssertNil(DeliveryStatusNotification.build(reportingMTA: "h", sender: "a@b", arrivalDate: arrival,
                                                      recipients: [], originalMessage: original))
    }

    func testStructureParsesAsMultipartReport() throws {
        let dsn = try XCTUnwrap(failure(ret: .full))
        XCTAssertEqual(dsn.recipient, "alice@example.org")
        XCTAssertEqual(dsn.bodyType, .sevenBit)
        let parsed = MIMEParser.parseMessage(dsn.bytes)
        XCTAssertEqual(parsed.root.type, "multipart")
        XCTAssertEqual(parsed.root.subtype, "report")
        XCTAssertEqual(parsed.root.parameters.value("report-type"), "delivery-status")
        XCTAssertEqual(parsed.root.parts.map { "\($0.type)/\($0.subtype)" },
                       ["text/plain", "message/delivery-status", "message/rfc822"])
        XCTAssertEqual(parsed.header["From"], "Mail Delivery System <MAILER-DAEMON@mx.example.org>")
        XCTAssertEqual(parsed.header["To"], "<alice@example.org>")
        XCTAssertEqual(parsed.header["Auto-Submitted"], "auto-replied")
        XCTAssertEqual(parsed.header["Message-ID"], "<dsn-1@mx.example.org>")
        XCTAssertNotNil(parsed.header["Date"])
        // The returned message is the original, whole.
        let returned = parsed.root.parts[2]
        XCTAssertEqual(Array(dsn.bytes[returned.bodyRange]), original)
        XCTAssertEqual(returned.envelope?.subject, "Lunch")

        let report = String(decoding: dsn.bytes[parsed.root.parts[1].bodyRange], as: UTF8.self)
        for line in ["Reporting-MTA: dns; mx.example.org", "Original-Envelope-Id: env-42",
                     "Original-Recipient: rfc822; Bob@Remote.test", "Final-Recipient: rfc822; bob@remote.test",
                     "Action: failed", "Status: 5.1.1", "Remote-MTA: dns; mx1.remote.test",
                     "Diagnostic-Code: smtp; 550 5.1.1 <bob@remote.test>: no such user",
                     "Arrival-Date: \(DSNText.date(arrival))", "Last-Attempt-Date: \(DSNText.date(attempt))"] {
            XCTAssertTrue(report.contains(line + "\r\n"), "missing \(line) in\n\(report)")
        }
        XCTAssertFalse(report.contains("Will-Retry-Until"))
        // Per-message fields, a blank line, then the recipient block.
        XCTAssertTrue(report.contains("\r\n\r\nOriginal-Recipient:"))
    }

    func testHeadersOnlyForRETHDRSAndLargeMessages() throws {
        let hdrs = try XCTUnwrap(failure(ret: .headers))
        let parsed = MIMEParser.parseMessage(hdrs.bytes)
        XCTAssertEqual(parsed.root.parts.last.map { "\($0.type)/\($0.subtype)" }, "text/rfc822-headers")
        let returned = String(decoding: hdrs.bytes[parsed.root.parts[2].bodyRange], as: UTF8.self)
        XCTAssertTrue(returned.contains("Subject: Lunch"))
        XCTAssertFalse(returned.contains("noon"))

        let large = Array("Subject: big\r\n\r\n".utf8) + Array(repeating: UInt8(ascii: "x"), count: 200_000)
        let bigDSN = try XCTUnwrap(DeliveryStatusNotification.build(
            reportingMTA: "h.test", sender: "a@h.test", arrivalDate: arrival,
            recipients: [.init(address: "b@r.test", action: .failed, status: "5.0.0")], originalMessage: large))
        XCTAssertLessThan(bigDSN.bytes.count, 10_000)
        XCTAssertEqual(MIMEParser.parseMessage(bigDSN.bytes).root.parts.last?.subtype, "rfc822-headers")
    }

    func testDelayNoticeCarriesWillRetryUntilAndHeadersOnly() throws {
        let until = Date(timeIntervalSince1970: 1_790_432_000)
        let dsn = try XCTUnwrap(DeliveryStatusNotification.build(
            reportingMTA: "mx.example.org", sender: "alice@example.org", arrivalDate: arrival,
            recipients: [.init(address: "bob@remote.test", action: .delayed, status: "4.4.1",
                               diagnostic: "connection refused", lastAttemptDate: attempt, willRetryUntil: until)],
            originalMessage: original, ret: .full))
        let text = String(decoding: dsn.bytes, as: UTF8.self)
        XCTAssertTrue(text.contains("Subject: Delayed Mail"))
        XCTAssertTrue(text.contains("Action: delayed\r\nStatus: 4.4.1\r\n"))
        XCTAssertTrue(text.contains("Will-Retry-Until: \(DSNText.date(until))\r\n"))
        XCTAssertTrue(text.contains("Content-Type: text/rfc822-headers"))
        XCTAssertFalse(text.contains("Original-Envelope-Id"))
    }

    func testHostileFieldsCannotInjectHeadersAndBadStatusIsReplaced() throws {
        let dsn = try XCTUnwrap(DeliveryStatusNotification.build(
            reportingMTA: "mx.example.org\r\nBcc: victim@x.test", sender: "alice@example.org\r\nX-Evil: 1",
            envelopeID: "e\r\nX-Injected: yes", arrivalDate: arrival,
            recipients: [.init(address: "bob@remote.test\r\nAction: delivered", action: .failed,
                               status: "2.0.0\r\nX: y", diagnostic: "550 no\r\n\r\n--boundary\r\nX-Evil: 2")],
            originalMessage: original))
        let text = String(decoding: dsn.bytes, as: UTF8.self)
        for line in text.components(separatedBy: "\r\n") {
            XCTAssertFalse(line.hasPrefix("Bcc:") || line.hasPrefix("X-Evil") || line.hasPrefix("X-Injected")
                           || line.hasPrefix("X: "), line)
        }
        XCTAssertTrue(text.contains("Status: 5.0.0\r\n"))
        XCTAssertEqual(text.components(separatedBy: "\r\nAction: ").count, 2)
        XCTAssertFalse(text.contains("\n") && text.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
    }

    func testStatusMustMatchTheAction() {
        XCTAssertEqual(DSNText.status("5.1.1", for: .failed), "5.1.1")
        XCTAssertEqual(DSNText.status("4.4.7", for: .failed), "4.4.7")
        XCTAssertEqual(DSNText.status("2.0.0", for: .failed), "5.0.0")
        XCTAssertEqual(DSNText.status("5.1.1", for: .delayed), "4.0.0")
        XCTAssertEqual(DSNText.status("4.1", for: .delayed), "4.0.0")
        XCTAssertEqual(DSNText.status("2.0.1234", for: .delivered), "2.0.0")
        XCTAssertEqual(DSNText.status("2.٣.0", for: .delivered), "2.0.0")
    }

    func testBareLineFeedsInTheOriginalBecomeCRLF() throws {
        let dsn = try XCTUnwrap(DeliveryStatusNotification.build(
            reportingMTA: "h.test", sender: "a@h.test", arrivalDate: arrival,
            recipients: [.init(address: "b@r.test", action: .failed, status: "5.0.0")],
            originalMessage: Array("Subject: lf\n\nbody ü\n".utf8), ret: .full))
        XCTAssertEqual(dsn.bodyType, .eightBitMIME)
        let text = String(decoding: dsn.bytes, as: UTF8.self)
        XCTAssertFalse(text.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        XCTAssertTrue(text.contains("Subject: lf\r\n\r\nbody ü\r\n"))
    }

    func testSuccessNotice() throws {
        let dsn = try XCTUnwrap(DeliveryStatusNotification.build(
            reportingMTA: "h.test", sender: "a@h.test", arrivalDate: arrival,
            recipients: [.init(address: "b@r.test", action: .delivered, status: "2.0.0", remoteMTA: "mx.r.test",
                               diagnostic: "250 2.0.0 OK")], originalMessage: original, ret: .full))
        let text = String(decoding: dsn.bytes, as: UTF8.self)
        XCTAssertTrue(text.contains("Subject: Successful Mail Delivery Report"))
        XCTAssertTrue(text.contains("Action: delivered\r\nStatus: 2.0.0\r\n"))
    }

    // MARK: Python's email package, an independent parser

    func testPythonEmailPackageReadsTheReport() throws {
        let dsn = try XCTUnwrap(failure(ret: .full))
        let result = try python(dsn.bytes, script: """
            import email, json, sys
            msg = email.message_from_bytes(sys.stdin.buffer.read())
            parts = msg.get_payload()
            status = parts[1].get_payload()
            out = {
              "type": msg.get_content_type(),
              "reportType": msg.get_param("report-type"),
              "defects": [str(d) for d in msg.defects],
              "parts": [p.get_content_type() for p in parts],
              "reportingMTA": status[0]["Reporting-MTA"],
              "envid": status[0]["Original-Envelope-Id"],
              "finalRecipient": status[1]["Final-Recipient"],
              "action": status[1]["Action"],
              "status": status[1]["Status"],
              "diagnostic": status[1]["Diagnostic-Code"],
              "returnedSubject": parts[2].get_payload()[0]["Subject"],
              "to": msg["To"], "from": msg["From"], "auto": msg["Auto-Submitted"],
            }
            print(json.dumps(out))
            """)
        XCTAssertEqual(result["type"] as? String, "multipart/report")
        XCTAssertEqual(result["reportType"] as? String, "delivery-status")
        XCTAssertEqual(result["defects"] as? [String], [])
        XCTAssertEqual(result["parts"] as? [String], ["text/plain", "message/delivery-status", "message/rfc822"])
        XCTAssertEqual(result["reportingMTA"] as? String, "dns; mx.example.org")
        XCTAssertEqual(result["envid"] as? String, "env-42")
        XCTAssertEqual(result["finalRecipient"] as? String, "rfc822; bob@remote.test")
        XCTAssertEqual(result["action"] as? String, "failed")
        XCTAssertEqual(result["status"] as? String, "5.1.1")
        XCTAssertEqual(result["diagnostic"] as? String, "smtp; 550 5.1.1 <bob@remote.test>: no such user")
        XCTAssertEqual(result["returnedSubject"] as? String, "Lunch")
        XCTAssertEqual(result["to"] as? String, "<alice@example.org>")
        XCTAssertEqual(result["from"] as? String, "Mail Delivery System <MAILER-DAEMON@mx.example.org>")
        XCTAssertEqual(result["auto"] as? String, "auto-replied")
    }

    /// Runs python3 with `input` on stdin; the script prints one JSON object.
    private func python(_ input: [UInt8], script: String) throws -> [String: Any] {
        guard let python = ["/usr/bin/python3", "/usr/local/bin/python3"]
            .first(where: { FileManager.default.isExecutableFile(atPath: $0) })
            ?? findExecutable("python3") else {
            if ProcessInfo.processInfo.environment["CI"] == "true" { XCTFail("python3 missing on CI") }
            throw XCTSkip("python3 not installed")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", script]
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        stdin.fileHandleForWriting.write(Data(input))
        try stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        let errors = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, String(decoding: errors, as: UTF8.self))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: output) as? [String: Any])
    }

    private func findExecutable(_ name: String) -> String? {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let path = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }
}
