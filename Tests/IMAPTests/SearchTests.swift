import Foundation
import MailCore
import MailStore
import XCTest
@testable import IMAP

/// A literal holding UTF-8 text, for non-ASCII search strings.
private func utf8Literal(_ text: String) -> String { "{\(text.utf8.count)}\r\n" + text }

/// SEARCH and UID SEARCH over real messages (RFC 9051 §6.4.4; ESEARCH RFC
/// 4731; SEARCHRES RFC 5182; MODSEQ RFC 7162 §3.1.5).
final class SearchTests: MessagesTestCase {
    typealias S = MessageSamples

    /// Three messages with UIDs 2, 3, 4 (UID 1 was expunged), so sequence
    /// numbers and UIDs differ:
    /// 1 (UID 2) the MIME sample, no flags, internal date 5-Mar-2026 12:00 UTC;
    /// 2 (UID 3) the plain one, \Answered \Flagged $Work, 10-Mar-2026 23:59 UTC;
    /// 3 (UID 4) the odd one (no Date header), \Seen \Deleted \Draft, 1-Feb-2026.
    func threeMessages() async throws -> SelectedMailbox {
        let gone = try await add(S.plain)
        _ = try await store.expunge(mailboxID: try await inbox().id, uids: [gone.uid])
        try await add(S.mime)
        try await add(S.plain, flags: [.answered, .flagged], keywords: ["$Work"],
                      date: MailDate(year: 2026, month: 3, day: 10, hour: 23, minute: 59)!)
        try await add(S.odd, flags: [.seen, .deleted, .draft], date: MailDate(year: 2026, month: 2, day: 1)!)
        return try await view()
    }

    func assertSearch(_ criteria: String, _ expected: String, on selected: SelectedMailbox,
                      file: StaticString = #filePath, line: UInt = #line) async {
        let found = await searchNumbers(criteria, on: selected, file: file, line: line)
        XCTAssertEqual(found, expected, criteria, file: file, line: line)
    }

    func testFlagKeys() async throws {
        let selected = try await threeMessages()
        let cases: [(String, String)] = [
            ("ALL", "1 2 3"), ("ANSWERED", "2"), ("UNANSWERED", "1 3"), ("DELETED", "3"), ("UNDELETED", "1 2"),
            ("FLAGGED", "2"), ("UNFLAGGED", "1 3"), ("SEEN", "3"), ("UNSEEN", "1 2"), ("DRAFT", "3"),
            ("UNDRAFT", "1 2"), ("NEW", ""), ("RECENT", ""), ("OLD", "1 2 3"),
            ("KEYWORD $work", "2"), ("UNKEYWORD $Work", "1 3"), ("KEYWORD $Other", ""),
        ]
        for (criteria, expected) in cases { await assertSearch(criteria, expected, on: selected) }
    }

    func testAddressAndSubjectKeysDecodeRFC2047() async throws {
        let selected = try await threeMessages()
        let cases: [(String, String)] = [
            ("CHARSET UTF-8 FROM " + utf8Literal("jörg müller"), "1"),
            ("FROM JOERG@example", "1"), ("FROM bob", "2"), ("FROM \"example.com\"", "3"),
            ("TO alice", "1 2"), ("TO bob@example.net", "1"), ("CC carol", "1"), ("BCC dave", "1"), ("BCC alice", ""),
            ("CHARSET UTF-8 SUBJECT " + utf8Literal("grüße"), "1"),
            ("SUBJECT " + utf8Literal("KÖLN"), "1"),
            ("SUBJECT " + utf8Literal("Café"), "3"),
            ("SUBJECT \"hello WORLD\"", "2"), ("SUBJECT \"\"", "1 2 3"), ("SUBJECT nomatch", ""),
        ]
        for (criteria, expected) in cases { await assertSearch(criteria, expected, on: selected) }
    }

    func testHeaderKey() async throws {
        let selected = try await threeMessages()
        let cases: [(String, String)] = [
            ("HEADER X-Tracking second", "1"), ("HEADER x-tracking \"\"", "1"), ("HEADER X-Empty \"\"", "3"),
            ("HEADER message-id m1@EXAMPLE", "1"), ("HEADER subject " + utf8Literal("grüße"), "1"),
            ("HEADER X-Missing \"\"", ""), ("HEADER Subject hello", "2"),
        ]
        for (criteria, expected) in cases { await assertSearch(criteria, expected, on: selected) }
    }

