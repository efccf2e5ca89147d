import XCTest
@testable import MailCore

/// `HeaderFieldFilter` (RFC 9051 §6.4.5 HEADER.FIELDS / HEADER.FIELDS.NOT)
/// and `CachedHeaderFields`: fixture tables, header bytes → kept bytes.
final class HeaderFieldFilterTests: XCTestCase {
    /// (header, filter, kept): the filter applied to the header gives kept.
    static let fixtures: [(String, HeaderFieldFilter, String)] = [
        ("From: a\r\nSubject: s\r\nDate: d\r\n\r\n", .only(["subject"]), "Subject: s\r\n\r\n"),
        ("From: a\r\nSubject: s\r\nDate: d\r\n\r\n", .only(["DATE", "from"]), "From: a\r\nDate: d\r\n\r\n"),
        ("From: a\r\nSubject: s\r\n\r\n", .only(["X-None"]), "\r\n"),
        ("From: a\r\nSubject: s\r\nDate: d\r\n\r\n", .except(["Subject"]), "From: a\r\nDate: d\r\n\r\n"),
        ("From: a\r\nSubject: s\r\n\r\n", .except([]), "From: a\r\nSubject: s\r\n\r\n"),
        // Folded fields are kept whole, as written.
        ("Subject: one\r\n two\r\n\tthree\r\nTo: t\r\n\r\n", .only(["Subject"]), "Subject: one\r\n two\r\n\tthree\r\n\r\n"),
        // Repeated fields all kept, in order; names of any case.
        ("Received: 1\r\nreceived: 2\r\nX: y\r\nRECEIVED: 3\r\n\r\n", .only(["Received"]),
         "Received: 1\r\nreceived: 2\r\nRECEIVED: 3\r\n\r\n"),
        // Bare LF line ends stay as they are; the end is CRLF.
        ("From: a\nSubject: s\n\n", .only(["subject"]), "Subject: s\n\r\n"),
        // A last field without a line break gets one.
        ("From: a\r\nSubject: cut", .only(["Subject"]), "Subject: cut\r\n\r\n"),
        // WSP before the colon (obsolete syntax): the name is without it.
        ("Subject : s\r\n\r\n", .only(["Subject"]), "Subject : s\r\n\r\n"),
        // Lines that are no field, and their continuations, are never kept.
        ("From someone\r\n more\r\nSubject: s\r\nno colon\r\n\r\n", .except(["X"]), "Subject: s\r\n\r\n"),
        // Only the header: what follows its empty line is not looked at.
        ("From: a\r\n\r\nSubject: in the body\r\n", .only(["Subject"]), "\r\n"),
        // A name that only differs beyond ASCII letters does not match.
        ("X-A: 1\r\nX_A: 2\r\n\r\n", .only(["x-a"]), "X-A: 1\r\n\r\n"),
        ("", .only(["Subject"]), "\r\n"),
    ]

    func testFiltersKeepTheNamedFieldsAsWritten() {
        for (header, filter, kept) in Self.fixtures {
            XCTAssertEqual(String(decoding: filter.apply(to: Array(header.utf8)), as: UTF8.self), kept,
                           "\(filter) of \(header.debugDescription)")
        }
    }

    /// `forEachField` finds what `parse` gives.
    func testFieldSpansAreTheParsedFields() {
        for (header, _, _) in Self.fixtures {
            let bytes = Array(header.utf8)
            var spans: [MessageHeader.FieldSpan] = []
            let bodyOffset = MessageHeader.forEachField(bytes, in: 0..<bytes.count) { spans.append($0) }
            let parsed = MessageHeader.parse(bytes)
            XCTAssertEqual(bodyOffset, parsed.bodyOffset)
            XCTAssertEqual(spans.map { String(decoding: bytes[$0.name], as: UTF8.self) }, parsed.fields.map(\.name))
            XCTAssertEqual(spans.map { Array(bytes[$0.value]) }, parsed.fields.map(\.rawValue))
            XCTAssertEqual(spans.map(\.whole.lowerBound), parsed.fields.map(\.offset))
        }
    }

    func testCachedFieldsCoverOnlyRequestsForCachedNames() {
        XCTAssertTrue(CachedHeaderFields.covers(.only(["From", "subject", "DATE"])))
        XCTAssertTrue(CachedHeaderFields.covers(.only(["message-id", "References", "In-Reply-To", "List-Id"])))
        XCTAssertTrue(CachedHeaderFields.covers(.only([])), "an empty list keeps no field")
        XCTAssertFalse(CachedHeaderFields.covers(.only(["From", "X-Mailer"])))
        XCTAssertFalse(CachedHeaderFields.covers(.only(["Received"])))
        XCTAssertFalse(CachedHeaderFields.covers(.except(["From"])), "NOT keeps fields nobody named")
    }

    func testCachedFieldsAreTheListFieldsOfTheHeader() throws {
        let header = Array("Received: from x\r\nFrom: a@example.org\r\nX-Mailer: m\r\nSubject: s\r\n\r\n".utf8)
        let cached = try XCTUnwrap(CachedHeaderFields.extract(fromHeader: header))
        XCTAssertEqual(String(decoding: cached, as: UTF8.self), "From: a@example.org\r\nSubject: s\r\n\r\n")
        let long = Array(("References: " + String(repeating: "<x@example.org> ", count: 1100) + "\r\n\r\n").utf8)
        XCTAssertNil(CachedHeaderFields.extract(fromHeader: long), "over \(CachedHeaderFields.maximumSize) octets")
    }
}
