// Races between two store instances on the same data ("two nodes": the
// server and an admin command today, two cluster nodes with PostgreSQL):
// the guarantees of the contract at the top of `MailStore` must hold
// whichever instance commits first. Every loop is bounded; nothing here
// depends on timing, only on outcomes.
import Foundation
import MailCore
import XCTest
@testable import MailStore

final class TwoNodeConcurrencyTests: StoreTestCase {
    /// Two nodes on this test's data directory, with alice's INBOX.
    func twoNodes() async throws -> (any MailStore, any MailStore, Mailbox) {
        let (first, _, inbox) = try await storeWithInbox()
        let second = try openStore()
        return (first, second, inbox)
    }

    /// 2 × 15 concurrent appends to one mailbox: every one gets its own UID,
    /// none is lost, UIDs are 1…30 ascending, and UIDs follow MODSEQs (both
    /// are assigned in commit order).
    func testConcurrentAppendsToOneMailbox() async throws {
        let (first, second, inbox) = try await twoNodes()
        let perNode = 15
        let uids = try await withThrowingTaskGroup(of: [MessageUID].self) { group in
            for (index, node) in [first, second].enumerated() {
                group.addTask {
                    var uids: [MessageUID] = []
                    for number in 0..<perNode {
                        let message = NewMessage(body: sampleMessage("node \(index) message \(number)"))
                        uids.append(try await node.appendMessage(mailboxID: inbox.id, message).uid)
                    }
                    return uids
                }
            }
            var all: [[MessageUID]] = []
            for try await uids in group { all.append(uids) }
            return all
        }
        for nodeUIDs in uids {
            XCTAssertEqual(nodeUIDs, nodeUIDs.sorted(), "each node's UIDs ascend")
        }
        let all = uids.flatMap { $0 }
        XCTAssertEqual(all.count, 2 * perNode)
        XCTAssertEqual(Set(all).count, all.count, "no UID given twice")
        for node in [first, second] {
            let records = try await node.messages(mailboxID: inbox.id)
            XCTAssertEqual(records.map(\.uid), Array(1...MessageUID(2 * perNode)), "none lost, both nodes see all")
            XCTAssertEqual(records.map(\.modSeq), records.map(\.modSeq).sorted(), "UID order is MODSEQ order")
            let changes = try await node.changes(mailboxID: inbox.id, after: 0)
            XCTAssertEqual(changes.map(\.uid), records.map(\.uid), "one added row per message, in MODSEQ order")
            XCTAssertEqual(Set(changes.map(\.modSeq)).count, changes.count)
            let mailbox = try await node.mailbox(id: inbox.id)
            XCTAssertEqual(mailbox?.uidNext, MessageUID(2 * perNode + 1))
        }
    }

