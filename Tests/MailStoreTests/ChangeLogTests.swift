import Foundation
import XCTest
@testable import MailStore

final class ChangeLogTests: StoreTestCase {
    func testChangeLogOrderAndTombstones() async throws {
        let (store, _, inbox) = try await storeWithInbox()
        let base = inbox.highestModSeq
        let a = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("a")))
        let b = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("b")))
        let c = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("c")))
        let flagged = try await store.updateFlags(mailboxID: inbox.id, uids: [b.uid], operation: .add,
                                                  flags: [.flagged], keywords: [])
        _ = try await store.expunge(mailboxID: inbox.id, uids: [a.uid])

        let all = try await store.changes(mailboxID: inbox.id, after: base)
        XCTAssertEqual(all.map(\.modSeq), all.map(\.modSeq).sorted(), "rows come in MODSEQ order")
        XCTAssertEqual(Set(all.map(\.modSeq)).count, all.count)
        // UID a's earlier rows gave way to its tombstone.
        XCTAssertEqual(all.map(\.kind), [.added, .added, .flagsChanged, .expunged])
        XCTAssertEqual(all.map(\.uid), [b.uid, c.uid, b.uid, a.uid])
        XCTAssertEqual(all[2].modSeq, flagged[0].modSeq)

        let mailbox = try await store.mailbox(id: inbox.id)
        XCTAssertEqual(all.last?.modSeq, mailbox?.highestModSeq)

        // Only rows after the given MODSEQ.
        let later = try await store.changes(mailboxID: inbox.id, after: c.modSeq)
        XCTAssertEqual(later.map(\.kind), [.flagsChanged, .expunged])
        let none = try await store.changes(mailboxID: inbox.id, after: mailbox?.highestModSeq ?? 0)
        XCTAssertTrue(none.isEmpty)

        // A second flag change supersedes the first flags row of that UID.
        _ = try await store.updateFlags(mailboxID: inbox.id, uids: [b.uid], operation: .add, flags: [.seen], keywords: [])
        let compacted = try await store.changes(mailboxID: inbox.id, after: base)
        XCTAssertEqual(compacted.filter { $0.kind == .flagsChanged }.count, 1)
        XCTAssertEqual(compacted.last?.kind, .flagsChanged)
        XCTAssertTrue(compacted.contains(MailboxChange(modSeq: all[3].modSeq, uid: a.uid, kind: .expunged)),
                      "tombstones stay for QRESYNC")
    }

    func testChangeLogsArePerMailbox() async throws {
        let (store, account, inbox) = try await storeWithInbox()
        let sent = try await XCTUnwrapAsync(try await store.mailbox(accountID: account.id, name: "Sent"))
        _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("a")))
        let sentChanges = try await store.changes(mailboxID: sent.id, after: 0)
        XCTAssertTrue(sentChanges.isEmpty)
        _ = try await store.copyMessages(from: inbox.id, uids: [1], to: sent.id)
        let afterCopy = try await store.changes(mailboxID: sent.id, after: 0)
        XCTAssertEqual(afterCopy.map(\.kind), [.added])
    }
}
