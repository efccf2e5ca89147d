import Foundation
import MailCore
import MailStore
import XCTest
@testable import IMAP

/// OBJECTID (RFC 8474): MAILBOXID at CREATE, SELECT and STATUS, kept by
/// RENAME and new after DELETE and CREATE; EMAILID kept by COPY and MOVE;
/// THREADID NIL; the EMAILID and THREADID search keys.
final class ObjectIDTests: IMAPSessionTestCase {
    func testParsing() {
        XCTAssertEqual(command("a FETCH 1:* (EMAILID THREADID)"),
                       .fetch(.elements([.range(.number(1), .last)]), [.emailID, .threadID], modifiers: [], uid: false))
        XCTAssertEqual(command("a STATUS foo (MAILBOXID)"), .status(MailboxName("foo"), [.mailboxID]))
        XCTAssertEqual(command("a UID SEARCH EMAILID M6d99ac3275bb4e"),
                       .search(SearchCommand(key: .emailID("M6d99ac3275bb4e")), uid: true))
        XCTAssertEqual(command("a SEARCH THREADID T64b478a75b7ea9"),
                       .search(SearchCommand(key: .threadID("T64b478a75b7ea9")), uid: false))
        XCTAssertNotNil(rejection("a SEARCH EMAILID"))
    }

    func mailboxID(in reply: String) -> String? {
        guard let range = reply.range(of: "MAILBOXID (") else { return nil }
        return String(reply[range.upperBound...].prefix { $0 != ")" })
    }

    func testMailboxIDsStayAcrossRenameAndChangeWhenRecreated() async throws {
        let client = await selectedClient()
        let capability = await client.send("C CAPABILITY\r\n")
        XCTAssertTrue(capabilities(in: capability).contains("OBJECTID"))
        let created = await client.send("A CREATE Projects\r\n")
        let id = try XCTUnwrap(mailboxID(in: created), created)
        XCTAssertTrue(created.hasPrefix("A OK [MAILBOXID ("), created)
        XCTAssertTrue(id.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }, id)
        let status = await client.send("S STATUS Projects (MAILBOXID MESSAGES)\r\n")
        XCTAssertEqual(status, "* STATUS Projects (MAILBOXID (\(id)) MESSAGES 0)\r\nS OK STATUS completed\r\n")
        await expectEqual(await client.send("R RENAME Projects Work\r\n"), "R OK RENAME completed\r\n")
        let examined = await client.send("E EXAMINE Work\r\n")
        XCTAssertEqual(mailboxID(in: examined), id, "RENAME keeps the MAILBOXID")
        XCTAssertTrue(examined.contains("* OK [MAILBOXID (\(id))] "), examined)
        _ = await client.send("U UNSELECT\r\n")
        await expectEqual(await client.send("D DELETE Work\r\n"), "D OK DELETE completed\r\n")
        let again = await client.send("B CREATE Work\r\n")
        XCTAssertNotEqual(mailboxID(in: again), id, "a new mailbox of that name has a new MAILBOXID")
        let inbox = await client.send("I STATUS INBOX (MAILBOXID)\r\n")
        XCTAssertNotEqual(mailboxID(in: inbox), mailboxID(in: again))
    }

    func testEmailIDsFollowCopiesAndMoves() async throws {
        try await deliver()
        try await deliver("From: carol@example.org\r\nSubject: other\r\n\r\nDifferent\r\n")
        let client = await selectedClient()
        let fetched = await client.send("F FETCH 1:2 (EMAILID THREADID)\r\n")
        let ids = fetched.components(separatedBy: "EMAILID (").dropFirst().map { String($0.prefix { $0 != ")" }) }
        XCTAssertEqual(ids.count, 2, fetched)
        XCTAssertNotEqual(ids[0], ids[1])
        XCTAssertTrue(fetched.contains("THREADID NIL"), fetched)
        _ = await client.send("C COPY 1 Sent\r\n")
        _ = await client.send("M MOVE 2 Sent\r\n")
        _ = await client.send("S SELECT Sent\r\n")
        let copies = await client.send("G FETCH 1:2 (EMAILID)\r\n")
        XCTAssertTrue(copies.contains("* 1 FETCH (EMAILID (\(ids[0])))"), copies)
        XCTAssertTrue(copies.contains("* 2 FETCH (EMAILID (\(ids[1])))"), copies)
        await expectEqual(await client.send("H SEARCH EMAILID \(ids[1])\r\n"), "* SEARCH 2\r\nH OK SEARCH completed\r\n")
        await expectEqual(await client.send("T SEARCH THREADID T1\r\n"), "* SEARCH\r\nT OK SEARCH completed\r\n")
        await expectEqual(await client.send("N SEARCH NOT EMAILID \(ids[1]) SUBJECT hello\r\n"),
                          "* SEARCH 1\r\nN OK SEARCH completed\r\n")
    }
}
