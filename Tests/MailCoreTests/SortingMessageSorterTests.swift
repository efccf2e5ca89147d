import XCTest
@testable import MailCore

/// A message for SORT and THREAD fixtures, header values as text.
func sortable(_ id: UInt32, arrival: Int64 = 0, size: Int = 0, date: String? = nil, subject: String? = nil,
              from: String? = nil, to: String? = nil, cc: String? = nil, messageID: String? = nil,
              references: String? = nil, inReplyTo: String? = nil) -> SortableMessage {
    SortableMessage(id: id, internalDate: MailDate(secondsSinceEpoch: arrival), size: size,
                    date: date.map(utf8Bytes), subject: subject.map(utf8Bytes), from: from.map(utf8Bytes),
                    to: to.map(utf8Bytes), cc: cc.map(utf8Bytes), messageID: messageID.map(utf8Bytes),
                    references: references.map(utf8Bytes), inReplyTo: inReplyTo.map(utf8Bytes))
}

/// RFC 5256 §3 SORT and RFC 5957 DISPLAYFROM / DISPLAYTO.
final class SortingMessageSorterTests: XCTestCase {
    private func sorted(_ messages: [SortableMessage], _ criteria: SortCriterion...) -> [UInt32] {
        MessageSorter.sort(messages, by: criteria)
    }

    func testArrivalIsTheInternalDate() {
        let messages = [sortable(1, arrival: 300), sortable(2, arrival: 100), sortable(3, arrival: 200),
                        sortable(4, arrival: 100)]
        XCTAssertEqual(sorted(messages, SortCriterion(.arrival)), [2, 4, 3, 1])
    }

    func testDateIsTheSentDateInUTC() {
        let messages = [
            sortable(1, date: "Mon, 1 Jan 2024 09:00:00 +0000"),
            // 10:00 at +0200 is 08:00 UTC: earlier than message 1.
            sortable(2, date: "Mon, 1 Jan 2024 10:00:00 +0200"),
            // 04:30 at -0500 is 09:30 UTC.
            sortable(3, date: "Mon, 1 Jan 2024 04:30:00 -0500"),
        ]
        XCTAssertEqual(sorted(messages, SortCriterion(.date)), [2, 1, 3])
    }

    func testDateFallsBackToTheInternalDate() {
        // §2.2: a missing or unparsable Date: field means the internal date.
        let jan1 = MailDate(year: 2024, month: 1, day: 1, hour: 9)?.secondsSinceEpoch ?? 0
        let messages = [
            sortable(1, arrival: jan1 + 3600, date: "Mon, 1 Jan 2024 09:30:00 +0000"),
            sortable(2, arrival: jan1),
            sortable(3, arrival: jan1 + 7200, date: "not a date at all"),
            sortable(4, arrival: 0, date: "Mon, 1 Jan 2024 08:00:00 +0000"),
        ]
        XCTAssertEqual(sorted(messages, SortCriterion(.date)), [4, 2, 1, 3])
    }

    func testSize() {
        let messages = [sortable(1, size: 5000), sortable(2, size: 10), sortable(3, size: 700), sortable(4, size: 10)]
        XCTAssertEqual(sorted(messages, SortCriterion(.size)), [2, 4, 3, 1])
    }

    func testSubjectIsTheBaseSubjectCaseInsensitively() {
        let messages = [
            sortable(1, subject: "Re: banana"),
            sortable(2, subject: "Apple"),
            sortable(3, subject: "[list] cherry"),
            sortable(4, subject: "Fwd: APPLE"),
            sortable(5),
            sortable(6, subject: "_underscore"),
        ]
        // Missing subject first (empty string); "_" (0x5F) after the
        // upper-cased letters.
        XCTAssertEqual(sorted(messages, SortCriterion(.subject)), [5, 2, 4, 1, 3, 6])
    }

    func testFromToAndCcUseTheFirstMailboxLocalPart() {
        let messages = [
            sortable(1, from: "Zed <carol@example.com>", to: "b@x.test", cc: "Zoe <z@x.test>, a@x.test"),
            sortable(2, from: "alice@zzz.example", to: "\"Quoted Name\" <C@x.test>", cc: nil),
            sortable(3, from: "Bob <BOB@example.com>", to: "A <a@x.test>", cc: "m@x.test"),
            sortable(4, from: "", to: "Friends: d@x.test, e@x.test;", cc: "undisclosed-recipients:;"),
            sortable(5, from: "bob@other.example"),
        ]
        // Missing and empty fields sort as "" (first); the display name and
        // domain play no part; case does not matter, ties by sequence number.
        XCTAssertEqual(sorted(messages, SortCriterion(.from)), [4, 2, 3, 5, 1])
        // A group's addr-mailbox is its name (the ENVELOPE start marker).
        XCTAssertEqual(sorted(messages, SortCriterion(.to)), [5, 3, 1, 2, 4])
        XCTAssertEqual(sorted(messages, SortCriterion(.cc)), [2, 5, 3, 4, 1])
    }

