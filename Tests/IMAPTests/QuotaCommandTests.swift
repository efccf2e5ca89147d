import Foundation
import MailCore
import MailStore
import XCTest
@testable import IMAP

/// QUOTA (RFC 9208) through a session: the RFC's command forms, the roots
/// and resources a client sees, SETQUOTA refused, and APPEND and COPY over
/// a limit answered `NO [OVERQUOTA]` with nothing stored.
final class QuotaCommandTests: IMAPSessionTestCase {
    func testParsing() {
        XCTAssertEqual(command("G0001 GETQUOTA \"!partition/sda4\""), .getQuota(root: bytes("!partition/sda4")))
        XCTAssertEqual(command("A003 GETQUOTAROOT INBOX"), .getQuotaRoot(MailboxName("INBOX")))
        XCTAssertEqual(command("A001 SETQUOTA \"\" (STORAGE 512)"),
                       .setQuota(root: [], [QuotaResourceLimit(resource: "STORAGE", limit: 512)]))
        XCTAssertEqual(command("S0000 SETQUOTA \"User quota\" (STORAGE 1000 message 10)"),
                       .setQuota(root: bytes("User quota"), [QuotaResourceLimit(resource: "STORAGE", limit: 1000),
                                                              QuotaResourceLimit(resource: "MESSAGE", limit: 10)]))
        for bad in ["a GETQUOTA", "a GETQUOTAROOT", "a SETQUOTA \"\"", "a SETQUOTA \"\" (STORAGE)", "a SETQUOTA \"\" (STORAGE x)"] {
            XCTAssertNotNil(rejection(bad), bad)
        }
    }

    func testRootsResourcesAndRefusals() async throws {
        let client = await selectedClient()
        let capability = await client.send("C CAPABILITY\r\n")
        for name in ["QUOTA", "QUOTA=RES-STORAGE", "QUOTA=RES-MESSAGE"] {
            XCTAssertTrue(capabilities(in: capability).contains(name), name)
        }
        XCTAssertFalse(capabilities(in: capability).contains("QUOTASET"))
        // No limits: no root.
        await expectEqual(await client.send("Q GETQUOTAROOT INBOX\r\n"),
                          "* QUOTAROOT INBOX\r\nQ OK GETQUOTAROOT completed\r\n")
        await expectEqual(await client.send("G GETQUOTA \"User quota\"\r\n"),
                          "G NO [NONEXISTENT] no such quota root\r\n")

        let first = try await deliver()
        _ = await client.send("N NOOP\r\n")
        try await store.setQuota(accountID: account.id, .custom(QuotaLimits(storage: 10 * 1024, messages: 2)))
        let usageKiB = (first.size + 1023) / 1024
        await expectEqual(await client.send("Q GETQUOTAROOT Sent\r\n"),
                          "* QUOTAROOT Sent \"User quota\"\r\n* QUOTA \"User quota\" (STORAGE \(usageKiB) 10 MESSAGE 1 2)\r\n"
                          + "Q OK GETQUOTAROOT completed\r\n")
        await expectEqual(await client.send("G GETQUOTA \"User quota\"\r\n"),
                          "* QUOTA \"User quota\" (STORAGE \(usageKiB) 10 MESSAGE 1 2)\r\nG OK GETQUOTA completed\r\n")
        let missing = await client.send("M GETQUOTAROOT Nowhere\r\n")
        XCTAssertTrue(missing.hasPrefix("M NO [NONEXISTENT]"), missing)
        await expectEqual(await client.send("S SETQUOTA \"User quota\" (STORAGE 99999)\r\n"),
                          "S NO [NOPERM] quotas are set by the administrator\r\n")

        // A shared domain quota is a second root.
        try await store.addDomain("example.org")
        try await store.setDomainQuota(domain: "example.org", QuotaLimits(messages: 100))
        let roots = await client.send("R GETQUOTAROOT INBOX\r\n")
        XCTAssertTrue(roots.hasPrefix("* QUOTAROOT INBOX \"User quota\" \"Domain quota\"\r\n"), roots)
        XCTAssertTrue(roots.contains("* QUOTA \"Domain quota\" (MESSAGE 1 100)\r\n"), roots)

        // Over the limit: NO [OVERQUOTA], nothing stored.
        _ = await client.send("A APPEND INBOX {5+}\r\nhello\r\n")
        let full = await client.send("B APPEND INBOX {5+}\r\nagain\r\n")
        XCTAssertTrue(full.hasPrefix("B NO [OVERQUOTA]"), full)
        let copy = await client.send("C COPY 1 Sent\r\n")
        XCTAssertTrue(copy.hasPrefix("C NO [OVERQUOTA]"), copy)
        let move = await client.send("D MOVE 1 Sent\r\n")
        XCTAssertTrue(move.contains("D OK"), "a move takes no room: \(move)")
        let stored = try await store.quota(accountID: account.id)
        XCTAssertEqual(stored.usage.messages, 2)
    }

    /// RFC 9208 §4.2: STATUS DELETED-STORAGE, what an EXPUNGE would free, in
    /// 1024-octet units.
    func testStatusDeletedStorage() async throws {
        let big = "Subject: big\r\n\r\n" + String(repeating: "x", count: 5000) + "\r\n"
        _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: Array(big.utf8), flags: .deleted))
        _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: Array(big.utf8)))
        let client = await selectedClient()
        XCTAssertEqual(command("a STATUS INBOX (DELETED-STORAGE)"), .status(MailboxName("INBOX"), [.deletedStorage]))
        await expectEqual(await client.send("S STATUS Sent (DELETED-STORAGE)\r\n"),
                          "* STATUS Sent (DELETED-STORAGE 0)\r\nS OK STATUS completed\r\n")
        let reply = await client.send("T STATUS INBOX (DELETED DELETED-STORAGE)\r\n")
        XCTAssertTrue(reply.hasPrefix("* STATUS INBOX (DELETED 1 DELETED-STORAGE \(big.utf8.count / 1024))"), reply)
        let sum = try await store.deletedStorage(mailboxID: inbox.id)
        XCTAssertEqual(sum, Int64(big.utf8.count))
    }
}
