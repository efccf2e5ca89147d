import XCTest
@testable import MailCore

/// A message for REFERENCES fixtures: Message-ID "<id@x>", sent on day
/// `day` of January 2024 (the id when not given).
func threaded(_ id: UInt32, day: Int? = nil, subject: String? = nil, messageID: String? = "", references: String? = nil,
              inReplyTo: String? = nil) -> SortableMessage {
    sortable(id, date: januaryDate(day ?? Int(id)), subject: subject ?? "subject \(id)",
             messageID: messageID == "" ? "<\(id)@x>" : messageID, references: references, inReplyTo: inReplyTo)
}

/// THREAD=REFERENCES (RFC 5256 §4), step by step.
final class ThreadReferencesTests: XCTestCase {
    private func notation(_ messages: [SortableMessage]) -> String {
        ThreadNode.notation(MessageThreader.references(messages))
    }

    func testTheRFCExampleShape() {
        // RFC 5256 §4: "(2)(3 6 (4 23)(44 7 96))", from References fields.
        let messages = [
            threaded(2, day: 1),
            threaded(3, day: 2),
            threaded(6, day: 3, references: "<3@x>"),
            threaded(4, day: 4, references: "<3@x> <6@x>"),
            threaded(23, day: 5, references: "<3@x> <6@x> <4@x>"),
            threaded(44, day: 6, references: "<3@x> <6@x>"),
            threaded(7, day: 7, references: "<3@x> <6@x> <44@x>"),
            threaded(96, day: 8, references: "<3@x>\r\n <6@x>\t<44@x> (comment) <7@x>"),
        ]
        XCTAssertEqual(notation(messages), "(2)(3 6 (4 23)(44 7 96))")
        // The input order does not matter.
        XCTAssertEqual(notation(messages.reversed()), "(2)(3 6 (4 23)(44 7 96))")
    }

    func testStep1ATheFirstReferenceIsTheParentOfTheSecond() {
        // 5 names 1 → 2 → 3; 2 and 3 have no References of their own.
        let messages = [threaded(1), threaded(2), threaded(3), threaded(5, references: "<1@x> <2@x> <3@x>")]
        XCTAssertEqual(notation(messages), "(1 2 3 5)")
    }

    func testStep1AAnExistingParentIsKept() {
        // 3 says 1 → 2; 4 says 9 → 2 (truncated): 2 keeps parent 1.
        let messages = [threaded(1), threaded(2), threaded(3, references: "<1@x> <2@x>"),
                        threaded(4, references: "<9@x> <2@x>"), threaded(9)]
        XCTAssertEqual(notation(messages), "(1 2 (3)(4))(9)")
    }

    func testStep1BTheLastReferenceReplacesAnEarlierParent() {
        // 2 (F) says D → E → F; then E (4) says its parent is A: the link
        // D → E made from 2's References is broken for A → E.
        let messages = [
            threaded(1), threaded(2, references: "<3@x> <4@x>"), threaded(3), threaded(4, references: "<1@x>"),
        ]
        XCTAssertEqual(notation(messages), "(1 4 2)(3)")
    }

    func testStep1BAMessageWithoutReferencesLosesItsParent() {
        // 1 says 3 → 2, but 2 has no references: "if this message has no
        // references, it will now have no parent" (2 comes after 1).
        let messages = [threaded(1, references: "<3@x> <2@x>"), threaded(2), threaded(3)]
        XCTAssertEqual(notation(messages), "(2 1)(3)")
    }

    func testInReplyToIsUsedOnlyWithoutValidReferences() {
        let messages = [
            threaded(1),
            threaded(2),
            // No References: the first valid ID of In-Reply-To is the parent.
            threaded(3, inReplyTo: "garbage <1@x> <2@x>"),
            // References without a valid ID: In-Reply-To again.
            threaded(4, references: "<no-at-sign> junk", inReplyTo: "<2@x>"),
            // Valid References win over In-Reply-To.
            threaded(5, references: "<1@x>", inReplyTo: "<2@x>"),
            // Garbage in both: no parent.
            threaded(6, references: "<>", inReplyTo: "<@x>"),
        ]
        XCTAssertEqual(notation(messages), "(1 (3)(5))(2 4)(6)")
    }

    func testMessageIDsAreNormalizedButCaseSensitive() {
        // RFC 5256 §4: <"01KF8JCEOCBS0045PS"@xxx.yyy.com> and
        // <01KF8JCEOCBS0045PS@xxx.yyy.com> are the same Message ID.
        let messages = [
            threaded(1, messageID: "<\"01KF8JCEOCBS0045PS\"@xxx.yyy.com>"),
            threaded(2, references: "<01KF8JCEOCBS0045PS@xxx.yyy.com>"),
            threaded(3, messageID: "<Case@x>"),
            threaded(4, references: "<case@x>"),
            threaded(5, messageID: " < spaced @ x > "),
            threaded(6, references: "<spaced@x>"),
        ]
        // 4 names an ID no message has (the dummy goes, 4 stays alone).
        XCTAssertEqual(notation(messages), "(1 2)(3)(4)(5 6)")
    }

