import MailCore
import MailStore
import XCTest
@testable import IMAP

/// SEARCH whose keys the view answers alone (`ViewOnlySearch`) finds the
/// same messages as the general path (`SearchEvaluator.forEachMatch`, with
/// candidates and the store), and only such keys take it.
final class ViewOnlySearchTests: MessagesTestCase {
    /// The UIDs the general path finds for `criteria`: the reference.
    func generalPath(_ criteria: String, on selected: SelectedMailbox) async throws -> [MessageUID] {
        guard case .search(let command, _)? = command("A SEARCH " + criteria) else {
            XCTFail("not a SEARCH: \(criteria)")
            return []
        }
        let evaluator = SearchEvaluator(key: command.key, messageCount: selected.count,
                                        largestUID: selected.allMessages.last?.uid ?? 0,
                                        savedResult: selected.savedSearchResult)
        var uids: [MessageUID] = []
        try await evaluator.forEachMatch(in: selected.allMessages, mailboxID: selected.mailbox.id,
                                         store: store) { message, _ in uids.append(message.uid) }
        return uids
    }

    func testSameMatchesAsTheGeneralPath() async throws {
        let records = try await addFlagPatternMessages(15, later: [4, 11])
        let selected = try await view()
        selected.savedSearchResult = [records[1].uid, records[5].uid, records[12].uid]
        let middle = records[7].modSeq
        let criteria = [
            "ALL", "UNSEEN", "SEEN", "FLAGGED UNSEEN", "NOT SEEN", "OR ANSWERED DRAFT", "DELETED", "UNDELETED",
            "UNANSWERED UNDRAFT UNFLAGGED", "KEYWORD $junk", "UNKEYWORD project-x", "KEYWORD later NOT SEEN",
            "NEW", "RECENT", "OLD", "MODSEQ \(middle)", "2:5 UNSEEN", "UID 3,7:* SEEN", "$", "NOT $",
            "OR (UID 1:4) KEYWORD $Forwarded", "NOT (OR SEEN FLAGGED)", "*", "UID 100:*",
        ]
        for line in criteria {
            let expected = try await generalPath(line, on: selected)
            let found = await searchNumbers(line, on: selected, uid: true)
            // MODSEQ adds the highest mod-sequence of the matches (RFC 7162 §3.1.5).
            let numbers = found.split(separator: " (MODSEQ").first.map(String.init) ?? ""
            XCTAssertEqual(numbers, expected.map(String.init).joined(separator: " "), line)
        }
        // A fixture, so that both paths being wrong the same way still fails.
        let unseen = await searchNumbers("UNSEEN", on: selected, uid: true)
        XCTAssertEqual(unseen, "1 4 6 9 11 14")
        let keyword = await searchNumbers("KEYWORD PROJECT-X", on: selected)
        XCTAssertEqual(keyword, "3 7 11 15")
    }

    /// Keys that need the envelope, the record or the body are not
    /// decided by the view; NOT, OR and AND are when all their keys are.
    func testOnlyViewKeysAreDecidedByTheView() {
        let decided: [SearchKey] = [.all, .unseen, .keyword("x"), .modSeq(entry: nil, value: 3), .uid(.savedResult),
                                    .sequenceSet(.savedResult), .not(.seen), .or(.flagged, .draft),
                                    .and([.seen, .unkeyword("y")])]
        let undecided: [SearchKey] = [.subject(Array("x".utf8)), .larger(10), .body(Array("x".utf8)),
                                      .since(MailDate(secondsSinceEpoch: 0)), .not(.from(Array("a".utf8))),
                                      .or(.seen, .text(Array("x".utf8))), .and([.seen, .smaller(5)])]
        for key in decided {
            XCTAssertTrue(SearchEvaluator(key: key, messageCount: 1, largestUID: 1, savedResult: []).isDecidedByView,
                          "\(key)")
        }
        for key in undecided {
            XCTAssertFalse(SearchEvaluator(key: key, messageCount: 1, largestUID: 1, savedResult: []).isDecidedByView,
                           "\(key)")
        }
    }
}
