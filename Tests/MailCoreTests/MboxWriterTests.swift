import Foundation
import XCTest
@testable import MailCore

final class MboxWriterTests: XCTestCase {
    func testQuotesFromLinesAndConvertsCRLF() {
        let message = Array("Subject: x\r\n\r\nFrom me\r\n>From you\r\nplain\r\n".utf8)
        let entry = MboxWriter.entry(message: message, sender: "a@b", date: Date(timeIntervalSince1970: 0))
        XCTAssertEqual(String(decoding: entry, as: UTF8.self),
                       "From a@b Thu Jan  1 00:00:00 1970\nSubject: x\n\n>From me\n>>From you\nplain\n\n")
    }

    func testAddsMissingFinalNewline() {
        let entry = MboxWriter.entry(message: Array("S: x\n\nend".utf8), sender: "a@b", date: Date(timeIntervalSince1970: 0))
        XCTAssertTrue(String(decoding: entry, as: UTF8.self).hasSuffix("\nend\n\n"))
    }

    func testRoundTripThroughReader() throws {
        let messages = [
            "Subject: one\r\n\r\nFrom the start\r\n>From quoted\r\n>>>From deep\r\n\r\n\r\n",
            "Subject: two\r\n\r\n\r\nFrom \r\n.\r\n..dots\r\n",
            "Subject: three\r\n\r\nlast\r\n",
        ]
        let date = Date(timeIntervalSince1970: 1_763_728_496)
        var file: [UInt8] = []
        for message in messages { file += MboxWriter.entry(message: Array(message.utf8), sender: "x@y", date: date) }
        var reader = MboxReader(bytes: file)
        var read: [String] = []
        while let message = try reader.next() {
            XCTAssertEqual(message.separator.date, date)
            read.append(String(decoding: LineEndings.normalizeToCRLF(message.body), as: UTF8.self))
        }
        XCTAssertEqual(read, messages)
    }

    func testEnvelopeSender() {
        XCTAssertEqual(MboxWriter.envelopeSender(of: Array("Return-Path: <bounce@a.org>\r\nFrom: Bob <bob@b.org>\r\n\r\n".utf8)),
                       "bounce@a.org")
        XCTAssertEqual(MboxWriter.envelopeSender(of: Array("From: Bob <bob@b.org>\r\n\r\n".utf8)), "bob@b.org")
        XCTAssertEqual(MboxWriter.envelopeSender(of: Array("From: bob@b.org\r\n\r\n".utf8)), "bob@b.org")
        XCTAssertEqual(MboxWriter.envelopeSender(of: Array("Return-Path: <>\r\n\r\nFrom: body@x.org\r\n".utf8)),
                       "MAILER-DAEMON")
    }

    func testLineEndingsNormalisation() {
        XCTAssertEqual(LineEndings.normalizeToCRLF(Array("a\nb\r\nc\n\n".utf8)), Array("a\r\nb\r\nc\r\n\r\n".utf8))
        let once = LineEndings.normalizeToCRLF(Array("x\ny\n".utf8))
        XCTAssertEqual(LineEndings.normalizeToCRLF(once), once)
    }
}