    func testDisplayFromAndDisplayTo() {
        // RFC 5957 §3: the display-name, RFC 2047 decoded, else the addr-spec.
        let messages = [
            sortable(1, from: "Zed <alice@example.com>", to: "yann@x.test"),
            sortable(2, from: "bob@example.com", to: "=?utf-8?q?=C3=89mile?= <a@x.test>"),
            sortable(3, from: "=?utf-8?q?Carla?= <zz@example.com>", to: "\"\" <b@x.test>"),
            sortable(4, from: "\"  \" <aaron@example.com>"),
            sortable(5, from: "(Comment Name) nobody@example.com", to: "Team: c@x.test;"),
        ]
        // "aaron@example.com" (blank name), "bob@example.com", "CARLA",
        // "COMMENT NAME" (a trailing comment names the mailbox), "ZED".
        XCTAssertEqual(sorted(messages, SortCriterion(.displayFrom)), [4, 2, 3, 5, 1])
        // "", "b@x.test" (empty name), "Émile" (with the E's, i;unicode-casemap), "TEAM" (group), "YANN@X.TEST".
        XCTAssertEqual(sorted(messages, SortCriterion(.displayTo)), [4, 3, 2, 5, 1])
    }

    func testReverseKeepsTiesInSequenceOrder() {
        let messages = [sortable(1, size: 10), sortable(2, size: 30), sortable(3, size: 10), sortable(4, size: 20)]
        XCTAssertEqual(sorted(messages, SortCriterion(.size, reversed: true)), [2, 4, 1, 3])
        // Not the same as the plain sort reversed ([2, 4, 3, 1]).
        XCTAssertNotEqual(sorted(messages, SortCriterion(.size, reversed: true)),
                          sorted(messages, SortCriterion(.size)).reversed())
    }

    func testMultipleCriteria() {
        let messages = [
            sortable(1, arrival: 5, size: 100, subject: "b"),
            sortable(2, arrival: 1, size: 100, subject: "a"),
            sortable(3, arrival: 3, size: 200, subject: "Re: B"),
            sortable(4, arrival: 2, size: 100, subject: "A"),
            sortable(5, arrival: 2, size: 300, subject: "b"),
        ]
        XCTAssertEqual(sorted(messages, SortCriterion(.subject), SortCriterion(.arrival)), [2, 4, 5, 3, 1])
        XCTAssertEqual(sorted(messages, SortCriterion(.subject), SortCriterion(.arrival, reversed: true)),
                       [4, 2, 1, 3, 5])
        XCTAssertEqual(sorted(messages, SortCriterion(.subject, reversed: true), SortCriterion(.size, reversed: true)),
                       [5, 3, 1, 2, 4])
        XCTAssertEqual(sorted(messages, SortCriterion(.size), SortCriterion(.subject), SortCriterion(.arrival)),
                       [2, 4, 1, 3, 5])
        // The same key twice: the second never decides anything.
        XCTAssertEqual(sorted(messages, SortCriterion(.size), SortCriterion(.size, reversed: true)), [1, 2, 4, 3, 5])
    }

    func testNoCriteriaIsSequenceOrderAndInputOrderDoesNotMatter() {
        let messages = [sortable(3, size: 1), sortable(1, size: 1), sortable(2, size: 1)]
        XCTAssertEqual(sorted(messages), [1, 2, 3])
        XCTAssertEqual(sorted(messages, SortCriterion(.size)), [1, 2, 3])
        XCTAssertEqual(MessageSorter.sort([], by: [SortCriterion(.subject)]), [])
    }

    func testKeyNames() {
        XCTAssertEqual(SortKey(name: "ARRIVAL"), .arrival)
        XCTAssertEqual(SortKey(name: "displayFrom"), .displayFrom)
        XCTAssertEqual(SortKey(name: "DISPLAYTO"), .displayTo)
        XCTAssertEqual(SortKey(name: "Cc"), .cc)
        XCTAssertNil(SortKey(name: "REVERSE"))
        XCTAssertNil(SortKey(name: "BCC"))
        XCTAssertEqual(SortKey.allCases.compactMap { SortKey(name: "\($0)") }, SortKey.allCases)
    }

