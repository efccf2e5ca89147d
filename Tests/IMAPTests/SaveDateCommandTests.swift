import Foundation
import MailCore
import MailStore
import XCTest
@testable import IMAP

/// SAVEDATE (RFC 8514): FETCH SAVEDATE and the SAVEDBEFORE, SAVEDON,
/// SAVEDSINCE and SAVEDATESUPPORTED search keys.
final class SaveDateCommandTests: IMAPSessionTestCase {
    func testParsing() {
        let day = MailDate(year: 2026, month: 12, day: 4)!
        XCTAssertEqual(command("a FETCH 1 (SAVEDATE)"), .fetch(.elements([.single(.number(1))]), [.saveDate], modifiers: [], uid: false))
        XCTAssertEqual(command("a SEARCH SAVEDBEFORE 4-Dec-2026"), .search(SearchCommand(key: .savedBefore(day)), uid: false))
        XCTAssertEqual(command("a SEARCH SAVEDON 4-Dec-2026 SAVEDSINCE 4-Dec-2026"),
                       .search(SearchCommand(key: .and([.savedOn(day), .savedSince(day)])), uid: false))
        XCTAssertEqual(command("a UID SEARCH SAVEDATESUPPORTED"), .search(SearchCommand(key: .saveDateSupported), uid: true))
        XCTAssertNotNil(rejection("a SEARCH SAVEDON"))
    }

    func testFetchAndSearchTheSaveDate() async throws {
        // Internal date in 2001; saved now.
        _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: Array(Self.message.utf8),
                                                                         internalDate: Date(timeIntervalSince1970: 1_000_000_000)))
        let client = await selectedClient()
        let capability = await client.send("C CAPABILITY\r\n")
        XCTAssertTrue(capabilities(in: capability).contains("SAVEDATE"))
        let fetched = await client.send("F FETCH 1 (INTERNALDATE SAVEDATE)\r\n")
        let today = MailDate(secondsSinceEpoch: Int64(Date().timeIntervalSince1970))
        let (year, month, day, _, _, _, _) = today.components
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let todayText = "\(day)-\(months[month - 1])-\(year)"
        XCTAssertTrue(fetched.contains("INTERNALDATE \" 9-Sep-2001 01:46:40 +0000\""), fetched)
        XCTAssertTrue(fetched.contains("SAVEDATE \""), fetched)
        await expectEqual(await client.send("S SEARCH SAVEDON \(todayText)\r\n"), "* SEARCH 1\r\nS OK SEARCH completed\r\n")
        await expectEqual(await client.send("S SEARCH SAVEDBEFORE \(todayText)\r\n"), "* SEARCH\r\nS OK SEARCH completed\r\n")
        await expectEqual(await client.send("S SEARCH SAVEDSINCE 1-Jan-2020\r\n"), "* SEARCH 1\r\nS OK SEARCH completed\r\n")
        await expectEqual(await client.send("S SEARCH BEFORE 1-Jan-2020\r\n"), "* SEARCH 1\r\nS OK SEARCH completed\r\n",
                          "the internal date is another date")
        await expectEqual(await client.send("S SEARCH SAVEDATESUPPORTED\r\n"), "* SEARCH 1\r\nS OK SEARCH completed\r\n")
    }
}
