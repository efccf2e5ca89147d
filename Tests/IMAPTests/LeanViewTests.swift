import Foundation
import MailCore
import MailStore
import XCTest
@testable import IMAP

/// The selected view holds only UIDs, flags, keywords and MODSEQs; every
/// command reads from the store no more than it needs: SELECT, STATUS,
/// LIST-STATUS and `FETCH (UID FLAGS)` no records at all, FETCH of
/// ENVELOPE the records of the fetched UIDs, SEARCH on flags nothing, a
/// sync summaries of the changed UIDs only.
final class LeanViewTests: IMAPSessionTestCase {
    static let count = 300
    var counting: ReadCountingStore!

    override func setUp() async throws {
        try await super.setUp()
        counting = ReadCountingStore(base: store)
        for index in 1...Self.count {
            let flags: MessageFlags = index % 2 == 0 ? .seen : []
            let subject = index % 10 == 0 ? "report \(index) quarterly" : "note \(index)"
            let body = "From: bob@example.org\r\nSubject: \(subject)\r\n\r\nBody \(index)\r\n"
            _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: Array(body.utf8), flags: flags))
        }
    }

    func countingSession() async -> IMAPSession {
        await loggedInSession(on: counting)
    }

    func testEntriesAreCompact() {
        XCTAssertLessThanOrEqual(MemoryLayout<SelectedMailbox.Entry>.stride, 24,
                                 "about 2.3 MiB per 100,000 messages")
    }

    func testSelectStatusAndListStatusReadNoRecords() async throws {
        let session = await countingSession()
        let status = await send(session, "a STATUS INBOX (MESSAGES UNSEEN DELETED SIZE UIDNEXT HIGHESTMODSEQ)\r\n")
        XCTAssertTrue(status.contains("MESSAGES \(Self.count) UNSEEN \(Self.count / 2) DELETED 0 SIZE "), status)
        let list = await send(session, "b LIST \"\" INBOX RETURN (STATUS (MESSAGES UNSEEN))\r\n")
        XCTAssertTrue(list.contains("* STATUS INBOX (MESSAGES \(Self.count) UNSEEN \(Self.count / 2))"), list)
        XCTAssertEqual(counting.counts.statuses, 2)
        let select = await send(session, "c SELECT INBOX\r\n")
        XCTAssertTrue(select.contains("* \(Self.count) EXISTS\r\n"), select)
        XCTAssertTrue(select.contains("[UNSEEN 1]"), select)
        let counts = counting.counts
        XCTAssertEqual(counts.wholeMailboxRecords + counts.recordsByUID + counts.singleRecords + counts.bodies, 0,
                       "\(counts)")
        XCTAssertEqual(counts.wholeMailboxSummaries, 1, "SELECT reads the summaries once")
    }

    func testFetchReadsRecordsOfTheFetchedMessagesOnly() async throws {
        let session = await countingSession()
        _ = await send(session, "s SELECT INBOX\r\n")
        counting.reset()
        let flags = await send(session, "f FETCH 1:* (UID FLAGS)\r\n")
        XCTAssertTrue(flags.contains("* 2 FETCH (UID 2 FLAGS (\\Seen \\Recent))"), String(flags.prefix(200)))
        XCTAssertEqual(counting.counts, ReadCountingStore.Counts(), "FETCH (UID FLAGS) reads nothing")

        let envelope = await send(session, "e FETCH 291:300 (ENVELOPE RFC822.SIZE INTERNALDATE)\r\n")
        XCTAssertTrue(envelope.contains("* 300 FETCH (ENVELOPE (NIL \"report 300 quarterly\""), envelope)
        XCTAssertTrue(envelope.hasSuffix("e OK FETCH completed\r\n"), envelope)
        XCTAssertEqual(counting.counts.recordsByUID, 10)
        XCTAssertEqual(counting.counts.wholeMailboxRecords + counting.counts.bodies, 0)

        counting.reset()
        let header = await send(session, "h FETCH 299:300 (BODY.PEEK[HEADER.FIELDS (Subject)])\r\n")
        XCTAssertTrue(header.contains("Subject: report 300 quarterly"), header)
        XCTAssertEqual(counting.counts.recordsByUID, 0, "a top-level section needs no structure")
        XCTAssertEqual(counting.counts.layoutsByUID, 2)
        XCTAssertEqual(counting.counts.bodies, 0, "Subject is among the header fields cached at delivery")

        counting.reset()
        let uncached = await send(session, "x FETCH 299:300 (BODY.PEEK[HEADER.FIELDS (Subject X-None)])\r\n")
        XCTAssertTrue(uncached.contains("Subject: report 300 quarterly"), uncached)
        XCTAssertEqual(counting.counts.recordsByUID, 0, "a top-level section needs no structure")
        XCTAssertEqual(counting.counts.layoutsByUID, 2)
        XCTAssertEqual(counting.counts.bodies, 2)
    }

    func testSearchReadsOnlyWhatItsKeysNeed() async throws {
        let session = await countingSession()
        _ = await send(session, "s SELECT INBOX\r\n")
        counting.reset()
        let unseen = await send(session, "u UID SEARCH UNSEEN\r\n")
        XCTAssertTrue(unseen.hasPrefix("* SEARCH 1 3 5 "), String(unseen.prefix(80)))
        XCTAssertEqual(counting.counts, ReadCountingStore.Counts(), "flags come from the view")

        let expected = "* SEARCH " + stride(from: 10, through: Self.count, by: 10).map(String.init).joined(separator: " ")
            + "\r\nh OK SEARCH completed\r\n"
        let header = await send(session, "h SEARCH HEADER Subject quarterly\r\n")
        XCTAssertEqual(header, expected)
        XCTAssertEqual(counting.counts.bodies, 0, "the stored envelope answers HEADER Subject")
        XCTAssertEqual(counting.counts.envelopesByUID, Self.count)
        XCTAssertEqual(counting.counts.recordsByUID + counting.counts.wholeMailboxRecords, 0,
                       "envelopes only, no MIME trees")
        XCTAssertEqual(counting.counts.decodedEnvelopesByUID, 0, "the stored search text, no envelope decoded")

        counting.reset()
        let both = await send(session, "b SEARCH SEEN SUBJECT quarterly\r\n")
        XCTAssertEqual(both, expected.replacingOccurrences(of: "h OK", with: "b OK"))
        XCTAssertEqual(counting.counts.envelopesByUID, Self.count / 2, "envelopes of the seen messages only")

        counting.reset()
        let body = await send(session, "x SEARCH UNSEEN BODY \"Body 1\"\r\n")
        XCTAssertTrue(body.hasPrefix("* SEARCH 1 11 13 "), String(body.prefix(80)))
        // The full-text index leaves the messages whose text holds "body 1";
        // of those, the unseen ones are read (1, 11…19, 101…199: 56).
        let candidates = (1...Self.count).filter { $0 % 2 == 1 && String($0).hasPrefix("1") }.count
        XCTAssertEqual(candidates, 56)
        XCTAssertEqual(counting.counts.bodies, candidates, "bodies of the unseen candidates only")
        XCTAssertEqual(counting.counts.recordsByUID, candidates)
        XCTAssertEqual(counting.counts.envelopesByUID, 0, "BODY needs the MIME tree: no envelope round first")

        counting.reset()
        let larger = await send(session, "l SEARCH LARGER 10 SINCE 1-Jan-2000 NOT FROM nobody\r\n")
        XCTAssertTrue(larger.hasPrefix("* SEARCH 1 2 3 "), String(larger.prefix(80)))
        XCTAssertEqual(counting.counts.envelopesByUID, Self.count)
        XCTAssertEqual(counting.counts.recordsByUID + counting.counts.bodies, 0)
        XCTAssertEqual(counting.counts.decodedEnvelopesByUID, 0)

        counting.reset()
        let sent = await send(session, "d SEARCH SENTBEFORE 1-Jan-2000 SUBJECT quarterly\r\n")
        // No message has a Date: each counts as sent in 1970 (as in Dovecot).
        XCTAssertTrue(sent.hasPrefix("* SEARCH 10 20 30 "), String(sent.prefix(80)))
        XCTAssertEqual(counting.counts.decodedEnvelopesByUID, Self.count, "SENTBEFORE needs the Date of the envelope")
    }

    func testSyncAndExpungeReadSummariesOnly() async throws {
        let session = await countingSession()
        _ = await send(session, "s SELECT INBOX\r\n")
        // Another session changes 40 messages (more than any per-UID path) and deletes two.
        _ = try await store.updateFlags(mailboxID: inbox.id, uids: (1...40).map { MessageUID($0) }, operation: .add,
                                        flags: .flagged, keywords: [])
        _ = try await store.updateFlags(mailboxID: inbox.id, uids: [3, 5], operation: .add, flags: .deleted,
                                        keywords: [])
        _ = try await deliver()
        counting.reset()
        let noop = await send(session, "n NOOP\r\n")
        XCTAssertTrue(noop.contains("* \(Self.count + 1) EXISTS"), noop)
        XCTAssertTrue(noop.contains("* 40 FETCH (UID 40 FLAGS (\\Flagged \\Seen \\Recent))"), noop)
        var counts = counting.counts
        XCTAssertEqual(counts.summariesByUID, 41, "\(counts)")
        XCTAssertEqual(counts.wholeMailboxRecords + counts.recordsByUID + counts.singleRecords, 0, "\(counts)")

        counting.reset()
        let expunge = await send(session, "x EXPUNGE\r\n")
        XCTAssertTrue(expunge.contains("* 5 EXPUNGE\r\n* 3 EXPUNGE\r\n"), expunge)
        counts = counting.counts
        XCTAssertEqual(counts.wholeMailboxRecords + counts.recordsByUID + counts.singleRecords, 0, "\(counts)")
    }
}
