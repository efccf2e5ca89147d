import Foundation
import MailCore
import MailStore
import XCTest
@testable import IMAP

/// METADATA and METADATA-SERVER (RFC 5464) through a session, with the
/// RFC's examples: server and mailbox entries, DEPTH and MAXSIZE, NIL
/// removes, the limits answered with their codes and nothing changed.
final class MetadataCommandTests: IMAPSessionTestCase {
    func testCapabilitiesAndTheRFCExamples() async throws {
        let client = await selectedClient()
        let capability = await client.send("C CAPABILITY\r\n")
        XCTAssertTrue(capabilities(in: capability).contains("METADATA"), capability)
        XCTAssertTrue(capabilities(in: capability).contains("METADATA-SERVER"), capability)

        // §4.3: set a server entry and mailbox entries, one across two lines.
        await expectEqual(await client.send("a SETMETADATA \"\" (/private/comment \"My comment\")\r\n"),
                          "a OK SETMETADATA completed\r\n")
        await expectEqual(await client.send("b SETMETADATA INBOX (/shared/comment \"Shared comment\" /private/comment {33+}\r\nMy new comment across\r\ntwo lines.)\r\n"),
                          "b OK SETMETADATA completed\r\n")
        // The server's /shared entries are the administrator's (§3.2.1):
        // refused, and nothing of the command is kept.
        await expectEqual(await client.send("s SETMETADATA \"\" (/private/other \"x\" /shared/comment \"y\")\r\n"),
                          "s NO [CANNOT] the server's /shared entries are set by its administrator\r\n")
        await expectEqual(await client.send("t GETMETADATA \"\" (/private/other /shared/comment)\r\n"),
                          "* METADATA \"\" (/private/other NIL /shared/comment NIL)\r\nt OK GETMETADATA completed\r\n")
        // §4.2: one entry, a list of entries; a missing one is NIL.
        await expectEqual(await client.send("c GETMETADATA \"\" /private/comment\r\n"),
                          "* METADATA \"\" (/private/comment \"My comment\")\r\nc OK GETMETADATA completed\r\n")
        await expectEqual(await client.send("d GETMETADATA inbox (/Shared/Comment /private/comment /private/none)\r\n"),
                          "* METADATA INBOX (/shared/comment \"Shared comment\" /private/comment {33}\r\n"
                          + "My new comment across\r\ntwo lines. /private/none NIL)\r\nd OK GETMETADATA completed\r\n")
        // §4.2.1 MAXSIZE: longer values are left out, the longest named.
        await expectEqual(await client.send("e GETMETADATA (MAXSIZE 20) INBOX (/private/comment /shared/comment)\r\n"),
                          "* METADATA INBOX (/shared/comment \"Shared comment\")\r\n"
                          + "e OK [METADATA LONGENTRIES 33] GETMETADATA completed\r\n")
        await expectEqual(await client.send("f GETMETADATA (MAXSIZE 1) INBOX /private/comment\r\n"),
                          "f OK [METADATA LONGENTRIES 33] GETMETADATA completed\r\n")
        // §4.3: NIL removes.
        await expectEqual(await client.send("g SETMETADATA INBOX (/private/comment NIL)\r\n"), "g OK SETMETADATA completed\r\n")
        await expectEqual(await client.send("h GETMETADATA INBOX /private/comment\r\n"),
                          "* METADATA INBOX (/private/comment NIL)\r\nh OK GETMETADATA completed\r\n")
        // A mailbox that is not there.
        let missing = await client.send("i GETMETADATA Nowhere /private/comment\r\n")
        XCTAssertTrue(missing.hasPrefix("i NO [NONEXISTENT]"), missing)
        let missingSet = await client.send("j SETMETADATA Nowhere (/private/comment \"x\")\r\n")
        XCTAssertTrue(missingSet.hasPrefix("j NO [NONEXISTENT]"), missingSet)
        // Bad entry names are BAD (RFC 5464 §4.2, §4.3).
        let bad = await client.send("k SETMETADATA INBOX (/private \"x\")\r\n")
        XCTAssertTrue(bad.hasPrefix("k BAD"), bad)
    }

