import XCTest
@testable import MailCore

/// The flag fields mail programs write into mbox messages become flags and
/// keywords, and leave the stored message.
final class MboxStatusHeadersTests: XCTestCase {
    private struct Case {
        var name: String
        var header: String
        var flags: MessageFlags
        var keywords: [String] = []
    }

    private let cases: [Case] = [
        Case(name: "no status: unread", header: "", flags: []),
        Case(name: "mutt new", header: "Status: O\n", flags: []),
        Case(name: "mutt read", header: "Status: RO\n", flags: [.seen]),
        Case(name: "read, order free", header: "Status: OR\n", flags: [.seen]),
        Case(name: "replied and flagged", header: "Status: RO\nX-Status: AF\n", flags: [.seen, .answered, .flagged]),
        Case(name: "draft and deleted", header: "X-Status: TD\n", flags: [.draft, .deleted]),
        Case(name: "field names in any case", header: "STATUS: R\nx-status: a\n", flags: [.seen]),
        Case(name: "unknown letters ignored", header: "Status: RUX\nX-Status: Q\n", flags: [.seen]),
        Case(name: "Dovecot keywords", header: "X-Keywords: $Label1 NonJunk\n", flags: [], keywords: ["$Label1", "NonJunk"]),
        Case(name: "comma separated, folded, repeated", header: "X-Keywords: work,\n  urgent, Work\n", flags: [],
             keywords: ["work", "urgent"]),
        Case(name: "invalid keywords dropped", header: "X-Keywords: \\Seen (x) ok\n", flags: [], keywords: ["ok"]),
        Case(name: "Thunderbird read", header: "X-Mozilla-Status: 0001\n", flags: [.seen]),
        Case(name: "Thunderbird replied, marked", header: "X-Mozilla-Status: 0007\n", flags: [.seen, .answered, .flagged]),
        Case(name: "Thunderbird expunged", header: "X-Mozilla-Status: 0009\n", flags: [.seen, .deleted]),
        Case(name: "Thunderbird forwarded", header: "X-Mozilla-Status: 1001\n", flags: [.seen], keywords: ["$Forwarded"]),
        Case(name: "Thunderbird keys", header: "X-Mozilla-Keys: $label1 todo                    \n", flags: [],
             keywords: ["$label1", "todo"]),
        Case(name: "Thunderbird garbage status", header: "X-Mozilla-Status: zz\n", flags: []),
    ]

    func testFixtureTable() {
        for fixture in cases {
            let message = "From: a@example.org\n\(fixture.header)Subject: hi\n\nbody\n"
            let state = MboxStatusHeaders.extract(from: Array(message.utf8))
            XCTAssertEqual(state.flags, fixture.flags, fixture.name)
            XCTAssertEqual(state.keywords, fixture.keywords, fixture.name)
            XCTAssertEqual(String(decoding: state.message, as: UTF8.self), "From: a@example.org\nSubject: hi\n\nbody\n",
                           "\(fixture.name): the flag fields are removed, everything else kept")
        }
    }

    func testOnlyTheTopLevelHeaderIsRead() {
        let message = "Subject: x\r\nStatus: RO\r\n\r\nStatus: R\r\nX-Status: D\r\n"
        let state = MboxStatusHeaders.extract(from: Array(message.utf8))
        XCTAssertEqual(state.flags, [.seen])
        XCTAssertEqual(String(decoding: state.message, as: UTF8.self), "Subject: x\r\n\r\nStatus: R\r\nX-Status: D\r\n",
                       "CRLF kept; body lines that look like fields are body")
    }

    func testMessageWithoutFlagFieldsIsUnchanged() {
        let bytes = Array("Received: x\n  y\nSubject: s\n\nStatus: RO\n".utf8)
        let state = MboxStatusHeaders.extract(from: bytes)
        XCTAssertEqual(state.message, bytes)
        XCTAssertEqual(state.flags, [])
    }

    func testHeaderOnlyMessageAndEmptyInput() {
        XCTAssertEqual(MboxStatusHeaders.extract(from: Array("Status: R".utf8)).flags, [.seen])
        XCTAssertEqual(MboxStatusHeaders.extract(from: Array("Status: R".utf8)).message, [])
        XCTAssertEqual(MboxStatusHeaders.extract(from: []).message, [])
    }
}