    func testDuplicateAndMissingMessageIDs() {
        // §4 (1)(A): a duplicate ID belongs to the first (lowest sequence
        // number) message; the others, and messages without a valid ID, get
        // unique IDs no reference can name.
        let messages = [
            threaded(1, messageID: "<a@x>"),
            threaded(2, messageID: "<a@x>"),
            threaded(3, references: "<a@x>"),
            threaded(4, messageID: nil),
            threaded(5, messageID: "not an id"),
            threaded(6, messageID: "<a@x>", references: "<a@x>"),
        ]
        XCTAssertEqual(notation(messages), "(1 (3)(6))(2)(4)(5)")
    }

    func testLoopsAreNotLinked() {
        let messages = [
            // Two messages naming each other: the second link would loop.
            threaded(1, references: "<2@x>"),
            threaded(2, references: "<1@x>"),
            // A message naming itself.
            threaded(3, references: "<3@x>"),
            // A three-step loop: 4 → 6, 5 → 4, 6 → 5 (refused).
            threaded(4, references: "<6@x>"),
            threaded(5, references: "<4@x>"),
            threaded(6, references: "<5@x>"),
            // A loop inside one References field: 8 → 9 → 8 (the second
            // link refused), then 8 → 7.
            threaded(7, references: "<8@x> <9@x> <8@x>"),
            threaded(8),
            // 9 has no references of its own: (1)(B) takes it from 8 again.
            threaded(9),
        ]
        XCTAssertEqual(notation(messages), "(2 1)(3)(6 4 5)(8 7)(9)")
    }

    func testStep3DummiesArePruned() {
        let messages = [
            // A dummy between two messages disappears: 1 → (missing) → 2.
            threaded(1),
            threaded(2, references: "<1@x> <missing-a@x>"),
            // A top-level dummy with one child is replaced by it.
            threaded(3, references: "<missing-b@x>"),
            // A top-level dummy with two children stays: ((4)(5)).
            threaded(4, references: "<missing-c@x>"),
            threaded(5, references: "<missing-c@x> <missing-d@x>"),
        ]
        XCTAssertEqual(notation(messages), "(1 2)(3)((4)(5))")
    }

    func testStep4And6SortBySentDateThenSequenceNumber() {
        let messages = [
            threaded(1, day: 9),
            threaded(2, day: 5, references: "<1@x>"),
            threaded(3, day: 3, references: "<1@x>"),
            threaded(4, day: 3, references: "<1@x>"),
            // Without a Date: its internal date (the epoch here), so first.
            sortable(5, subject: "s", messageID: "<5@x>", references: "<1@x>"),
            // Top level: 6 (day 2) before 1 (day 9); the dummy root sorts by
            // its oldest child 8 (day 1).
            threaded(6, day: 2),
            threaded(7, day: 4, references: "<gone@x>"),
            threaded(8, day: 1, references: "<gone@x>"),
        ]
        XCTAssertEqual(notation(messages), "((8)(7))(6)(1 (5)(3)(4)(2))")
    }

    func testStep5AReplyJoinsTheOriginal() {
        let messages = [
            threaded(1, subject: "Topic"),
            threaded(2, subject: "Re: topic"),
            // Both replies and found first: the original takes the table.
            threaded(3, subject: "Re: Other"),
            threaded(4, subject: "other"),
        ]
        XCTAssertEqual(notation(messages), "(1 2)(4 3)")
    }

    func testStep5TwoOriginalsGetADummyParent() {
        let messages = [
            threaded(1, subject: "Topic"),
            threaded(2, subject: "TOPIC"),
            threaded(3, subject: "Re: topic"),
        ]
        // 1 and 2 under a new dummy; 3 (a reply) joins the dummy.
        XCTAssertEqual(notation(messages), "((1)(2)(3))")
    }

    func testStep5DummyThreadsGather() {
        let messages = [
            // A dummy root whose oldest child says "Shared".
            threaded(1, subject: "Shared", references: "<missing-a@x>"),
            threaded(2, subject: "Other A", references: "<missing-a@x>"),
            // Another dummy root of the same subject: the children become siblings.
            threaded(3, subject: "Re: Shared", references: "<missing-b@x>"),
            threaded(4, subject: "Other B", references: "<missing-b@x>"),
            // A message of that subject joins the dummy.
            threaded(5, subject: "SHARED"),
        ]
        XCTAssertEqual(notation(messages), "((1)(2)(3)(4)(5))")
    }

    func testStep5EmptySubjectsAndThreadsWithReferencesStayApart() {
        let messages = [
            threaded(1, subject: "Re:"),
            threaded(2, subject: ""),
            sortable(3, date: januaryDate(3), messageID: "<3@x>"),
            // Only top-level messages are gathered: 5 is a child already.
            threaded(4, subject: "Thing"),
            threaded(5, subject: "Re: thing", references: "<4@x>"),
            threaded(6, subject: "Re: thing"),
        ]
        XCTAssertEqual(notation(messages), "(1)(2)(3)(4 (5)(6))")
    }

    func testEmptyInput() {
        XCTAssertEqual(MessageThreader.references([]), [])
    }

    func testHeaderBlockAndFieldValuesThreadAlike() {
        let header = utf8Bytes("Message-ID: <2@x>\r\nSubject: Re: hi\r\nReferences: <1@x>\r\n\r\nbody")
        let fromHeader = SortableMessage(id: 2, internalDate: MailDate(secondsSinceEpoch: 5), size: 10, header: header)
        let root = threaded(1, subject: "hi")
        XCTAssertEqual(ThreadNode.notation(MessageThreader.references([root, fromHeader])), "(1 2)")
    }
}