    /// Two clients' conditional STOREs with the same UNCHANGEDSINCE race:
    /// exactly one wins, the other gets the UID back as MODIFIED (RFC 7162
    /// §3.1.3) and its flags are not written.
    func testConditionalStoreRaceHasExactlyOneWinner() async throws {
        let (first, second, inbox) = try await twoNodes()
        for round in 0..<10 {
            let record = try await first.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("r\(round)")))
            async let a = first.updateFlags(mailboxID: inbox.id, uids: [record.uid], operation: .add,
                                            flags: [.flagged], keywords: [], unchangedSince: record.modSeq)
            async let b = second.updateFlags(mailboxID: inbox.id, uids: [record.uid], operation: .add,
                                             flags: [.answered], keywords: [], unchangedSince: record.modSeq)
            let results = try await [a, b]
            let winners = results.filter { $0.changed.map(\.uid) == [record.uid] && $0.modified.isEmpty }
            let losers = results.filter { $0.changed.isEmpty && $0.modified == [record.uid] }
            XCTAssertEqual(winners.count, 1, "round \(round): \(results)")
            XCTAssertEqual(losers.count, 1, "round \(round): \(results)")
            let stored = try await second.message(mailboxID: inbox.id, uid: record.uid)
            XCTAssertEqual(stored?.flags, winners.first?.changed.first?.flags, "only the winner's flags are stored")
            XCTAssertEqual(stored?.modSeq, winners.first?.changed.first?.modSeq)
        }
    }

    /// One node undeletes a message while the other expunges the deleted
    /// ones: if the expunge came first the message is gone and the undelete
    /// changed nothing; otherwise it stays, without `\Deleted`. Never is a
    /// message removed that was undeleted before the expunge committed.
    func testExpungeRaceKeepsAMessageUndeletedFirst() async throws {
        let (first, second, inbox) = try await twoNodes()
        var kept = 0
        var removed = 0
        for round in 0..<10 {
            let record = try await first.appendMessage(
                mailboxID: inbox.id, NewMessage(body: sampleMessage("e\(round)"), flags: [.deleted]))
            async let undelete = first.updateFlags(mailboxID: inbox.id, uids: [record.uid], operation: .remove,
                                                   flags: [.deleted], keywords: [], unchangedSince: nil)
            async let expunge = second.expungeDeleted(mailboxID: inbox.id, uids: nil)
            let (undeleted, expunged) = try await (undelete, expunge)
            let stored = try await first.message(mailboxID: inbox.id, uid: record.uid)
            if expunged.contains(record.uid) {
                removed += 1
                XCTAssertNil(stored)
                XCTAssertEqual(undeleted.changed, [], "round \(round): the undelete came after the expunge")
            } else {
                kept += 1
                XCTAssertEqual(stored?.flags, [], "round \(round): undeleted first, so it stays")
                XCTAssertEqual(undeleted.changed.map(\.uid), [record.uid])
            }
        }
        XCTAssertEqual(kept + removed, 10)
    }

    /// Both nodes claim every recipient of one queued message at once:
    /// each recipient is claimed by exactly one of them.
    func testQueueClaimRaceClaimsEachRecipientOnce() async throws {
        let first = try openStore()
        let second = try openStore()
        let addresses = (0..<12).map { "r\($0)@remote.example" }
        for round in 0..<5 {
            let queued = try await first.enqueueOutbound(outboundDraft("claim \(round)", to: addresses))
            let now = Date().addingTimeInterval(1)
            async let a = first.claimRecipients(queueID: queued.id, addresses: addresses, now: now)
            async let b = second.claimRecipients(queueID: queued.id, addresses: addresses.reversed(), now: now)
            let (claimedByFirst, claimedBySecond) = try await (a, b)
            XCTAssertTrue(Set(claimedByFirst).isDisjoint(with: claimedBySecond), "round \(round): claimed twice")
            XCTAssertEqual(Set(claimedByFirst).union(claimedBySecond), Set(addresses), "round \(round)")
            let states = try await second.queuedMessage(id: queued.id)?.recipients.map(\.state)
            XCTAssertEqual(states, Array(repeating: .delivering, count: addresses.count))
        }
    }

    /// A change committed by one node wakes the other node's subscriber,
    /// which then reads it in the change log (the wake-up is only a hint).
    func testNotificationsAreSeenByTheOtherNode() async throws {
        let (first, second, inbox) = try await twoNodes()
        var iterator = second.changeNotifications(mailboxID: inbox.id).makeAsyncIterator()
        // The first wake-up may be the subscription's baseline: drain it.
        _ = await nextWakeUp(&iterator, within: 2)
        let baseline = try await second.mailbox(id: inbox.id)?.highestModSeq ?? 0
        let record = try await first.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("wake")))
        var seen: [MailboxChange] = []
        // Bounded: a few wake-ups, each waited for at most 10 s.
        for _ in 0..<5 where seen.isEmpty {
            guard await nextWakeUp(&iterator, within: 10) else { break }
            seen = try await second.changes(mailboxID: inbox.id, after: baseline)
        }
        XCTAssertEqual(seen, [MailboxChange(modSeq: record.modSeq, uid: record.uid, kind: .added)])

        // A conditional STORE on the second node wakes the first.
        var firstIterator = first.changeNotifications(mailboxID: inbox.id).makeAsyncIterator()
        _ = await nextWakeUp(&firstIterator, within: 2)
        let update = try await second.updateFlags(mailboxID: inbox.id, uids: [record.uid], operation: .add,
                                                  flags: [.seen], keywords: [], unchangedSince: record.modSeq)
        var flagChanges: [MailboxChange] = []
        for _ in 0..<5 where flagChanges.isEmpty {
            guard await nextWakeUp(&firstIterator, within: 10) else { break }
            flagChanges = try await first.changes(mailboxID: inbox.id, after: record.modSeq)
        }
        XCTAssertEqual(flagChanges, [MailboxChange(modSeq: update.changed[0].modSeq, uid: record.uid,
                                                   kind: .flagsChanged)])
    }
}
