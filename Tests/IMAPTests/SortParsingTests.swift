import MailCore
import XCTest
@testable import IMAP

/// SORT and THREAD grammar (RFC 5256 §5, ESORT RFC 5267 §3): input bytes →
/// command value, and the lines that must be refused.
final class SortParsingTests: XCTestCase {
    let since = MailDate(year: 1994, month: 2, day: 1)!

    var fixtures: [(String, IMAPCommand)] {
        [
            // RFC 5256 §4 examples.
            ("A282 SORT (SUBJECT) UTF-8 SINCE 1-Feb-1994",
             .sort(SortCommand(criteria: [SortCriterion(.subject)], charset: "UTF-8", key: .since(since)), uid: false)),
            ("A283 SORT (SUBJECT REVERSE DATE) UTF-8 ALL",
             .sort(SortCommand(criteria: [SortCriterion(.subject), SortCriterion(.date, reversed: true)],
                               charset: "UTF-8", key: .all), uid: false)),
            ("A284 SORT (SUBJECT) US-ASCII TEXT \"not in mailbox\"",
             .sort(SortCommand(criteria: [SortCriterion(.subject)], charset: "US-ASCII",
                               key: .text(bytes("not in mailbox"))), uid: false)),
            ("a uid sort (reverse arrival size cc from to displayfrom displayto) \"utf-8\" unseen from bob",
             .sort(SortCommand(criteria: [SortCriterion(.arrival, reversed: true), SortCriterion(.size), SortCriterion(.cc),
                                          SortCriterion(.from), SortCriterion(.to), SortCriterion(.displayFrom),
                                          SortCriterion(.displayTo)],
                               charset: "utf-8", key: .and([.unseen, .from(bytes("bob"))])), uid: true)),
            // RFC 5267 §3.2.
            ("A301 SORT RETURN (MIN MAX) (DATE) UTF-8 SINCE 1-Feb-1994",
             .sort(SortCommand(returnOptions: [.min, .max], criteria: [SortCriterion(.date)], charset: "UTF-8",
                               key: .since(since)), uid: false)),
            ("A302 UID SORT RETURN () (DATE) UTF-8 ALL",
             .sort(SortCommand(returnOptions: [], criteria: [SortCriterion(.date)], charset: "UTF-8", key: .all), uid: true)),
            // RFC 5256 §4 THREAD examples.
            ("A283 THREAD ORDEREDSUBJECT UTF-8 SINCE 5-MAR-2000",
             .thread(ThreadCommand(algorithm: .orderedSubject, charset: "UTF-8",
                                   key: .since(MailDate(year: 2000, month: 3, day: 5)!)), uid: false)),
            ("A284 THREAD ORDEREDSUBJECT US-ASCII TEXT \"gewp\"",
             .thread(ThreadCommand(algorithm: .orderedSubject, charset: "US-ASCII", key: .text(bytes("gewp"))), uid: false)),
            ("a UID THREAD REFERENCES UTF-8 NOT DELETED",
             .thread(ThreadCommand(algorithm: .references, charset: "UTF-8", key: .not(.deleted)), uid: true)),
        ]
    }

    func testFixtures() {
        for (input, expected) in fixtures {
            XCTAssertEqual(command(input), expected, input)
        }
    }

    func testEncodedCommandsParseBack() {
        for (_, value) in fixtures {
            let encoded = IMAPWriter.encode(TaggedCommand(tag: "t", command: value))
            XCTAssertEqual(command(String(decoding: encoded.dropLast(2), as: UTF8.self)), value,
                           String(decoding: encoded, as: UTF8.self))
        }
    }

    func testRefusals() {
        let bad = [
            "a SORT () UTF-8 ALL",                       // at least one criterion
            "a SORT (SUBJECT) ALL",                      // the charset is required
            "a SORT (SUBJECT)",                          // and a search key
            "a SORT (REVERSE) UTF-8 ALL",                // REVERSE needs a key
            "a SORT (REVERSE REVERSE DATE) UTF-8 ALL",
            "a SORT (THREAD) UTF-8 ALL",                 // unknown key
            "a SORT SUBJECT UTF-8 ALL",                  // not parenthesised
            "a SORT RETURN (PARTIAL) (DATE) UTF-8 ALL",  // unknown return option
            "a SORT (" + Array(repeating: "DATE", count: 33).joined(separator: " ") + ") UTF-8 ALL",
            "a THREAD UTF-8 ALL",                        // the algorithm is required
            "a THREAD REFS UTF-8 ALL",                   // not an algorithm Tern offers
            "a THREAD REFERENCES ALL",
            "a UID THREAD REFERENCES UTF-8",
        ]
        for line in bad {
            XCTAssertNotNil(rejection(line), line)
        }
    }
}
