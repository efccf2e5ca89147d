import XCTest
import MailCore
import MailStore
@testable import POP3

/// QUIT and the UPDATE state with each delete policy (RFC 1939 §6), the
/// maildrop lock (RFC 2449 §8.1.1 IN-USE) and UIDL stability.
final class POP3UpdateTests: POP3SessionTestCase {
    private func deleteOneAndThreeThenQuit(_ policy: POP3DeletePolicy) async -> POP3Output {
        let session = await loggedInSession(configuration(policy))
        await send(session, "DELE 1")
        await send(session, "DELE 3")
        return await output(session, "QUIT")
    }

    private func assertSignedOff(_ output: POP3Output, _ status: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(String(decoding: output.bytes, as: UTF8.self),
                       "+OK mail.example.org Tern POP3 server signing off (\(status))\r\n", file: file, line: line)
        XCTAssertEqual(output.action, .close, file: file, line: line)
    }

    func testQuitWithDeletePolicyExpunges() async throws {
        let quit = await deleteOneAndThreeThenQuit(.delete)
        assertSignedOff(quit, "1 message left")
        let uids = try await inboxUIDs()
        XCTAssertEqual(uids, [2])
        XCTAssertFalse(locks.isLocked(account.id))
        let changes = try await store.changes(mailboxID: inbox.id, after: 0)
        XCTAssertEqual(changes.filter { $0.kind == .expunged }.map(\.uid).sorted(), [1, 3])
    }

    func testQuitWithKeepPolicyChangesNothing() async throws {
        let quit = await deleteOneAndThreeThenQuit(.keep)
        assertSignedOff(quit, "1 message left")
        let records = try await store.messages(mailboxID: inbox.id)
        XCTAssertEqual(records.map(\.uid), [1, 2, 3])
        XCTAssertEqual(records.map(\.flags), [[], [], []])
        XCTAssertFalse(locks.isLocked(account.id))
    }

    func testQuitWithMarkReadPolicySetsSeen() async throws {
        let quit = await deleteOneAndThreeThenQuit(.markRead)
        assertSignedOff(quit, "1 message left")
        let records = try await store.messages(mailboxID: inbox.id)
        XCTAssertEqual(records.map(\.uid), [1, 2, 3])
        XCTAssertEqual(records.map(\.flags), [.seen, [], .seen])
    }

    func testQuitWithMovePolicyCreatesTheMailbox() async throws {
        let quit = await deleteOneAndThreeThenQuit(.moveTo("POP/Done"))
        assertSignedOff(quit, "1 message left")
        let uids = try await inboxUIDs()
        XCTAssertEqual(uids, [2])
        let destination = try await store.mailbox(accountID: account.id, name: "POP/Done")
        let moved = try await store.messages(mailboxID: try XCTUnwrap(destination).id)
        XCTAssertEqual(moved.count, 2)
        let bodies = try await store.messageBody(mailboxID: destination!.id, uid: moved[0].uid)
        XCTAssertEqual(bodies, Array(Self.message1.utf8))
    }

    func testQuitWithMovePolicyToExistingMailbox() async throws {
        let quit = await deleteOneAndThreeThenQuit(.moveTo("Archive"))
        assertSignedOff(quit, "1 message left")
        let archive = try await store.mailbox(accountID: account.id, name: "Archive")
        let moved = try await store.messages(mailboxID: try XCTUnwrap(archive).id)
        XCTAssertEqual(moved.count, 2)
        let uids = try await inboxUIDs()
        XCTAssertEqual(uids, [2])
    }

    func testQuitWithoutDeletionsAndBeforeLogin() async throws {
        let session = await loggedInSession()
        let quit = await output(session, "QUIT")
        assertSignedOff(quit, "3 messages left")
        let early = await output(makeSession(), "QUIT")
        XCTAssertEqual(String(decoding: early.bytes, as: UTF8.self), "+OK mail.example.org Tern POP3 server signing off\r\n")
        XCTAssertEqual(early.action, .close)
        let uids = try await inboxUIDs()
        XCTAssertEqual(uids, [1, 2, 3])
    }

