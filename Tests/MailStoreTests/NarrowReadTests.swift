import Foundation
import GRDB
import MailCore
import XCTest
@testable import MailStore

/// Summaries, records by UID set, single-key lookups and the queue COUNT.
final class NarrowReadTests: StoreTestCase {
    func testSummariesMatchTheRecords() async throws {
        let (store, _, inbox) = try await sqliteStoreWithInbox()
        _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("a"), flags: .seen,
                                                                          keywords: ["$Forwarded"]))
        _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("bb")))
        _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("ccc"), flags: .flagged))
        _ = try await store.expunge(mailboxID: inbox.id, uids: [2])
        let records = try await store.messages(mailboxID: inbox.id)
        let summaries = try await store.messageSummaries(mailboxID: inbox.id)
        XCTAssertEqual(summaries, records.map(MessageSummary.init))
        XCTAssertEqual(summaries.map(\.uid), [1, 3])
        XCTAssertEqual(summaries.first?.keywords, ["$Forwarded"])
        XCTAssertEqual(summaries.first?.flags, .seen)

        let some = try await store.messageSummaries(mailboxID: inbox.id, uids: [3, 2, 1, 3, 77])
        XCTAssertEqual(some.map(\.uid), [1, 3], "ascending, each once, missing UIDs skipped")
        let value16 = try await store.messageSummaries(mailboxID: inbox.id, uids: [])
        XCTAssertEqual(value16, [])
    }

    /// Summaries are read from the covering index, never from the table
    /// rows that carry the stored structures.
    func testSummariesReadTheCoveringIndexOnly() async throws {
        let columns = Rows.summaryColumns
        let plans = try await queryPlans([
            "SELECT \(columns) FROM message WHERE mailbox_id = 1 ORDER BY uid",
            "SELECT \(columns) FROM message WHERE mailbox_id = 1 AND uid IN (2, 3) ORDER BY uid",
        ])
        for plan in plans {
            XCTAssertTrue(plan.contains("COVERING INDEX message_summary"), plan)
        }
    }

    /// SEARCH's read of the search text (by list or by range) scans the
    /// `message_search_text` index alone.
    func testSearchTextReadsTheCoveringIndexOnly() async throws {
        let columns = "uid, size, internal_date, NULL, \(Rows.searchTextColumns)"
        let plans = try await queryPlans([
            "SELECT \(columns) FROM message WHERE mailbox_id = 1 AND uid BETWEEN 1 AND 500 ORDER BY uid",
            "SELECT \(columns) FROM message WHERE mailbox_id = 1 AND uid IN (2, 3) ORDER BY uid",
        ])
        for plan in plans {
            XCTAssertTrue(plan.contains("COVERING INDEX message_search_text"), plan)
        }
    }

    /// Dense UID lists are read by range, sparse ones by list: the same
    /// rows either way, in order, each once, missing UIDs skipped.
    func testDenseAndSparseUIDListsReadTheSameRows() async throws {
        let (store, _, inbox) = try await sqliteStoreWithInbox()
        for index in 1...300 {
            _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("m\(index)")))
        }
        _ = try await store.expunge(mailboxID: inbox.id, uids: Array(stride(from: 7, through: 300, by: 7)))
        let present = try await store.messageSummaries(mailboxID: inbox.id).map(\.uid)
        let dense = Array(1...300).map(MessageUID.init) + [1, 5, 5000, 300]
        let sparse = Array(stride(from: 1, through: 300, by: 5)).map(MessageUID.init)
        for asked in [dense, sparse, [MessageUID](dense.reversed())] {
            let expected = Set(asked).intersection(present).sorted()
            let summaries = try await store.messageSummaries(mailboxID: inbox.id, uids: asked)
            XCTAssertEqual(summaries.map(\.uid), expected)
            let envelopes = try await store.messageEnvelopes(mailboxID: inbox.id, uids: asked, parts: .searchText)
            XCTAssertEqual(envelopes.map(\.uid), expected)
            XCTAssertEqual(envelopes.first?.searchText?.subject, "m\(expected[0])")
        }
    }

    /// A copy keeps the search text of its original (copied, not recomputed).
    func testCopiesKeepTheirSearchText() async throws {
        let (store, alice, inbox) = try await sqliteStoreWithInbox()
        _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("Copied Along")))
        let archive = try await store.createMailbox(accountID: alice.id, name: "Kept", specialUse: nil)
        _ = try await store.copyMessages(from: inbox.id, uids: [1], to: archive.id)
        _ = try await store.moveMessages(from: inbox.id, uids: [1], to: archive.id)
        let stored = try await store.read { db in
            try String.fetchAll(db, sql: "SELECT search_subject FROM message WHERE mailbox_id = ?", arguments: [archive.id])
        }
        XCTAssertEqual(stored, ["copied along", "copied along"])
    }

    /// SQLite's plan for each query, its steps joined.
    func queryPlans(_ queries: [String]) async throws -> [String] {
        let store = try openSQLiteStore()
        return try await store.read { db in
            try queries.map { sql in
                try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql).map { row -> String in row["detail"] }
                    .joined(separator: "; ")
            }
        }
    }

    func testUnknownMailboxIsNotFound() async throws {
        let (store, _, _) = try await sqliteStoreWithInbox()
        for read in [
            { _ = try await store.messageSummaries(mailboxID: 999) },
            { _ = try await store.messageSummaries(mailboxID: 999, uids: [1]) },
            { _ = try await store.messages(mailboxID: 999, uids: [1]) },
            { _ = try await store.mailboxStatus(id: 999) },
        ] as [() async throws -> Void] {
            do {
                try await read()
                XCTFail("an unknown mailbox was read")
            } catch let error as MailStoreError {
                XCTAssertEqual(error, .mailboxNotFound("999"))
            }
        }
    }

    func testRecordsByUIDCarryTheTypedStructure() async throws {
        let (store, _, inbox) = try await sqliteStoreWithInbox()
        let body = sampleMessage("typed", id: "m1@example.org")
        _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: body))
        _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("other")))
        let records = try await store.messages(mailboxID: inbox.id, uids: [2, 1, 9])
        XCTAssertEqual(records.map(\.uid), [1, 2])
        XCTAssertEqual(records.first?.parsedStructure, ParsedMessage.parse(body))
        XCTAssertEqual(records.first?.parsedStructure?.envelope.subject, "typed")
        XCTAssertEqual(records.first?.messageID, "m1@example.org")
        let single = try await store.message(mailboxID: inbox.id, uid: 1)
        XCTAssertEqual(records.first, single)
    }

    func testEnvelopesWithoutTheMIMETree() async throws {
        let (store, _, inbox) = try await sqliteStoreWithInbox()
        let first = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("one", id: "a@b")))
        let second = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("two")))
        let envelopes = try await store.messageEnvelopes(mailboxID: inbox.id, uids: [2, 1, 1, 5], parts: .envelope)
        XCTAssertEqual(envelopes, [
            MessageEnvelope(uid: 1, size: first.size, internalDate: first.internalDate,
                            envelope: first.parsedStructure?.envelope),
            MessageEnvelope(uid: 2, size: second.size, internalDate: second.internalDate,
                            envelope: second.parsedStructure?.envelope),
        ])
        XCTAssertEqual(envelopes.first?.envelope?.subject, "one")
        XCTAssertEqual(envelopes.first?.envelope?.from.first?.mailbox, "bob")
        // A structure that is not JSON gives no envelope, not an error.
        try await store.write { db in
            try db.execute(sql: "UPDATE message SET parsed_structure = x'00ff7b' WHERE uid = 1")
        }
        let damaged = try await store.messageEnvelopes(mailboxID: inbox.id, uids: [1, 2], parts: .envelope)
        XCTAssertEqual(damaged.map(\.uid), [1, 2])
        XCTAssertNil(damaged.first?.envelope)
        XCTAssertEqual(damaged.last?.envelope?.subject, "two")
        do {
            _ = try await store.messageEnvelopes(mailboxID: 999, uids: [1], parts: .searchText)
            XCTFail("an unknown mailbox was read")
        } catch let error as MailStoreError {
            XCTAssertEqual(error, .mailboxNotFound("999"))
        }
    }

    /// The search text is kept when a message is stored: decoded RFC 2047
    /// words, folded, the address lists as FROM/TO/CC/BCC search them;
    /// read without the envelope unless that is asked for too.
    func testSearchTextIsKeptWithTheMessage() async throws {
        let (store, _, inbox) = try await sqliteStoreWithInbox()
        let body = """
            From: =?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?= <Juergen@Example.ORG>\r
            To: Alice <alice@example.org>, bob@example.net\r
            Cc: Carol <carol@example.com>\r
            Subject: =?UTF-8?B?R3LDvMOfZSBhdXMgQmVybGlu?= QUARTERLY\r
            \r
            Hello\r

            """
        let record = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: Array(body.utf8)))
        let envelope = try XCTUnwrap(record.parsedStructure?.envelope)
        let read = try await store.messageEnvelopes(mailboxID: inbox.id, uids: [1], parts: .searchText)
        let text = try XCTUnwrap(read.first?.searchText)
        XCTAssertNil(read.first?.envelope, "not asked for")
        XCTAssertEqual(text, EnvelopeSearchText(envelope))
        XCTAssertEqual(text.subject, "grüße aus berlin quarterly")
        XCTAssertEqual(text.from, "jürgen müller <juergen@example.org>")
        XCTAssertEqual(text.to, "alice <alice@example.org>, <bob@example.net>")
        XCTAssertEqual(text.cc, "carol <carol@example.com>")
        XCTAssertEqual(text.bcc, "")
        let both = try await store.messageEnvelopes(mailboxID: inbox.id, uids: [1], parts: [.envelope, .searchText])
        XCTAssertEqual(both.first?.envelope, envelope)
        XCTAssertEqual(both.first?.searchText, text)
        // A row without search text (written before v7) gets it from its envelope.
        try await store.write { db in try db.execute(sql: "UPDATE message SET search_subject = NULL") }
        let computed = try await store.messageEnvelopes(mailboxID: inbox.id, uids: [1], parts: .searchText)
        XCTAssertEqual(computed.first?.searchText, text)
        XCTAssertNil(computed.first?.envelope)
    }

    /// The v7 migration fills in the search text of the messages an older
    /// release stored, and leaves NULL where the structure is unreadable.
    func testMigrationToV7FillsTheSearchTextOfExistingMessages() async throws {
        let parsed = ParsedMessage.parse(sampleMessage("=?UTF-8?Q?Caf=C3=A9?= Menu"))
        let json = String(decoding: try JSONEncoder().encode(parsed), as: UTF8.self).replacingOccurrences(of: "'", with: "''")
        try await writeOldDatabase(upTo: "v6-mailbox-counters", sql: """
            INSERT INTO account (id, address, password_hash, created_at) VALUES (1, 'alice@example.org', 'h', 0);
            INSERT INTO mailbox (id, account_id, name, uid_validity, uid_next, highest_modseq)
                VALUES (1, 1, 'INBOX', 7, 3, 2);
            INSERT INTO message (mailbox_id, uid, modseq, internal_date, size, content_hash, body_file, parsed_structure)
                VALUES (1, 1, 1, 0, 10, 'h1', 'f1', CAST('\(json)' AS BLOB)),
                       (1, 2, 2, 0, 10, 'h2', 'f2', x'00ff7b');
            """)
        let store = try openSQLiteStore(removeOrphanFiles: false)
        let read = try await store.messageEnvelopes(mailboxID: 1, uids: [1, 2], parts: .searchText)
        XCTAssertEqual(read.map(\.uid), [1, 2])
        XCTAssertEqual(read.first?.searchText?.subject, "café menu")
        XCTAssertEqual(read.first?.searchText?.from, "<bob@example.org>")
        XCTAssertNil(read.last?.searchText, "an unreadable structure has none")
        let stored = try await store.read { db in
            try String.fetchOne(db, sql: "SELECT search_subject FROM message WHERE uid = 1")
        }
        XCTAssertEqual(stored, "café menu", "kept in the row, not computed on each read")
    }

    /// The layout is the stored root part's header and body ranges, read
    /// without decoding the structure (v8 columns); none where they are unknown.
    func testLayoutsGiveTheHeaderAndTextRanges() async throws {
        let (store, _, inbox) = try await sqliteStoreWithInbox()
        let first = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("one")))
        let second = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("two")))
        let layouts = try await store.messageLayouts(mailboxID: inbox.id, uids: [2, 1, 1, 7], cachedHeaderFields: false)
        XCTAssertEqual(layouts.map(\.uid), [1, 2])
        for (layout, record) in zip(layouts, [first, second]) {
            let root = try XCTUnwrap(record.parsedStructure?.root)
            XCTAssertEqual(layout.header, root.headerRange)
            XCTAssertEqual(layout.text, root.bodyRange)
            XCTAssertEqual(layout.size, record.size)
            XCTAssertEqual(layout.internalDate, record.internalDate)
        }
        try await store.write { db in
            try db.execute(sql: "UPDATE message SET root_header_size = NULL WHERE uid = 1")
        }
        let damaged = try await store.messageLayouts(mailboxID: inbox.id, uids: [1, 2], cachedHeaderFields: false)
        XCTAssertNil(damaged.first?.header)
        XCTAssertNil(damaged.first?.text)
        XCTAssertNotNil(damaged.last?.header)
        do {
            _ = try await store.messageLayouts(mailboxID: 999, uids: [1], cachedHeaderFields: true)
            XCTFail("an unknown mailbox was read")
        } catch MailStoreError.mailboxNotFound {}
    }

    /// Lists longer than one `uid IN (…)` chunk are read in several.
    func testLongUIDListsAreChunked() async throws {
        let (store, _, inbox) = try await sqliteStoreWithInbox()
        _ = try await store.appendCopies(mailboxID: inbox.id, of: NewMessage(body: sampleMessage("x")), count: 700)
        let wanted = (1...700).filter { $0 % 2 == 1 }.map { MessageUID($0) }
        let summaries = try await store.messageSummaries(mailboxID: inbox.id, uids: wanted.reversed())
        XCTAssertEqual(summaries.map(\.uid), wanted)
        let records = try await store.messages(mailboxID: inbox.id, uids: wanted)
        XCTAssertEqual(records.map(\.uid), wanted)
        XCTAssertTrue(records.allSatisfy { $0.parsedStructure?.envelope.subject == "x" })
    }

    /// A structure the store cannot decode comes back as nil (the reader
    /// may reparse the body), not as an error.
    func testUnreadableStructureIsNil() async throws {
        let (store, _, inbox) = try await sqliteStoreWithInbox()
        _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("x")))
        try await store.write { db in
            try db.execute(sql: "UPDATE message SET parsed_structure = x'00ff'")
        }
        let records = try await store.messages(mailboxID: inbox.id, uids: [1])
        XCTAssertEqual(records.count, 1)
        XCTAssertNil(records.first?.parsedStructure)
    }

    func testDomainAndAliasLookups() async throws {
        let store = try openSQLiteStore()
        try await store.addDomain("Example.org")
        let value17 = try await store.domainExists("example.org")
        XCTAssertTrue(value17)
        let value18 = try await store.domainExists("EXAMPLE.ORG")
        XCTAssertTrue(value18)
        let value19 = try await store.domainExists("example.net")
        XCTAssertFalse(value19)
        let value20 = try await store.domainExists("org")
        XCTAssertFalse(value20)

        try await store.addAlias(Alias(source: "Info@Example.org", destinations: ["a@example.org", "b@remote.example"]))
        try await store.addAlias(Alias(source: "@example.org", destinations: ["a@example.org"]))
        let info = try await store.alias(source: "INFO@example.org")
        XCTAssertEqual(info, Alias(source: "info@example.org", destinations: ["a@example.org", "b@remote.example"]))
        let value21 = try await store.alias(source: "@example.org")?.destinations
        XCTAssertEqual(value21, ["a@example.org"])
        let missing = try await store.alias(source: "nobody@example.org")
        XCTAssertNil(missing)
        try await store.removeAlias(source: "info@example.org")
        let removed = try await store.alias(source: "info@example.org")
        XCTAssertNil(removed)
    }

    func testPendingRecipientCount() async throws {
        let store = try openSQLiteStore()
        let value22 = try await store.pendingRecipientCount()
        XCTAssertEqual(value22, 0)
        let first = try await store.enqueueOutbound(OutboundMessageDraft(
            sender: "a@example.org", recipients: [.init(address: "x@remote.example"), .init(address: "y@remote.example")],
            body: sampleMessage("one")))
        _ = try await store.enqueueOutbound(OutboundMessageDraft(
            sender: "a@example.org", recipients: [.init(address: "z@remote.example")], body: sampleMessage("two")))
        let value23 = try await store.pendingRecipientCount()
        XCTAssertEqual(value23, 3)
        _ = try await store.claimRecipients(queueID: first.id, addresses: ["x@remote.example"], now: Date())
        let value24 = try await store.pendingRecipientCount()
        XCTAssertEqual(value24, 3, "a recipient being delivered is still pending")
        try await store.updateRecipient(queueID: first.id, address: "x@remote.example", state: .delivered,
                                        lastError: nil, nextAttemptAt: nil)
        try await store.updateRecipient(queueID: first.id, address: "y@remote.example", state: .failed,
                                        lastError: "550 no", nextAttemptAt: nil)
        let value25 = try await store.pendingRecipientCount()
        XCTAssertEqual(value25, 1)
        let expected = try await store.queuedMessages().reduce(0) { $0 + $1.recipients.count { !$0.state.isFinal } }
        let value26 = try await store.pendingRecipientCount()
        XCTAssertEqual(value26, expected)
    }
}
