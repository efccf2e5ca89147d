import Foundation
import XCTest
@testable import MailStore

final class NotificationTests: StoreTestCase {
    func testLocalChangesWakeSubscribers() async throws {
        let (store, account, inbox) = try await storeWithInbox()
        let sent = try await XCTUnwrapAsync(try await store.mailbox(accountID: account.id, name: "Sent"))
        var iterator = store.changeNotifications(mailboxID: inbox.id).makeAsyncIterator()
        var sentIterator = store.changeNotifications(mailboxID: sent.id).makeAsyncIterator()

        _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("new")))
        let woke = await nextWakeUp(&iterator, within: 5)
        XCTAssertTrue(woke)
        _ = try await store.updateFlags(mailboxID: inbox.id, uids: [1], operation: .add, flags: [.seen], keywords: [])
        let wokeFlags = await nextWakeUp(&iterator, within: 5)
        XCTAssertTrue(wokeFlags)
        _ = try await store.moveMessages(from: inbox.id, uids: [1], to: sent.id)
        let wokeMove = await nextWakeUp(&iterator, within: 5)
        XCTAssertTrue(wokeMove)
        let wokeSent = await nextWakeUp(&sentIterator, within: 5)
        XCTAssertTrue(wokeSent, "the destination of a move is woken too")
    }

    func testAnotherInstanceOnTheSameDirectorySeesWritesAndWakes() async throws {
        let (server, account, inbox) = try await storeWithInbox()
        let admin = try openStore()
        var iterator = server.changeNotifications(mailboxID: inbox.id).makeAsyncIterator()

        // The admin process delivers a message; the server's stream wakes.
        let record = try await admin.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("from admin")))
        let woke = await nextWakeUp(&iterator, within: 5)
        XCTAssertTrue(woke, "a change by another process is seen within the bound")
        let seen = try await server.messages(mailboxID: inbox.id)
        XCTAssertEqual(seen, [record])
        let changes = try await server.changes(mailboxID: inbox.id, after: inbox.highestModSeq)
        XCTAssertEqual(changes.map(\.kind), [.added])

        // And the other way round, for a new account made by the admin.
        let bob = try await admin.createAccount(address: "bob@example.org", passwordHash: "h")
        let bobSeen = try await server.account(address: "bob@example.org")
        XCTAssertEqual(bobSeen, bob)
        _ = try await server.updateFlags(mailboxID: inbox.id, uids: [record.uid], operation: .add, flags: [.seen], keywords: [])
        let adminView = try await admin.message(mailboxID: inbox.id, uid: record.uid)
        XCTAssertEqual(adminView?.flags, [.seen])
        XCTAssertNotNil(account)
    }

    /// A commit by a really separate process (python3's sqlite3, standing in
    /// for `tern` admin commands) wakes the stream through the poller.
    func testSeparateProcessCommitWakesSubscribers() async throws {
        let (store, _, inbox) = try await storeWithInbox()
        var iterator = store.changeNotifications(mailboxID: inbox.id).makeAsyncIterator()
        let script = """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1], timeout=10)
            with db:
                db.execute("UPDATE mailbox SET highest_modseq = highest_modseq + 1 WHERE id = ?", (int(sys.argv[2]),))
                db.execute("INSERT INTO change_log SELECT id, highest_modseq, 77, 'flags' FROM mailbox WHERE id = ?",
                           (int(sys.argv[2]),))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, directory + "/tern.sqlite", String(inbox.id)]
        try process.run()
        process.waitUntilExit()
        try XCTSkipIf(process.terminationStatus == 127, "needs python3")
        XCTAssertEqual(process.terminationStatus, 0)
        let woke = await nextWakeUp(&iterator, within: 5)
        XCTAssertTrue(woke)
        let changes = try await store.changes(mailboxID: inbox.id, after: inbox.highestModSeq)
        XCTAssertEqual(changes, [MailboxChange(modSeq: inbox.highestModSeq + 1, uid: 77, kind: .flagsChanged)])
    }

    func testOtherInstanceDeletingTheMailboxWakesSubscribers() async throws {
        let (server, account, _) = try await storeWithInbox()
        let box = try await server.createMailbox(accountID: account.id, name: "Doomed", specialUse: nil)
        let admin = try openStore()
        var iterator = server.changeNotifications(mailboxID: box.id).makeAsyncIterator()
        try await admin.deleteMailbox(id: box.id)
        let woke = await nextWakeUp(&iterator, within: 5)
        XCTAssertTrue(woke)
        let gone = try await server.mailbox(id: box.id)
        XCTAssertNil(gone)
    }

    func testTerminatingTheStreamUnsubscribesAndStopsPolling() async throws {
        let (store, _, inbox) = try await sqliteStoreWithInbox()
        var stream: AsyncStream<Void>? = store.changeNotifications(mailboxID: inbox.id)
        XCTAssertEqual(store.notifier.subscriberCount, 1)
        XCTAssertTrue(store.notifier.isPolling)
        XCTAssertNotNil(stream)
        stream = nil
        XCTAssertEqual(store.notifier.subscriberCount, 0)
        XCTAssertFalse(store.notifier.isPolling)

        // A consumer task that is cancelled also unsubscribes.
        let consumer = Task {
            for await _ in store.changeNotifications(mailboxID: inbox.id) {}
        }
        while store.notifier.subscriberCount == 0 { await Task.yield() }
        consumer.cancel()
        await consumer.value
        XCTAssertEqual(store.notifier.subscriberCount, 0)
        XCTAssertFalse(store.notifier.isPolling)
    }

    func testCloseFinishesStreams() async throws {
        let (store, _, inbox) = try await storeWithInbox()
        let stream = store.changeNotifications(mailboxID: inbox.id)
        try await store.close()
        var count = 0
        for await _ in stream { count += 1 }
        XCTAssertEqual(count, 0)
        var afterClose = store.changeNotifications(mailboxID: inbox.id).makeAsyncIterator()
        let element: Void? = await afterClose.next()
        XCTAssertNil(element)
    }
}

/// Subscribing never blocks a thread of the cooperative pool: many sessions
/// subscribing while others read must all finish (a synchronous read in
/// `subscribe` once deadlocked the server under IMAP load).
final class NotificationConcurrencyTests: StoreTestCase {
    func testManyConcurrentSubscribersAndReadersAllFinish() async throws {
        let (store, _, inbox) = try await storeWithInbox()
        _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("one")))
        let finished = await withTaskGroup(of: Bool.self) { group -> Bool in
            group.addTask {
                await withTaskGroup(of: Void.self) { sessions in
                    for _ in 0..<200 {
                        sessions.addTask {
                            var iterator = store.changeNotifications(mailboxID: inbox.id).makeAsyncIterator()
                            _ = try? await store.messages(mailboxID: inbox.id)
                            _ = try? await store.changes(mailboxID: inbox.id, after: 0)
                            // The first poll wakes every new subscriber once.
                            _ = await iterator.next()
                        }
                    }
                }
                return true
            }
            // A liveness bound, not a speed measurement: a deadlock fails
            // the test instead of hanging the suite.
            group.addTask {
                try? await Task.sleep(for: .seconds(120))
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        XCTAssertTrue(finished, "subscribers and readers did not all finish: deadlock")
    }
}