    func testBodyAndTextDecodeParts() async throws {
        let selected = try await threeMessages()
        let cases: [(String, String)] = [
            ("BODY " + utf8Literal("SCHÖNE grüße"), "1"),     // quoted-printable UTF-8
            ("BODY " + utf8Literal("café au"), "1"),          // quoted-printable Latin-1 HTML
            ("BODY \"umbrochen wird\"", "1"),                  // soft line break undone
            ("BODY needle-inner", "1"),                         // inside the message/rfc822 part
            ("BODY AAECAw", ""),                                // attachments are not text
            ("BODY \"hello world\"", ""),                        // the subject is not the body
            ("TEXT \"hello world\"", "2"), ("TEXT \"nothing ELSE\"", "2"),
            ("TEXT " + utf8Literal("jörg"), "1"),              // decoded header text
            ("BODY \"begin 644\"", "3"),                       // unknown encoding searched as it is
            ("TEXT xyzzy", ""),
        ]
        for (criteria, expected) in cases { await assertSearch(criteria, expected, on: selected) }
    }

    func testDateKeysIgnoreTimeAndZone() async throws {
        let selected = try await threeMessages()
        let cases: [(String, String)] = [
            ("BEFORE 5-Mar-2026", "3"), ("ON 5-Mar-2026", "1"), ("SINCE 5-Mar-2026", "1 2"),
            ("ON 10-Mar-2026", "2"), ("SINCE 11-Mar-2026", ""), ("BEFORE 1-Feb-2026", ""),
            // Written "Tue, 3 Mar 2026 23:30:00 -0500": the 3rd as written, though the 4th in UTC.
            ("SENTON 3-Mar-2026", "1"), ("SENTSINCE 4-Mar-2026", "2"),
            ("SENTON 11-Mar-2026", "2"),
            // No Date header: sent on 1 January 1970, as Dovecot has it.
            ("SENTBEFORE 4-Mar-2026", "1 3"), ("SENTON 1-Jan-1970", "3"), ("SENTSINCE 2-Jan-1970", "1 2"),
            ("NOT SENTSINCE 2-Jan-1970", "3"),
        ]
        for (criteria, expected) in cases { await assertSearch(criteria, expected, on: selected) }
    }

    func testSizeAndSetKeys() async throws {
        let selected = try await threeMessages()
        let plain = S.plain.utf8.count
        let cases: [(String, String)] = [
            ("LARGER \(plain)", "1 3"), ("LARGER \(plain - 1)", "1 2 3"), ("SMALLER \(plain)", ""),
            ("SMALLER \(plain + 1)", "2"),
            ("2", "2"), ("2:*", "2 3"), ("*", "3"), ("1,3", "1 3"), ("5:*", "3"), ("7", ""),
            ("UID 3:*", "2 3"), ("UID 4,2", "1 3"), ("UID 1", ""), ("UID *", "3"),
        ]
        for (criteria, expected) in cases { await assertSearch(criteria, expected, on: selected) }
        // UID SEARCH answers with UIDs.
        let uids = await searchNumbers("UNDELETED", on: selected, uid: true)
        XCTAssertEqual(uids, "2 3")
    }

    /// WITHIN (RFC 5032): internal dates a minute, two days and thirty
    /// days before now.
    func testWithinKeys() async throws {
        let now = Int64(Date().timeIntervalSince1970)
        for age: Int64 in [60, 2 * 86_400, 30 * 86_400] {
            try await add(S.plain, date: MailDate(secondsSinceEpoch: now - age))
        }
        let selected = try await view()
        let cases: [(String, String)] = [
            ("YOUNGER 3600", "1"), ("OLDER 3600", "2 3"), ("YOUNGER 4000000000", "1 2 3"), ("OLDER 4000000000", ""),
            ("YOUNGER 259200", "1 2"), ("OLDER 259200", "3"), ("NOT YOUNGER 259200", "3"),
            ("OR OLDER 259200 YOUNGER 3600", "1 3"), ("OLDER 3600 UNSEEN", "2 3"),
        ]
        for (criteria, expected) in cases { await assertSearch(criteria, expected, on: selected) }
    }

