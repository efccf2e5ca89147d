import Foundation
import MailCore
import XCTest
@testable import MailStore

/// The contract of `messageLayouts(…cachedHeaderFields: true)`: every way
/// a message enters a mailbox keeps `CachedHeaderFields.extract` of its
/// header, which the layouts return; none when asked without, or when too long.
final class CachedHeaderFieldsStoreTests: StoreTestCase {
    static func message(_ subject: String) -> [UInt8] {
        Array(("Received: from relay\r\nFrom: Bob <bob@example.org>\r\nX-Mailer: m\r\nSubject: \(subject)\r\n"
            + "Date: Mon, 7 Feb 1994 21:52:25 -0800\r\n\r\nbody of \(subject)\r\n").utf8)
    }

    static func expected(_ body: [UInt8]) -> [UInt8]? {
        let root = ParsedMessage.parse(body).root
        return CachedHeaderFields.extract(fromHeader: Array(body[root.headerRange.clamped(to: body.indices)]))
    }

    func testEveryWayInKeepsTheCachedFields() async throws {
        let (store, account, inbox) = try await storeWithInbox()
        let other = try await store.createMailbox(accountID: account.id, name: "Other", specialUse: nil)
        var bodies: [MessageUID: [UInt8]] = [:]
        let appended = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: Self.message("one")))
        bodies[appended.uid] = Self.message("one")
        for record in try await store.appendMessages(mailboxID: inbox.id, [NewMessage(body: Self.message("two")),
                                                                           NewMessage(body: Self.message("three"))]) {
            bodies[record.uid] = Self.message(record.uid == 2 ? "two" : "three")
        }
        let delivered = try await store.deliverMessage(NewMessage(body: Self.message("four")), to: [inbox.id])
        bodies[delivered[0].uid] = Self.message("four")
        let spool = try store.makeSpoolFile(maximumSize: nil)
        try spool.write(Self.message("five")[...])
        _ = try spool.finish()
        let spooled = try await store.deliverMessage(spooled: spool, internalDate: Date(), to: [inbox.id])
        bodies[spooled[0].uid] = Self.message("five")

        let layouts = try await store.messageLayouts(mailboxID: inbox.id, uids: Array(bodies.keys),
                                                     cachedHeaderFields: true)
        XCTAssertEqual(layouts.map(\.uid), bodies.keys.sorted())
        for layout in layouts {
            let body = try XCTUnwrap(bodies[layout.uid])
            XCTAssertEqual(layout.cachedHeaderFields, Self.expected(body), "UID \(layout.uid)")
            XCTAssertEqual(layout.cachedHeaderFields.map { String(decoding: $0, as: UTF8.self) }?.contains("X-Mailer"),
                           false)
        }
        let without = try await store.messageLayouts(mailboxID: inbox.id, uids: Array(bodies.keys),
                                                     cachedHeaderFields: false)
        XCTAssertTrue(without.allSatisfy { $0.cachedHeaderFields == nil })

        // Copies and moves keep them.
        let copied = try await store.copyMessages(from: inbox.id, uids: [1, 2], to: other.id)
        let moved = try await store.moveMessages(from: inbox.id, uids: [3], to: other.id)
        let pairs = copied + moved
        let copies = try await store.messageLayouts(mailboxID: other.id, uids: pairs.map { $0.1 },
                                                    cachedHeaderFields: true)
        XCTAssertEqual(copies.count, 3)
        for (source, copyUID) in pairs {
            let copy = try XCTUnwrap(copies.first { $0.uid == copyUID })
            XCTAssertEqual(copy.cachedHeaderFields, Self.expected(try XCTUnwrap(bodies[source])))
        }
    }

    func testAHeaderWithTooLongListFieldsKeepsNone() async throws {
        let (store, _, inbox) = try await storeWithInbox()
        let references = "References: " + String(repeating: "<x@example.org>\r\n ", count: 1200) + "<y@example.org>\r\n"
        let body = Array(("From: a@example.org\r\n" + references + "\r\ntext\r\n").utf8)
        _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: body))
        let layouts = try await store.messageLayouts(mailboxID: inbox.id, uids: [1], cachedHeaderFields: true)
        XCTAssertEqual(layouts.count, 1)
        XCTAssertNil(layouts.first?.cachedHeaderFields)
        XCTAssertNotNil(layouts.first?.header, "the layout is there all the same")
    }

    /// Messages stored before v8 have no cached fields (their FETCHes read
    /// the files); the migration fills in their layouts from the stored
    /// structures, none where a structure is not valid JSON.
    func testMessagesFromBeforeTheMigration() async throws {
        let json = #"{"root":{"t":"text","s":"plain","ho":0,"hs":20,"bo":20,"bs":7}}"#
        try await writeOldDatabase(upTo: "v7-search-text", sql: """
            INSERT INTO account (id, address, password_hash, created_at) VALUES (1, 'alice@example.org', 'h', 0);
            INSERT INTO mailbox (id, account_id, name, uid_validity, uid_next, highest_modseq)
                VALUES (1, 1, 'INBOX', 7, 4, 3);
            INSERT INTO message (mailbox_id, uid, modseq, internal_date, size, content_hash, body_file, parsed_structure)
                VALUES (1, 1, 1, 0, 27, 'h1', 'f1', CAST('\(json)' AS BLOB)),
                       (1, 2, 2, 0, 10, 'h2', 'f2', x'00ff7b'),
                       (1, 3, 3, 0, 10, 'h3', 'f3', x'7b7d');
            """)
        let store = try openSQLiteStore(removeOrphanFiles: false)
        let layouts = try await store.messageLayouts(mailboxID: 1, uids: [1, 2, 3], cachedHeaderFields: true)
        XCTAssertEqual(layouts.map(\.uid), [1, 2, 3])
        XCTAssertTrue(layouts.allSatisfy { $0.cachedHeaderFields == nil })
        XCTAssertEqual(layouts[0].header, 0..<20)
        XCTAssertEqual(layouts[0].text, 20..<27)
        XCTAssertNil(layouts[1].header, "not JSON")
        XCTAssertNil(layouts[2].header, "no root part")
    }
}
