import XCTest
@testable import MailCore

final class ParsedMessageTests: XCTestCase {
    func testEnvelopeFields() {
        let message = utf8Bytes([
            "Date: Mon, 7 Feb 1994 21:52:25 -0800 (PST)\r\n",
            "From: Fred Foobar <foobar@Blurdybloop.example>\r\n",
            "Subject: =?utf-8?q?afternoon?= meeting\r\n",
            "To: mooch@owatagu.siam.edu.example, Group: a@b.c;\r\n",
            "Cc: <x@y.z>\r\n",
            "Bcc: hidden@y.z\r\n",
            "In-Reply-To: <parent@host>\r\n",
            "Message-Id: <B27397-0100000@Blurdybloop.example>\r\n",
            "\r\nHello\r\n",
        ].joined())
        let parsed = ParsedMessage.parse(message)
        XCTAssertEqual(parsed.messageID, "B27397-0100000@Blurdybloop.example")
        let envelope = parsed.envelope
        XCTAssertEqual(envelope.date, "Mon, 7 Feb 1994 21:52:25 -0800 (PST)")
        XCTAssertEqual(envelope.subject, "=?utf-8?q?afternoon?= meeting")
        let fred = EnvelopeAddress(name: "Fred Foobar", adl: nil, mailbox: "foobar", host: "blurdybloop.example")
        XCTAssertEqual(envelope.from, [fred])
        XCTAssertEqual(envelope.sender, [fred])
        XCTAssertEqual(envelope.replyTo, [fred])
        XCTAssertEqual(envelope.to.count, 4)
        XCTAssertEqual(envelope.to[0], EnvelopeAddress(name: nil, adl: nil, mailbox: "mooch", host: "owatagu.siam.edu.example"))
        XCTAssertEqual(envelope.cc, [EnvelopeAddress(name: nil, adl: nil, mailbox: "x", host: "y.z")])
        XCTAssertEqual(envelope.bcc.first?.mailbox, "hidden")
        XCTAssertEqual(envelope.inReplyTo, "<parent@host>")
        XCTAssertEqual(envelope.messageID, "<B27397-0100000@Blurdybloop.example>")
        XCTAssertEqual(envelope.parsedDate, MailDate(year: 1994, month: 2, day: 7, hour: 21, minute: 52, second: 25,
                                                      zoneOffsetMinutes: -480))
    }

    func testExplicitSenderAndReplyToAreKept() {
        let parsed = ParsedMessage.parse(utf8Bytes("From: a@x.y\r\nSender: s@x.y\r\nReply-To: \r\n\r\n"))
        XCTAssertEqual(parsed.envelope.sender.first?.mailbox, "s")
        XCTAssertEqual(parsed.envelope.replyTo.first?.mailbox, "a")
    }

    func testMissingFields() {
        let parsed = ParsedMessage.parse(utf8Bytes("\r\nbody only"))
        XCTAssertEqual(parsed.envelope, Envelope())
        XCTAssertNil(parsed.messageID)
    }

    func testMessageIDForms() {
        XCTAssertEqual(ParsedMessage.messageIDValue(" <a@b> (comment)"), "a@b")
        XCTAssertEqual(ParsedMessage.messageIDValue("bare@id"), "bare@id")
        XCTAssertEqual(ParsedMessage.messageIDValue("<unterminated@x"), "unterminated@x")
        XCTAssertNil(ParsedMessage.messageIDValue("<>"))
        XCTAssertNil(ParsedMessage.messageIDValue("two words"))
        XCTAssertNil(ParsedMessage.messageIDValue(""))
    }

    func testStubInitializerStillWorks() throws {
        let message = ParsedMessage(messageID: "x@y")
        XCTAssertEqual(try JSONRoundTrip.roundTrip(message), message)
    }

    func testEnvelopeJSONOmitsDefaults() throws {
        let parsed = ParsedMessage.parse(utf8Bytes("From: a@x.y\r\nSubject: s\r\n\r\n"))
        let json = String(decoding: try JSONEncoder().encode(parsed.envelope), as: UTF8.self)
        XCTAssertFalse(json.contains("sender"))
        XCTAssertFalse(json.contains("reply"))
        XCTAssertEqual(try JSONRoundTrip.roundTrip(parsed.envelope), parsed.envelope)
    }
}
