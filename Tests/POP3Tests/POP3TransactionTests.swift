import XCTest
import MailCore
import MailStore
@testable import POP3

/// STAT, LIST, UIDL, RETR, TOP, DELE, RSET, NOOP on a snapshot of INBOX (RFC 1939 §5, §7).
final class POP3TransactionTests: POP3SessionTestCase {
    private var sizes: [Int] { Self.fixtureMessages.map(size) }

    func testStatAndList() async {
        let session = await loggedInSession()
        let stat = await send(session, "STAT")
        XCTAssertEqual(stat, "+OK 3 \(totalSize)\r\n")
        let list = await send(session, "LIST")
        XCTAssertEqual(list, "+OK 3 messages (\(totalSize) octets)\r\n1 \(sizes[0])\r\n2 \(sizes[1])\r\n3 \(sizes[2])\r\n.\r\n")
        let one = await send(session, "LIST 2")
        XCTAssertEqual(one, "+OK 2 \(sizes[1])\r\n")
        let missing = await send(session, "LIST 4")
        XCTAssertEqual(missing, "-ERR no such message\r\n")
        let zero = await send(session, "LIST 0")
        XCTAssertEqual(zero, "-ERR LIST: invalid message number\r\n")
        let noop = await send(session, "NOOP")
        XCTAssertEqual(noop, "+OK\r\n")
    }

    func testUIDL() async {
        let session = await loggedInSession()
        let validity = inbox.uidValidity
        let uidl = await send(session, "UIDL")
        XCTAssertEqual(uidl, "+OK unique-id listing follows\r\n1 \(validity)-1\r\n2 \(validity)-2\r\n3 \(validity)-3\r\n.\r\n")
        let one = await send(session, "UIDL 3")
        XCTAssertEqual(one, "+OK 3 \(validity)-3\r\n")
        let missing = await send(session, "UIDL 9")
        XCTAssertEqual(missing, "-ERR no such message\r\n")
    }

    func testRetrIsDotStuffedAndByteExact() async {
        let session = await loggedInSession()
        let retr = await send(session, "RETR 1")
        XCTAssertEqual(retr, "+OK \(sizes[0]) octets\r\n"
                       + "From: a@example.org\r\nSubject: one\r\n\r\nHello\r\n..dot line\r\n..\r\n...two\r\nbye\r\n.\r\n")
        let three = await send(session, "retr 3")
        XCTAssertEqual(three, "+OK \(sizes[2]) octets\r\n\(Self.message3).\r\n")
        let missing = await send(session, "RETR 4")
        XCTAssertEqual(missing, "-ERR no such message\r\n")
    }

    func testRetrOfBodyWithoutFinalCRLF() async {
        let session = await loggedInSession()
        let retr = await send(session, "RETR 2")
        // The CRLF that must end the last line before "." is added.
        XCTAssertEqual(retr, "+OK \(sizes[1] + 2) octets\r\nSubject: two\r\n\r\nno final newline\r\n.\r\n")
    }