    func testBooleanNesting() async throws {
        let selected = try await threeMessages()
        let cases: [(String, String)] = [
            ("OR FLAGGED SEEN", "2 3"), ("NOT (FLAGGED)", "1 3"), ("NOT NOT SEEN", "3"),
            ("NOT (FLAGGED OR SEEN DRAFT)", "1 2 3"), ("NOT (FLAGGED OR ANSWERED DRAFT)", "1 3"), ("NOT OR FLAGGED OR SEEN DRAFT", "1"),
            ("OR (UNSEEN BODY needle-inner) DELETED", "1 3"),
            ("(OR FROM bob FROM carol) UNSEEN", "2"), ("UNSEEN FROM bob", "2"),
            ("OR OR ANSWERED DELETED NOT ALL", "2 3"), ("((((ALL))))", "1 2 3"),
        ]
        for (criteria, expected) in cases { await assertSearch(criteria, expected, on: selected) }
    }

    func testModSeqKey() async throws {
        let selected = try await threeMessages()
        let records = try await store.messages(mailboxID: selected.mailbox.id)
        var result = await runSearch("SEARCH MODSEQ \(records[1].modSeq)", on: selected)
        XCTAssertEqual(result.lines, ["* SEARCH 2 3 (MODSEQ \(records[2].modSeq))"])
        // No match: no MODSEQ.
        result = await runSearch("SEARCH MODSEQ 999999", on: selected)
        XCTAssertEqual(result.lines, ["* SEARCH"])
        result = await runSearch("UID SEARCH RETURN (MIN) MODSEQ \"/flags/\\\\draft\" ALL \(records[0].modSeq)", on: selected)
        XCTAssertEqual(result.lines, ["* ESEARCH (TAG \"A\") UID MIN 2 MODSEQ \(records[0].modSeq)"])
    }

    func testCharsets() async throws {
        let selected = try await threeMessages()
        var result = await runSearch("SEARCH CHARSET ISO-8859-1 ALL", on: selected)
        XCTAssertEqual(result.tagged, "NO [BADCHARSET (UTF-8 US-ASCII)] unsupported charset ISO-8859-1")
        XCTAssertEqual(result.lines, [])
        for charset in ["us-ascii", "UTF-8", "utf-8"] {
            result = await runSearch("SEARCH CHARSET \(charset) FLAGGED", on: selected)
            XCTAssertEqual(result.lines, ["* SEARCH 2"], charset)
        }
    }

    func testESearchForms() async throws {
        let selected = try await threeMessages()
        var result = await runSearch("SEARCH RETURN (MIN MAX COUNT) UNDELETED", on: selected)
        XCTAssertEqual(result.lines, ["* ESEARCH (TAG \"A\") MIN 1 MAX 2 COUNT 2"])
        result = await runSearch("UID SEARCH RETURN () ALL", on: selected)
        XCTAssertEqual(result.lines, ["* ESEARCH (TAG \"A\") UID ALL 2:4"])
        result = await runSearch("UID SEARCH RETURN (ALL) 1,3", on: selected)
        XCTAssertEqual(result.lines, ["* ESEARCH (TAG \"A\") UID ALL 2,4"])
        // Nothing matched: only COUNT 0 (RFC 4731 §3.1).
        result = await runSearch("SEARCH RETURN (MIN MAX ALL COUNT) KEYWORD nope", on: selected)
        XCTAssertEqual(result.lines, ["* ESEARCH (TAG \"A\") COUNT 0"])
        result = await runSearch("SEARCH RETURN (MIN) KEYWORD nope", on: selected)
        XCTAssertEqual(result.lines, ["* ESEARCH (TAG \"A\")"])
        // IMAP4rev2 enabled: ESEARCH even without RETURN (ALL assumed).
        result = await runSearch("SEARCH UNSEEN", on: selected, enabled: [.imap4rev2])
        XCTAssertEqual(result.lines, ["* ESEARCH (TAG \"A\") ALL 1:2"])
        result = await runSearch("UID SEARCH NEW", on: selected, enabled: [.imap4rev2])
        XCTAssertEqual(result.lines, ["* ESEARCH (TAG \"A\") UID"])
        XCTAssertEqual(result.tagged, "OK SEARCH completed")
    }

