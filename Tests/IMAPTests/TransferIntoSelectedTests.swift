import Foundation
import MailCore
import MailStore
import XCTest
@testable import IMAP

/// COPY and MOVE into the selected mailbox itself work as in Dovecot:
/// the copies get new UIDs and `[COPYUID]`; MOVE expunges the originals.
final class TransferIntoSelectedTests: IMAPSessionTestCase {
    func testCopyIntoTheSelectedMailbox() async throws {
        _ = try await deliver()
        _ = try await deliver()
        let session = await loggedInSession()
        _ = await send(session, "s SELECT INBOX\r\n")
        let answer = await send(session, "c COPY 1:2 INBOX\r\n")
        let validity = inbox.uidValidity
        XCTAssertEqual(answer, "* 4 EXISTS\r\n* 4 RECENT\r\nc OK [COPYUID \(validity) 1:2 3:4] COPY completed\r\n")
        let uids = try await store.messageSummaries(mailboxID: inbox.id).map(\.uid)
        XCTAssertEqual(uids, [1, 2, 3, 4])
    }

    func testMoveIntoTheSelectedMailbox() async throws {
        _ = try await deliver()
        _ = try await store.appendMessage(mailboxID: inbox.id,
                                          NewMessage(body: Array(Self.message.utf8), flags: .flagged))
        let session = await loggedInSession()
        _ = await send(session, "s SELECT INBOX\r\n")
        let answer = await send(session, "m UID MOVE 2 INBOX\r\n")
        let validity = inbox.uidValidity
        XCTAssertEqual(answer, "* OK [COPYUID \(validity) 2 3] Moved\r\n* 2 EXPUNGE\r\n* 2 EXISTS\r\n* 2 RECENT\r\n"
            + "m OK UID MOVE completed\r\n")
        let summaries = try await store.messageSummaries(mailboxID: inbox.id)
        XCTAssertEqual(summaries.map(\.uid), [1, 3])
        XCTAssertEqual(summaries.last?.flags, .flagged, "flags move along")
        let fetched = await send(session, "f FETCH 2 (UID FLAGS)\r\n")
        XCTAssertEqual(fetched, "* 2 FETCH (UID 3 FLAGS (\\Flagged \\Recent))\r\nf OK FETCH completed\r\n")
    }
}