    func testRetrNormalisesBareLineFeeds() async throws {
        _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: Array("Subject: lf\n\n.x\nbody\n".utf8)))
        let session = makeSession()
        await send(session, "USER \(Self.address)")
        let login = await send(session, "PASS \(Self.password)")
        XCTAssertTrue(login.hasPrefix("+OK maildrop has 4 messages"), login)
        let retr = await send(session, "RETR 4")
        XCTAssertEqual(retr, "+OK 25 octets\r\nSubject: lf\r\n\r\n..x\r\nbody\r\n.\r\n")
    }

    func testRetrAndTopChangeNoFlags() async throws {
        let session = await loggedInSession()
        await send(session, "RETR 1")
        await send(session, "TOP 2 1")
        await send(session, "QUIT")
        let records = try await store.messages(mailboxID: inbox.id)
        XCTAssertEqual(records.map(\.flags), [[], [], []])
    }

    func testTop() async {
        let session = await loggedInSession()
        let none = await send(session, "TOP 3 0")
        XCTAssertEqual(none, "+OK top of message follows\r\nSubject: three\r\nX: y\r\n\r\n.\r\n")
        let two = await send(session, "TOP 3 2")
        XCTAssertEqual(two, "+OK top of message follows\r\nSubject: three\r\nX: y\r\n\r\nl1\r\nl2\r\n.\r\n")
        let all = await send(session, "TOP 3 99")
        XCTAssertEqual(all, "+OK top of message follows\r\n\(Self.message3).\r\n")
        let stuffed = await send(session, "TOP 1 2")
        XCTAssertEqual(stuffed, "+OK top of message follows\r\n"
                       + "From: a@example.org\r\nSubject: one\r\n\r\nHello\r\n..dot line\r\n.\r\n")
        let partialLast = await send(session, "TOP 2 5")
        XCTAssertEqual(partialLast, "+OK top of message follows\r\nSubject: two\r\n\r\nno final newline\r\n.\r\n")
        let missing = await send(session, "TOP 5 1")
        XCTAssertEqual(missing, "-ERR no such message\r\n")
        let bad = await send(session, "TOP 1")
        XCTAssertEqual(bad, "-ERR TOP: expected a message number and a line count\r\n")
    }

    func testDeleHidesAndRsetRestores() async {
        let session = await loggedInSession()
        let dele = await send(session, "DELE 2")
        XCTAssertEqual(dele, "+OK message 2 deleted\r\n")
        let stat = await send(session, "STAT")
        XCTAssertEqual(stat, "+OK 2 \(sizes[0] + sizes[2])\r\n")
        let list = await send(session, "LIST")
        XCTAssertEqual(list, "+OK 2 messages (\(sizes[0] + sizes[2]) octets)\r\n1 \(sizes[0])\r\n3 \(sizes[2])\r\n.\r\n")
        let uidl = await send(session, "UIDL")
        XCTAssertFalse(uidl.contains("\r\n2 "))
        for command in ["RETR 2", "DELE 2", "LIST 2", "UIDL 2", "TOP 2 0"] {
            let reply = await send(session, command)
            XCTAssertEqual(reply, "-ERR message 2 already deleted\r\n", command)
        }
        let rset = await send(session, "RSET")
        XCTAssertEqual(rset, "+OK maildrop has 3 messages (\(totalSize) octets)\r\n")
        let after = await send(session, "LIST 2")
        XCTAssertEqual(after, "+OK 2 \(sizes[1])\r\n")
    }

    func testSingularSummary() async {
        let session = await loggedInSession()
        await send(session, "DELE 1")
        await send(session, "DELE 2")
        let list = await send(session, "LIST")
        XCTAssertEqual(list, "+OK 1 message (\(sizes[2]) octets)\r\n3 \(sizes[2])\r\n.\r\n")
    }

    func testSnapshotIgnoresNewMail() async throws {
        let session = await loggedInSession()
        _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: Array("Subject: new\r\n\r\nx\r\n".utf8)))
        let stat = await send(session, "STAT")
        XCTAssertEqual(stat, "+OK 3 \(totalSize)\r\n")
        let retr = await send(session, "RETR 4")
        XCTAssertEqual(retr, "-ERR no such message\r\n")
    }

    func testMessageRemovedByAnotherClient() async throws {
        let session = await loggedInSession()
        _ = try await store.expunge(mailboxID: inbox.id, uids: [1])
        let retr = await send(session, "RETR 1")
        XCTAssertEqual(retr, "-ERR message 1 is no longer available\r\n")
        await send(session, "DELE 1")
        await send(session, "DELE 2")
        let quit = await send(session, "QUIT")
        XCTAssertEqual(quit, "+OK mail.example.org Tern POP3 server signing off (1 message left)\r\n")
        let uids = try await inboxUIDs()
        XCTAssertEqual(uids, [3])
    }

    func testEmptyMaildrop() async throws {
        _ = try await store.createAccount(address: "empty@example.org", passwordHash: Self.passwordHash)
        let session = makeSession()
        let reply = await send(session, "AUTH PLAIN \(plain("empty@example.org", Self.password))")
        XCTAssertEqual(reply, "+OK maildrop has 0 messages (0 octets)\r\n")
        let list = await send(session, "LIST")
        XCTAssertEqual(list, "+OK 0 messages (0 octets)\r\n.\r\n")
        let uidl = await send(session, "UIDL")
        XCTAssertEqual(uidl, "+OK unique-id listing follows\r\n.\r\n")
        let quit = await send(session, "QUIT")
        XCTAssertEqual(quit, "+OK mail.example.org Tern POP3 server signing off (maildrop empty)\r\n")
    }
}
