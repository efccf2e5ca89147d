import Foundation
import MailCore
import MailStore
import XCTest
@testable import IMAP

/// `SearchQuery`: SEARCH keys as text for `tern mailbox search/expunge`,
/// answered exactly as the SEARCH command answers them.
extension SearchTests {
    func testQueryTextMatchesWhatUIDSearchFinds() async throws {
        let selected = try await threeMessages()
        let box = try await inbox()
        let cases: [(query: String, uids: [MessageUID])] = [
            ("ALL", [2, 3, 4]),
            ("from bob", [3]),
            ("FROM \"müller\"", [2]),
            ("FROM \"Jörg\"", [2]),
            ("SINCE 1-Mar-2026", [2, 3]),
            ("BEFORE 1-Mar-2026", [4]),
            ("BEFORE 1-Nov-2026 DELETED", [4]),
            ("UNSEEN SUBJECT hello", [3]),
            ("OR KEYWORD $Work DRAFT", [3, 4]),
            ("NOT (FLAGGED)", [2, 4]),
            ("BODY \"nothing else\"", [3]),
            ("TEXT abc123", [2]),
            ("1:2", [2, 3]),
            ("UID 3:*", [3, 4]),
            ("CHARSET UTF-8 SUBJECT \"grüße\"", [2]),
            ("LARGER 100000", []),
        ]
        for (query, expected) in cases {
            let parsed: SearchQuery
            do {
                parsed = try SearchQuery(parsing: query)
            } catch {
                XCTFail("\(query): \(error.message)")
                continue
            }
            let found = try await parsed.matches(mailboxID: box.id, store: store).map(\.record.uid)
            XCTAssertEqual(found, expected, query)
            // 8-bit text is sent as a literal over IMAP; the query takes it quoted.
            guard query.utf8.allSatisfy({ $0 < 0x80 }) else { continue }
            let imap = await searchNumbers(query, on: selected, uid: true)
            XCTAssertEqual(imap, expected.map(String.init).joined(separator: " "), "UID SEARCH \(query)")
        }
    }

    func testQueryMatchesCarryFromAndDecodedSubject() async throws {
        _ = try await threeMessages()
        let box = try await inbox()
        let matches = try await SearchQuery(parsing: "ALL").matches(mailboxID: box.id, store: store)
        XCTAssertEqual(matches.map(\.subject), ["Grüße aus Köln", "hello world", "café menu"])
        XCTAssertEqual(matches.map(\.from), ["Jörg Müller <joerg@example.org>", "Bob Example <bob@example.net>",
                                             "<carol@example.com>"])
    }

    func testInvalidQueryTextIsRefusedWithTheParsersMessage() {
        let cases: [(query: String, message: String)] = [
            ("", "expected atom"),
            ("FROM", "expected space"),
            ("BOGUS", "unknown search key BOGUS"),
            ("SINCE 31-Foo-2026", "invalid date"),
            ("ALL )", "found \")\""),
            ("FROM müller", "8-bit characters must be a quoted string"),
            ("(ALL", "')'"),
            ("RETURN (MIN) ALL", "RETURN options are not supported"),
            ("CHARSET KOI8-R ALL", "unsupported charset KOI8-R"),
        ]
        for (query, message) in cases {
            XCTAssertThrowsError(try SearchQuery(parsing: query), query) { error in
                let text = (error as? GrammarError)?.message ?? "\(error)"
                XCTAssertTrue(text.contains(message), "\(query): \(text)")
            }
        }
    }
}