    func testDepth() async throws {
        let client = await selectedClient()
        _ = await client.send("a SETMETADATA INBOX (/private/filters/values/small \"1\" /private/filters/values/big \"2\" /private/filters/values/big/deeper \"3\" /private/other \"4\")\r\n")
        await expectEqual(await client.send("b GETMETADATA (DEPTH 1) INBOX (/private/filters/values)\r\n"),
                          "* METADATA INBOX (/private/filters/values/big \"2\" "
                          + "/private/filters/values/small \"1\")\r\nb OK GETMETADATA completed\r\n")
        await expectEqual(await client.send("c GETMETADATA (DEPTH infinity) INBOX /private/filters\r\n"),
                          "* METADATA INBOX (/private/filters/values/big \"2\" "
                          + "/private/filters/values/big/deeper \"3\" /private/filters/values/small \"1\")\r\n"
                          + "c OK GETMETADATA completed\r\n")
        // With a DEPTH an entry that is not set is left out (§4.2.2's
        // example); with nothing below it the answer is empty.
        await expectEqual(await client.send("e GETMETADATA (DEPTH 1) INBOX /private/none\r\n"),
                          "e OK GETMETADATA completed\r\n")
        // Overlapping requests send each entry once.
        await expectEqual(await client.send("d GETMETADATA (DEPTH infinity) INBOX (/private /private/other)\r\n"),
                          "* METADATA INBOX (/private/filters/values/big \"2\" /private/filters/values/big/deeper \"3\" "
                          + "/private/filters/values/small \"1\" /private/other \"4\")\r\nd OK GETMETADATA completed\r\n")
    }

    func testLimitsAreAnsweredWithTheirCodesAndChangeNothing() async throws {
        let client = await selectedClient()
        _ = await client.send("a SETMETADATA INBOX (/private/comment \"kept\")\r\n")
        let size = MetadataLimits.standard.maximumValueSize
        let tooLong = await client.send("b SETMETADATA INBOX (/private/comment \"new\" /private/big {\(size + 1)+}\r\n"
                                        + String(repeating: "x", count: size + 1) + ")\r\n")
        XCTAssertEqual(tooLong, "b NO [METADATA MAXSIZE \(size)] a metadata value is longer than \(size) octets\r\n")
        await expectEqual(await client.send("c GETMETADATA INBOX /private/comment\r\n"),
                          "* METADATA INBOX (/private/comment \"kept\")\r\nc OK GETMETADATA completed\r\n")
        // TOOMANY: more entries than the account may hold, in one command.
        let count = MetadataLimits.standard.maximumEntries
        let pairs = (0..<count).map { "/private/e\($0) \"v\"" }.joined(separator: " ")
        let tooMany = await client.send("d SETMETADATA \"\" (\(pairs))\r\n")
        XCTAssertEqual(tooMany, "d NO [METADATA TOOMANY] too many metadata entries\r\n")
        let server = try await store.metadata(accountID: account.id, mailboxID: nil)
        XCTAssertEqual(server, [], "nothing of the refused command was kept")
        // The session is still fine.
        await expectEqual(await client.send("e NOOP\r\n"), "e OK NOOP completed\r\n")
    }

    func testEntriesGoWithTheMailbox() async throws {
        let client = await selectedClient()
        _ = await client.send("a CREATE Work\r\n")
        _ = await client.send("b SETMETADATA Work (/private/comment \"projects\")\r\n")
        _ = await client.send("c RENAME Work Jobs\r\n")
        await expectEqual(await client.send("d GETMETADATA Jobs /private/comment\r\n"),
                          "* METADATA Jobs (/private/comment \"projects\")\r\nd OK GETMETADATA completed\r\n")
        _ = await client.send("e DELETE Jobs\r\n")
        _ = await client.send("f CREATE Jobs\r\n")
        await expectEqual(await client.send("g GETMETADATA Jobs /private/comment\r\n"),
                          "* METADATA Jobs (/private/comment NIL)\r\ng OK GETMETADATA completed\r\n")
    }

    func testNotBeforeLogin() async {
        let session = makeSession()
        let reply = await send(session, "a GETMETADATA \"\" /private/comment\r\n")
        XCTAssertTrue(reply.hasPrefix("a BAD"), reply)
    }
}
