import XCTest
@testable import MailCore

/// Building a `SortableMessage` from a raw header section.
final class SortingSortableMessageTests: XCTestCase {
    let header = utf8Bytes("""
        Return-Path: <x@y>\r
        date: Mon, 1 Jan 2024 10:00:00 +0200\r
        Subject: Re: a folded\r
         subject\r
        FROM: Alice <alice@example.com>\r
        To: bob@example.com,\r
        \tcarol@example.com\r
        Cc: dave@example.com\r
        Message-Id: <1@x>\r
        References: <0@x>\r
        In-Reply-To: <0@x>\r
        Subject: a second subject is ignored\r
        \r
        Subject: in the body\r

        """)

    func testFieldsFromAHeaderBlock() {
        let message = SortableMessage(id: 7, internalDate: MailDate(secondsSinceEpoch: 99), size: 1234, header: header)
        XCTAssertEqual(message.id, 7)
        XCTAssertEqual(message.size, 1234)
        XCTAssertEqual(message.internalDate, MailDate(secondsSinceEpoch: 99))
        XCTAssertEqual(message.date, utf8Bytes(" Mon, 1 Jan 2024 10:00:00 +0200"))
        // Unfolded: the line break goes, the folding whitespace stays.
        XCTAssertEqual(message.subject, utf8Bytes(" Re: a folded subject"))
        XCTAssertEqual(message.from, utf8Bytes(" Alice <alice@example.com>"))
        XCTAssertEqual(message.to, utf8Bytes(" bob@example.com,\tcarol@example.com"))
        XCTAssertEqual(message.cc, utf8Bytes(" dave@example.com"))
        XCTAssertEqual(message.messageID, utf8Bytes(" <1@x>"))
        XCTAssertEqual(message.references, utf8Bytes(" <0@x>"))
        XCTAssertEqual(message.inReplyTo, utf8Bytes(" <0@x>"))
        XCTAssertEqual(BaseSubject(rawSubject: message.subject).text, "a folded subject")
        XCTAssertEqual(SortKeyValues.sentDate(message), (MailDate(year: 2024, month: 1, day: 1, hour: 8)?.secondsSinceEpoch))
    }

    func testParsedHeaderGivesTheSameMessage() {
        let fromBytes = SortableMessage(id: 1, internalDate: MailDate(secondsSinceEpoch: 0), size: 0, header: header)
        let fromParsed = SortableMessage(id: 1, internalDate: MailDate(secondsSinceEpoch: 0), size: 0,
                                         header: MessageHeader.parse(header))
        XCTAssertEqual(fromBytes, fromParsed)
    }

    func testMissingFieldsAreNil() {
        let message = SortableMessage(id: 1, internalDate: MailDate(secondsSinceEpoch: 0), size: 0,
                                      header: utf8Bytes("X-Other: 1\r\n\r\n"))
        XCTAssertNil(message.date)
        XCTAssertNil(message.subject)
        XCTAssertNil(message.from)
        XCTAssertNil(message.to)
        XCTAssertNil(message.cc)
        XCTAssertNil(message.messageID)
        XCTAssertNil(message.references)
        XCTAssertNil(message.inReplyTo)
        let empty = SortableMessage(id: 1, internalDate: MailDate(secondsSinceEpoch: 0), size: 0, header: [])
        XCTAssertEqual(empty, SortableMessage(id: 1, internalDate: MailDate(secondsSinceEpoch: 0), size: 0))
    }

    /// Only the fields asked for are read; folded values lose their line breaks either way.
    func testOnlyTheFieldsAskedForAreRead() {
        let header = utf8Bytes("Date: Mon, 1 Jan 2024 10:00:00 +0000\r\nSubject: a long\r\n subject\r\nFrom: x@y\r\n"
                               + "References: <a@b>\r\n\r\nbody")
        let subjectOnly = SortableMessage(id: 1, internalDate: MailDate(secondsSinceEpoch: 0), size: 0, header: header,
                                          fields: SortableMessage.Fields(sortingBy: [SortCriterion(.subject)]))
        XCTAssertEqual(subjectOnly.subject, utf8Bytes(" a long subject"))
        XCTAssertNil(subjectOnly.date)
        XCTAssertNil(subjectOnly.from)
        let threading = SortableMessage(id: 1, internalDate: MailDate(secondsSinceEpoch: 0), size: 0, header: header,
                                        fields: .threading)
        XCTAssertEqual(threading.references, utf8Bytes(" <a@b>"))
        XCTAssertNotNil(threading.date)
        XCTAssertNil(threading.from)
        XCTAssertEqual(SortableMessage.Fields(sortingBy: [SortCriterion(.arrival), SortCriterion(.size)]), [])
        XCTAssertEqual(SortableMessage.Fields(sortingBy: [SortCriterion(.displayTo), SortCriterion(.cc, reversed: true)]),
                       [.to, .cc])
        XCTAssertEqual(SortableMessage(id: 1, internalDate: MailDate(secondsSinceEpoch: 0), size: 0, header: header),
                       SortableMessage(id: 1, internalDate: MailDate(secondsSinceEpoch: 0), size: 0, header: header,
                                       fields: .all))
    }
}
