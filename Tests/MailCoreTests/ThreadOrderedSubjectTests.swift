import XCTest
@testable import MailCore

/// A Date: value `day` days into January 2024 (fixtures read by day).
func januaryDate(_ day: Int, hour: Int = 12) -> String {
    "\(day) Jan 2024 \(hour < 10 ? "0" : "")\(hour):00:00 +0000"
}

/// THREAD=ORDEREDSUBJECT (RFC 5256 §4) and the RFC 5256 thread notation.
final class ThreadOrderedSubjectTests: XCTestCase {
    func testNotationOfTheRFCExample() {
        // RFC 5256 §4: "(2)(3 6 (4 23)(44 7 96))".
        let threads = [
            ThreadNode(id: 2),
            ThreadNode(id: 3, children: [
                ThreadNode(id: 6, children: [
                    ThreadNode(id: 4, children: [ThreadNode(id: 23)]),
                    ThreadNode(id: 44, children: [ThreadNode(id: 7, children: [ThreadNode(id: 96)])]),
                ]),
            ]),
        ]
        XCTAssertEqual(ThreadNode.notation(threads), "(2)(3 6 (4 23)(44 7 96))")
        XCTAssertEqual(threads[1].description, "(3 6 (4 23)(44 7 96))")
        // A dummy is its children in parentheses: "((3)(5))".
        XCTAssertEqual(ThreadNode(id: nil, children: [ThreadNode(id: 3), ThreadNode(id: 5)]).description, "((3)(5))")
        XCTAssertEqual(ThreadNode.notation([]), "")
    }

    func testThreadsByBaseSubjectThenDate() {
        let messages = [
            sortable(1, date: januaryDate(3), subject: "Hello"),
            sortable(2, date: januaryDate(5), subject: "Re: hello"),
            sortable(3, date: januaryDate(1), subject: "Other"),
            sortable(4, date: januaryDate(4), subject: "RE: Hello"),
            sortable(5, date: januaryDate(2)),
            sortable(6, date: januaryDate(6), subject: "Fwd: other"),
            // Same date as 4: sequence number decides.
            sortable(7, date: januaryDate(4), subject: "hello (fwd)"),
        ]
        // The first message of a thread is the parent of all the others
        // (no grandchildren); threads ordered by their first message's date.
        XCTAssertEqual(ThreadNode.notation(MessageThreader.orderedSubject(messages)), "(3 6)(5)(1 (4)(7)(2))")
    }

    func testMissingDateUsesInternalDateAndEmptySubjectsFormOneThread() {
        let jan = MailDate(year: 2024, month: 1, day: 1)?.secondsSinceEpoch ?? 0
        let messages = [
            sortable(1, arrival: jan + 3 * 86400, subject: "x"),
            sortable(2, arrival: jan + 9 * 86400, date: januaryDate(2), subject: "Re: x"),
            sortable(3, arrival: jan, date: "garbage", subject: ""),
            sortable(4, arrival: jan + 86400, subject: "Re:"),
        ]
        // 1 is sent on Jan 4 (internal date), 2 on Jan 2; 3 and 4 have the
        // empty base subject.
        XCTAssertEqual(ThreadNode.notation(MessageThreader.orderedSubject(messages)), "(3 4)(2 1)")
    }

    func testEmptyAndSingle() {
        XCTAssertEqual(MessageThreader.orderedSubject([]), [])
        XCTAssertEqual(MessageThreader.orderedSubject([sortable(9, subject: "a")]), [ThreadNode(id: 9)])
    }

    func testDeepTreeEqualityAndNotationDoNotRecurse() {
        // 100,000 levels: == , description and freeing would overflow the
        // stack if they recursed.
        func chain(_ depth: Int) -> ThreadNode {
            var node = ThreadNode(id: UInt32(depth))
            for id in stride(from: depth - 1, through: 1, by: -1) { node = ThreadNode(id: UInt32(id), children: [node]) }
            return node
        }
        let first = chain(100_000), second = chain(100_000)
        XCTAssertEqual(first, second)
        XCTAssertNotEqual(first, chain(99_999))
        let notation = first.description
        XCTAssertTrue(notation.hasPrefix("(1 2 3 "))
        XCTAssertTrue(notation.hasSuffix(" 99999 100000)"))
    }

    func testChildrenAreCopyOnWrite() {
        let original = ThreadNode(id: 1, children: [ThreadNode(id: 2)])
        var copy = original
        copy.children.append(ThreadNode(id: 3))
        XCTAssertEqual(original.description, "(1 2)")
        XCTAssertEqual(copy.description, "(1 (2)(3))")
        copy.children = []
        XCTAssertEqual(copy, ThreadNode(id: 1))
        XCTAssertTrue(ThreadNode(id: nil).isDummy)
    }
}