    func testSaveAndDollar() async throws {
        let selected = try await threeMessages()
        // SAVE alone: no ESEARCH, the UIDs are kept for `$`.
        var result = await runSearch("SEARCH RETURN (SAVE) OR FLAGGED SEEN", on: selected)
        XCTAssertEqual(result.lines, [])
        XCTAssertEqual(result.tagged, "OK SEARCH completed")
        XCTAssertEqual(selected.savedSearchResult, [3, 4])
        await assertSearch("$", "2 3", on: selected)
        await assertSearch("UID $ UNDELETED", "2", on: selected)
        await assertSearch("NOT $", "1", on: selected)
        let fetched = await runFetch("FETCH $ (UID)", on: selected)
        XCTAssertEqual(fetched.output, "* 2 FETCH (UID 3)\r\n* 3 FETCH (UID 4)\r\n")
        // SAVE with MIN only keeps the minimum (RFC 5182 §2.4).
        result = await runSearch("SEARCH RETURN (SAVE MIN) ALL", on: selected)
        XCTAssertEqual(result.lines, ["* ESEARCH (TAG \"A\") MIN 1"])
        XCTAssertEqual(selected.savedSearchResult, [2])
        result = await runSearch("UID SEARCH RETURN (MIN MAX SAVE) ALL", on: selected)
        XCTAssertEqual(selected.savedSearchResult, [2, 4])
        // With COUNT (or ALL) every match is saved.
        result = await runSearch("SEARCH RETURN (SAVE MIN COUNT) ALL", on: selected)
        XCTAssertEqual(result.lines, ["* ESEARCH (TAG \"A\") MIN 1 COUNT 3"])
        XCTAssertEqual(selected.savedSearchResult, [2, 3, 4])
        // `$` in the same command is the previous result; a failed SAVE empties it.
        result = await runSearch("SEARCH RETURN (SAVE) $ FLAGGED", on: selected)
        XCTAssertEqual(selected.savedSearchResult, [3])
        result = await runSearch("SEARCH RETURN (SAVE) CHARSET KOI8-R ALL", on: selected)
        XCTAssertTrue(result.tagged.hasPrefix("NO [BADCHARSET"))
        XCTAssertEqual(selected.savedSearchResult, [])
    }

    func testEmptyMailbox() async throws {
        let selected = try await view()
        await assertSearch("ALL", "", on: selected)
        await assertSearch("1:*", "", on: selected)
        await assertSearch("UID 1:*", "", on: selected)
    }

    func testHeaderKeysDoNotReadBodies() async throws {
        let selected = try await threeMessages()
        // Remove every body file: keys answered from the stored structure and
        // the flags still work; body keys match nothing; nothing crashes.
        let root = directory + "/messages"
        for sub in try FileManager.default.contentsOfDirectory(atPath: root) {
            for file in try FileManager.default.contentsOfDirectory(atPath: root + "/" + sub) {
                try FileManager.default.removeItem(atPath: root + "/" + sub + "/" + file)
            }
        }
        await assertSearch("FROM bob SUBJECT hello SENTON 11-Mar-2026", "2", on: selected)
        await assertSearch("BODY needle-inner", "", on: selected)
        await assertSearch("OR SEEN BODY x", "3", on: selected)
        await assertSearch("NOT BODY x", "", on: selected)
    }