    func testKeysAreComputedOncePerMessage() {
        // One number per message and criterion, made before sorting:
        // comparisons only read them (the 100,000-message case stays
        // O(n log n) integer comparisons).
        let messages = (1...50).map { sortable(UInt32($0), size: $0 % 4, subject: "s\($0 % 7)") }
        let table = SortKeyTable(ids: messages.map(\.id), criteria: [SortCriterion(.subject), SortCriterion(.size, reversed: true)]) {
            MessageSorter.column($0, messages)
        }
        XCTAssertEqual(table.width, 2)
        XCTAssertEqual(table.keys.count, 100)
        // Texts become ranks (7 distinct subjects: 0...6); REVERSE negates.
        XCTAssertEqual(Set(stride(from: 0, to: 100, by: 2).map { table.keys[$0] }), Set(0...6))
        XCTAssertEqual(table.keys[1], -1)
        XCTAssertEqual(SortKeyTable.ranks(["B", "a", "A", ""].map(UnicodeCasemap.key)), [2, 1, 1, 0])
    }

    /// Sorting by keys computed beforehand (`MessageSortKeys`, as the store
    /// keeps them) gives the same order as sorting the messages, for every key.
    func testStoredKeysSortTheSame() {
        var random = SystemRandomNumberGenerator()
        let names = ["Zed <zed@x>", "=?utf-8?q?=C3=89mile?= <e@x>", "bob@x", "\"Doe, Jane\" <jane@x>", "Al <al@x>"]
        let subjects = ["Re: apple", "Banana", "[list] cherry", "Fwd: Apple (fwd)", "", "=?utf-8?q?caf=C3=A9?="]
        let messages = (1...300).map { number -> SortableMessage in
            var message = SortableMessage(id: UInt32(number), internalDate: MailDate(secondsSinceEpoch: Int64.random(in: 0...1_000_000, using: &random)),
                                          size: Int.random(in: 0...50, using: &random))
            message.subject = Array(subjects.randomElement(using: &random)!.utf8)
            message.from = Array(names.randomElement(using: &random)!.utf8)
            message.to = Array(names.randomElement(using: &random)!.utf8)
            message.cc = Bool.random(using: &random) ? Array(names.randomElement(using: &random)!.utf8) : nil
            message.date = Bool.random(using: &random) ? Array("Mon, \(number % 28 + 1) Jan 2024 10:00:00 +0100".utf8) : nil
            return message
        }
        let keyed = messages.map { KeyedSortMessage(id: $0.id, internalDate: $0.internalDate.secondsSinceEpoch,
                                                    size: $0.size, keys: MessageSortKeys($0)) }
        for key in SortKey.allCases {
            for reversed in [false, true] {
                let criteria = [SortCriterion(key, reversed: reversed), SortCriterion(.arrival)]
                XCTAssertEqual(MessageSorter.sort(keyed: keyed, by: criteria), MessageSorter.sort(messages, by: criteria),
                               "\(key) reversed \(reversed)")
            }
        }
    }

    func testHundredThousandMessages() {
        // The size of a large mailbox: the result is a permutation in order.
        let count = 100_000
        let messages = (0..<count).map { index in
            sortable(UInt32(index + 1), arrival: Int64((index * 7919) % 1000), size: (index * 104_729) % 5000,
                     subject: index % 3 == 0 ? "Re: topic \(index % 97)" : "topic \(index % 89)")
        }
        let result = MessageSorter.sort(messages, by: [SortCriterion(.subject), SortCriterion(.arrival, reversed: true)])
        XCTAssertEqual(result.count, count)
        XCTAssertEqual(Set(result).count, count)
        let keys = messages.map { (BaseSubject(rawSubject: $0.subject).comparisonKey, $0.internalDate.secondsSinceEpoch) }
        let misplaced = zip(result, result.dropFirst()).first { previous, next in
            let a = keys[Int(previous) - 1], b = keys[Int(next) - 1]
            let bySubject = UnicodeCasemap.compare(a.0, b.0)
            return !(bySubject < 0 || (bySubject == 0 && (a.1 > b.1 || (a.1 == b.1 && previous < next))))
        }
        XCTAssertNil(misplaced.map { "\($0.0) before \($0.1)" })
    }
}