    func testRsetBeforeQuitDeletesNothing() async throws {
        let session = await loggedInSession()
        await send(session, "DELE 1")
        await send(session, "RSET")
        await send(session, "QUIT")
        let uids = try await inboxUIDs()
        XCTAssertEqual(uids, [1, 2, 3])
    }

    func testConnectionClosedWithoutQuitDeletesNothing() async throws {
        let session = await loggedInSession()
        await send(session, "DELE 1")
        await send(session, "DELE 2")
        await session.connectionClosed()
        let uids = try await inboxUIDs()
        XCTAssertEqual(uids, [1, 2, 3])
        XCTAssertFalse(locks.isLocked(account.id))
        let after = await output(session, "STAT")
        XCTAssertEqual(after.bytes, [])
        XCTAssertEqual(after.action, .close)
    }

    func testFailedUpdateReportsSysTemp() async throws {
        let session = await loggedInSession()
        await send(session, "DELE 1")
        try await store.close()
        let quit = await output(session, "QUIT")
        XCTAssertEqual(String(decoding: quit.bytes, as: UTF8.self), "-ERR [SYS/TEMP] some deleted messages not removed\r\n")
        XCTAssertEqual(quit.action, .close)
        XCTAssertFalse(locks.isLocked(account.id))
    }

    func testSecondSessionGetsInUse() async throws {
        let first = await loggedInSession()
        let second = makeSession()
        await send(second, "USER \(Self.address)")
        let refused = await send(second, "PASS \(Self.password)")
        XCTAssertEqual(refused, "-ERR [IN-USE] maildrop already locked by another session\r\n")
        // Still in AUTHORIZATION.
        let stat = await send(second, "STAT")
        XCTAssertEqual(stat, "-ERR STAT is not valid before login\r\n")
        let viaAuth = await send(second, "AUTH PLAIN \(plain(Self.address, Self.password))")
        XCTAssertEqual(viaAuth, "-ERR [IN-USE] maildrop already locked by another session\r\n")
        // The refused session did not take the first one's lock away.
        await second.connectionClosed()
        XCTAssertTrue(locks.isLocked(account.id))
        await send(first, "QUIT")
        let third = makeSession()
        await send(third, "USER \(Self.address)")
        let accepted = await send(third, "PASS \(Self.password)")
        XCTAssertTrue(accepted.hasPrefix("+OK maildrop has 3 messages"), accepted)
    }

    func testLockIsReleasedWhenSessionIsDropped() async {
        var session: POP3Session? = await loggedInSession()
        XCTAssertTrue(locks.isLocked(account.id))
        _ = session
        session = nil
        XCTAssertFalse(locks.isLocked(account.id))
    }

    func testUIDLStableAcrossSessionsAndNeverReused() async throws {
        let first = await loggedInSession()
        let before = await send(first, "UIDL")
        let beforeIDs = before.split(separator: "\r\n").dropFirst().dropLast().map { $0.split(separator: " ")[1] }
        XCTAssertEqual(beforeIDs.count, 3)
        await send(first, "DELE 1")
        await send(first, "QUIT")
        _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: Array(Self.message1.utf8)))

        let second = makeSession()
        await send(second, "USER \(Self.address)")
        await send(second, "PASS \(Self.password)")
        let after = await send(second, "UIDL")
        let afterIDs = after.split(separator: "\r\n").dropFirst().dropLast().map { $0.split(separator: " ")[1] }
        XCTAssertEqual(afterIDs.count, 3)
        XCTAssertEqual(Array(afterIDs.prefix(2)), Array(beforeIDs.suffix(2)))
        // Same content as the deleted message 1, but a new unique id.
        XCTAssertFalse(beforeIDs.contains(afterIDs[2]))
        for id in afterIDs {
            XCTAssertTrue((1...70).contains(id.utf8.count))
            XCTAssertTrue(id.utf8.allSatisfy { (0x21...0x7E).contains($0) })
        }
    }
}