    /// HEADER on a field the stored envelope keeps (Subject, Date,
    /// Message-ID, In-Reply-To) is answered from the record, without the
    /// body; other fields and keys on the record wait for what they need.
    func testHeaderSearchUsesTheStoredEnvelope() throws {
        let parsed = ParsedMessage.parse(Array("Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?= word\r\nX-Tag: blue\r\n\r\nbody".utf8))
        let record = MessageRecord(mailboxID: 1, uid: 3, modSeq: 2, flags: [], keywords: [],
                                   internalDate: Date(timeIntervalSince1970: 0), size: 10, contentHash: "",
                                   messageID: nil, parsedStructure: parsed)
        let message = SelectedMessage(sequenceNumber: 1, record: record)
        func evaluate(_ key: SearchKey, _ candidate: SearchCandidate) -> Bool? {
            SearchEvaluator(key: key, messageCount: 1, largestUID: 3, savedResult: []).matches(candidate)
        }
        let bare = SearchCandidate(message: message)
        XCTAssertNil(evaluate(.header(field: "Subject", value: Array("word".utf8)), bare), "needs the record")
        XCTAssertEqual(evaluate(.unseen, bare), true, "flags come from the view")
        XCTAssertNil(evaluate(.larger(5), bare))
        let withRecord = SearchCandidate(message: message, record: record)
        XCTAssertEqual(evaluate(.header(field: "subject", value: Array("WORD".utf8)), withRecord), true)
        XCTAssertEqual(evaluate(.header(field: "Subject", value: Array("grüße".utf8)), withRecord), true,
                       "RFC 2047 words are decoded")
        XCTAssertEqual(evaluate(.header(field: "Subject", value: Array("absent".utf8)), withRecord), false)
        XCTAssertEqual(evaluate(.header(field: "In-Reply-To", value: []), withRecord), false,
                       "a field the message lacks matches nothing, not even the empty string")
        XCTAssertEqual(evaluate(.larger(5), withRecord), true)
        XCTAssertNil(evaluate(.header(field: "X-Tag", value: Array("blue".utf8)), withRecord),
                     "other fields need the header itself")
        withRecord.body = Array("Subject: x\r\nX-Tag: blue\r\n\r\nbody".utf8)
        XCTAssertEqual(evaluate(.header(field: "X-Tag", value: Array("blue".utf8)), withRecord), true)
    }

    func testEvaluatorIsThreeValued() throws {
        let record = MessageRecord(mailboxID: 1, uid: 7, modSeq: 5, flags: [.seen], keywords: [],
                                   internalDate: Date(timeIntervalSince1970: 0), size: 10, contentHash: "",
                                   messageID: nil, parsedStructure: nil)
        let candidate = SearchCandidate(message: SelectedMessage(sequenceNumber: 1, record: record), record: record)
        func evaluate(_ key: SearchKey) -> Bool? {
            SearchEvaluator(key: key, messageCount: 1, largestUID: 7, savedResult: []).matches(candidate)
        }
        XCTAssertNil(evaluate(.body(Array("x".utf8))))
        XCTAssertNil(evaluate(.and([.seen, .text(Array("x".utf8))])))
        XCTAssertEqual(evaluate(.and([.unseen, .text(Array("x".utf8))])), false)
        XCTAssertEqual(evaluate(.or(.seen, .header(field: "a", value: []))), true)
        XCTAssertNil(evaluate(.not(.header(field: "a", value: []))))
        // Unreadable stored structure: envelope keys wait for the body, which is reparsed.
        XCTAssertNil(evaluate(.from(Array("a".utf8))))
        XCTAssertNil(evaluate(.subject([])))
        candidate.body = Array("Subject: hi\r\n\r\nbody x".utf8)
        XCTAssertEqual(evaluate(.from(Array("a".utf8))), false)
        XCTAssertEqual(evaluate(.subject([])), true)
        XCTAssertEqual(evaluate(.body(Array("X".utf8))), true)
        XCTAssertEqual(evaluate(.header(field: "SUBJECT", value: Array("H".utf8))), true)
        XCTAssertFalse(SearchEvaluator(key: .and([.seen, .not(.from([]))]), messageCount: 1, largestUID: 7,
                                       savedResult: []).needsBody)
        XCTAssertTrue(SearchEvaluator(key: .or(.seen, .not(.text([]))), messageCount: 1, largestUID: 7,
                                      savedResult: []).needsBody)
    }

    func testSearchDates() {
        let west = MailDate(year: 2026, month: 3, day: 3, hour: 23, minute: 30, zoneOffsetMinutes: -300)!
        XCTAssertEqual(SearchDates.day(west), SearchDates.day(MailDate(year: 2026, month: 3, day: 3)!))
        let east = MailDate(year: 2026, month: 3, day: 4, hour: 0, minute: 30, zoneOffsetMinutes: 120)!
        XCTAssertEqual(SearchDates.day(east), SearchDates.day(MailDate(year: 2026, month: 3, day: 4)!))
        let old = MailDate(year: 1969, month: 12, day: 31, hour: 23)!
        XCTAssertEqual(SearchDates.day(old), -1)
    }
}
