import Foundation
import MailCore
import XCTest
@testable import MailStore

/// Flag changes, expunge, copy and move of thousands of messages in one call
/// (an IMAP `STORE 1:*` or `UID EXPUNGE` on a large mailbox): every changed
/// message still gets its own MODSEQ in UID order, its change-log row and,
/// when removed, its tombstone.
final class BulkChangeTests: StoreTestCase {
    static let count = 5_000

    /// A store whose INBOX holds `count` messages (UIDs 1...count).
    private func bulkInbox(count: Int = BulkChangeTests.count, keywords: [String] = [])
        async throws -> (SQLiteMailStore, Account, Mailbox, [MessageRecord]) {
        let (store, account, inbox) = try await sqliteStoreWithInbox()
        let records = try await store.appendCopies(
            mailboxID: inbox.id, of: NewMessage(body: sampleMessage("bulk"), keywords: keywords), count: count)
        XCTAssertEqual(records.map(\.uid), (1...count).map { MessageUID($0) })
        let filled = try await XCTUnwrapAsync(try await store.mailbox(id: inbox.id))
        return (store, account, filled, records)
    }

    private func assertStrictlyIncreasing(_ values: [ModSeq], file: StaticString = #filePath, line: UInt = #line) {
        for (earlier, later) in zip(values, values.dropFirst()) where earlier >= later {
            XCTFail("MODSEQ \(later) does not follow \(earlier)", file: file, line: line)
            return
        }
    }

    func testBulkAppendHelperWritesRowsAndChangeLog() async throws {
        let (store, _, inbox, records) = try await bulkInbox(count: 300)
        let stored = try await store.messages(mailboxID: inbox.id)
        XCTAssertEqual(stored, records)
        assertStrictlyIncreasing(stored.map(\.modSeq))
        XCTAssertEqual(inbox.highestModSeq, records.last?.modSeq)
        XCTAssertEqual(inbox.uidNext, 301)
        let changes = try await store.changes(mailboxID: inbox.id, after: 0)
        XCTAssertEqual(changes.map(\.uid), records.map(\.uid))
        XCTAssertTrue(changes.allSatisfy { $0.kind == .added })
        let body = try await store.messageBody(mailboxID: inbox.id, uid: 300)
        XCTAssertEqual(body, sampleMessage("bulk"))
    }

    func testUpdateFlagsOnEveryMessage() async throws {
        let (store, _, inbox, records) = try await bulkInbox()
        var wakeUps = store.changeNotifications(mailboxID: inbox.id).makeAsyncIterator()
        let base = inbox.highestModSeq
        // Reversed input: the result and the MODSEQs still follow UID order.
        let changed = try await store.updateFlags(mailboxID: inbox.id, uids: records.map(\.uid).reversed(),
                                                  operation: .add, flags: [.seen], keywords: ["$Done"])
        XCTAssertEqual(changed.map(\.uid), records.map(\.uid))
        XCTAssertEqual(changed.map(\.modSeq), (1...Self.count).map { base + ModSeq($0) })
        XCTAssertTrue(changed.allSatisfy { $0.flags == [.seen] && $0.keywords == ["$Done"] })

        let stored = try await store.messages(mailboxID: inbox.id)
        XCTAssertEqual(stored, changed)
        XCTAssertEqual(stored.map(\.contentHash), records.map(\.contentHash), "other columns are untouched")
        let mailbox = try await XCTUnwrapAsync(try await store.mailbox(id: inbox.id))
        XCTAssertEqual(mailbox.highestModSeq, base + ModSeq(Self.count))

        let log = try await store.changes(mailboxID: inbox.id, after: base)
        XCTAssertEqual(log.count, Self.count)
        XCTAssertTrue(log.allSatisfy { $0.kind == .flagsChanged })
        XCTAssertEqual(log.map(\.uid), changed.map(\.uid))
        XCTAssertEqual(log.map(\.modSeq), changed.map(\.modSeq))
        let wokeUp = await nextWakeUp(&wakeUps, within: 5)
        XCTAssertTrue(wokeUp)

        // A second change of every message replaces each UID's flags row.
        let second = try await store.updateFlags(mailboxID: inbox.id, uids: records.map(\.uid),
                                                 operation: .replace, flags: [.flagged], keywords: [])
        XCTAssertEqual(second.count, Self.count)
        XCTAssertTrue(second.allSatisfy { $0.flags == [.flagged] && $0.keywords.isEmpty })
        let compacted = try await store.changes(mailboxID: inbox.id, after: 0)
        XCTAssertEqual(compacted.filter { $0.kind == .flagsChanged }.map(\.modSeq), second.map(\.modSeq))
        XCTAssertEqual(compacted.filter { $0.kind == .added }.count, Self.count)
        assertStrictlyIncreasing(compacted.map(\.modSeq))
    }

    func testUpdateFlagsOnSubsetSkipsMissingAndDuplicateUIDs() async throws {
        let (store, _, inbox, records) = try await bulkInbox()
        _ = try await store.expunge(mailboxID: inbox.id, uids: [7, 300, 301])
        let before = try await XCTUnwrapAsync(try await store.mailbox(id: inbox.id))
        // Every third UID (more than one IN chunk), repeated, plus UIDs that
        // were expunged or never existed, including the extremes.
        let wanted = stride(from: 1, through: Self.count, by: 3).map { MessageUID($0) }
        let request = wanted + wanted.prefix(50) + [0, 7, 300, 301, MessageUID(Self.count + 1), .max]
        let changed = try await store.updateFlags(mailboxID: inbox.id, uids: request.shuffled(),
                                                  operation: .add, flags: [.answered], keywords: [])
        let expected = wanted.filter { ![7, 300, 301].contains($0) }
        XCTAssertEqual(changed.map(\.uid), expected)
        XCTAssertEqual(changed.map(\.modSeq), (1...expected.count).map { before.highestModSeq + ModSeq($0) })

        let stored = try await store.messages(mailboxID: inbox.id)
        XCTAssertEqual(stored.count, Self.count - 3)
        let changedUIDs = Set(expected)
        for record in stored where !changedUIDs.contains(record.uid) {
            XCTAssertEqual(record, records[Int(record.uid) - 1], "UID \(record.uid) was not asked for")
        }
        let log = try await store.changes(mailboxID: inbox.id, after: before.highestModSeq)
        XCTAssertEqual(log.map(\.uid), expected)
    }

    func testChunkBoundaries() async throws {
        let (store, _, inbox, _) = try await bulkInbox(count: 1_300)
        let chunk = SQLiteMailStore.uidChunkSize
        var modSeq = inbox.highestModSeq
        var start = 1
        for size in [1, 2, 3, chunk - 1, chunk, chunk + 1, 2 * chunk + 5] {
            let uids = (start..<(start + size)).map { MessageUID($0) }
            let changed = try await store.updateFlags(mailboxID: inbox.id, uids: uids, operation: .add,
                                                      flags: [.flagged], keywords: [])
            XCTAssertEqual(changed.map(\.uid), uids, "\(size) UIDs")
            XCTAssertEqual(changed.first?.modSeq, modSeq + 1)
            modSeq += ModSeq(size)
            start += size
        }
        let flagged = try await store.messages(mailboxID: inbox.id).filter { $0.flags.contains(.flagged) }
        XCTAssertEqual(flagged.count, start - 1)
    }

    func testNoOpUpdatesKeepModSeqs() async throws {
        let (store, _, inbox, records) = try await bulkInbox(keywords: ["$Label1"])
        let uids = records.map(\.uid)
        // Half the messages already have \Seen.
        let evens = uids.filter { $0 % 2 == 0 }
        let first = try await store.updateFlags(mailboxID: inbox.id, uids: evens, operation: .add,
                                                flags: [.seen], keywords: [])
        XCTAssertEqual(first.map(\.uid), evens)
        let afterFirst = try await store.messages(mailboxID: inbox.id)
        let highest = try await XCTUnwrapAsync(try await store.mailbox(id: inbox.id)).highestModSeq

        // Nothing changes: no MODSEQ, no change-log row, no record returned.
        for (operation, flags, keywords) in [(FlagOperation.add, MessageFlags.seen, ["$label1"]),
                                             (.remove, [.deleted], ["$Other"]),
                                             (.add, [], [])] {
            let none = try await store.updateFlags(mailboxID: inbox.id, uids: evens, operation: operation,
                                                   flags: flags, keywords: keywords)
            XCTAssertEqual(none, [], "\(operation)")
        }
        let emptyRequest = try await store.updateFlags(mailboxID: inbox.id, uids: [], operation: .replace,
                                                       flags: [], keywords: [])
        XCTAssertEqual(emptyRequest, [])
        let unchanged = try await store.messages(mailboxID: inbox.id)
        XCTAssertEqual(unchanged, afterFirst)
        let mailbox = try await XCTUnwrapAsync(try await store.mailbox(id: inbox.id))
        XCTAssertEqual(mailbox.highestModSeq, highest)
        let log = try await store.changes(mailboxID: inbox.id, after: highest)
        XCTAssertEqual(log, [])

        // \Seen on all: only the odd UIDs change, in order.
        let rest = try await store.updateFlags(mailboxID: inbox.id, uids: uids, operation: .add,
                                               flags: [.seen], keywords: ["$LABEL1"])
        XCTAssertEqual(rest.map(\.uid), uids.filter { $0 % 2 == 1 })
        XCTAssertEqual(rest.map(\.modSeq), (1...rest.count).map { highest + ModSeq($0) })
        XCTAssertTrue(rest.allSatisfy { $0.keywords == ["$Label1"] }, "keywords keep their first spelling")
        let evenRecords = try await store.messages(mailboxID: inbox.id).filter { $0.uid % 2 == 0 }
        XCTAssertEqual(evenRecords, afterFirst.filter { $0.uid % 2 == 0 })

        // Removing the keyword changes every message.
        let removed = try await store.updateFlags(mailboxID: inbox.id, uids: uids, operation: .remove,
                                                  flags: [], keywords: ["$LABEL1"])
        XCTAssertEqual(removed.count, Self.count)
        XCTAssertTrue(removed.allSatisfy { $0.keywords.isEmpty && $0.flags == [.seen] })
    }

    func testExpungeManyLeavesTombstones() async throws {
        let (store, _, inbox, records) = try await bulkInbox()
        _ = try await store.updateFlags(mailboxID: inbox.id, uids: [10, 20], operation: .add, flags: [.deleted],
                                        keywords: [])
        let before = try await XCTUnwrapAsync(try await store.mailbox(id: inbox.id))
        let survives: (MessageUID) -> Bool = { uid in uid % 5 == 0 && uid != 10 && uid != 20 }
        let doomed: [MessageUID] = records.map(\.uid).filter { !survives($0) }
        let missing: [MessageUID] = [0, 99_999, .max]
        let removed = try await store.expunge(mailboxID: inbox.id, uids: doomed.reversed() + missing)
        XCTAssertEqual(removed, doomed)

        let kept = try await store.messages(mailboxID: inbox.id)
        XCTAssertEqual(kept.map(\.uid), records.map(\.uid).filter(survives))
        let keptUIDs = Set(kept.map(\.uid))
        XCTAssertEqual(kept, records.filter { keptUIDs.contains($0.uid) }, "survivors are untouched")
        XCTAssertFalse(bodyFileNames().isEmpty, "the shared body file stays while referenced")

        let log = try await store.changes(mailboxID: inbox.id, after: before.highestModSeq)
        XCTAssertEqual(log.map(\.uid), doomed)
        XCTAssertTrue(log.allSatisfy { $0.kind == .expunged })
        XCTAssertEqual(log.map(\.modSeq), (1...doomed.count).map { before.highestModSeq + ModSeq($0) })
        // Each tombstone replaced the UID's earlier rows.
        let all = try await store.changes(mailboxID: inbox.id, after: 0)
        let doomedSet = Set(doomed)
        XCTAssertTrue(all.filter { doomedSet.contains($0.uid) }.allSatisfy { $0.kind == .expunged })
        XCTAssertEqual(all.count, Self.count)
        assertStrictlyIncreasing(all.map(\.modSeq))
        let mailbox = try await XCTUnwrapAsync(try await store.mailbox(id: inbox.id))
        XCTAssertEqual(mailbox.highestModSeq, log.last?.modSeq)

        // A second expunge of the same UIDs removes nothing and takes no MODSEQ.
        let again = try await store.expunge(mailboxID: inbox.id, uids: doomed)
        XCTAssertEqual(again, [MessageUID]())
        let unchanged = try await XCTUnwrapAsync(try await store.mailbox(id: inbox.id))
        XCTAssertEqual(unchanged.highestModSeq, mailbox.highestModSeq)

        // The last reference gone, the body file goes too.
        _ = try await store.expunge(mailboxID: inbox.id, uids: kept.map(\.uid))
        let empty = try await store.messages(mailboxID: inbox.id)
        XCTAssertEqual(empty, [])
        XCTAssertEqual(bodyFileNames(), [])
    }

    func testCopyManyKeepsOrderAndData() async throws {
        let (store, account, inbox, records) = try await bulkInbox(keywords: ["$Work"])
        let trash = try await XCTUnwrapAsync(try await store.mailbox(accountID: account.id, name: "Trash"))
        let sources = records.map(\.uid).filter { $0 % 4 != 1 }
        let pairs = try await store.copyMessages(from: inbox.id, uids: [0, 99_999] + sources.reversed() + sources,
                                                 to: trash.id)
        XCTAssertEqual(pairs.map(\.0), sources, "source order, each once, missing UIDs skipped")
        XCTAssertEqual(pairs.map(\.1), (1...sources.count).map { MessageUID($0) })

        let copies = try await store.messages(mailboxID: trash.id)
        XCTAssertEqual(copies.map(\.uid), pairs.map(\.1))
        assertStrictlyIncreasing(copies.map(\.modSeq))
        for (copy, source) in zip(copies, pairs.map(\.0)) {
            let original = records[Int(source) - 1]
            XCTAssertEqual(copy.keywords, original.keywords)
            XCTAssertEqual(copy.contentHash, original.contentHash)
            XCTAssertEqual(copy.parsedStructure, original.parsedStructure)
            XCTAssertEqual(copy.mailboxID, trash.id)
        }
        let log = try await store.changes(mailboxID: trash.id, after: trash.highestModSeq)
        XCTAssertEqual(log.map(\.uid), pairs.map(\.1))
        XCTAssertTrue(log.allSatisfy { $0.kind == .added })
        XCTAssertEqual(log.map(\.modSeq), copies.map(\.modSeq))
        let target = try await XCTUnwrapAsync(try await store.mailbox(id: trash.id))
        XCTAssertEqual(target.uidNext, MessageUID(sources.count + 1))
        XCTAssertEqual(target.highestModSeq, copies.last?.modSeq)
        let source = try await store.messages(mailboxID: inbox.id)
        XCTAssertEqual(source, records, "a copy leaves the source alone")
        let lastBody = try await store.messageBody(mailboxID: trash.id, uid: pairs.last!.1)
        XCTAssertEqual(lastBody, sampleMessage("bulk"))
    }

    func testMoveManyToAnotherMailbox() async throws {
        let (store, account, inbox, records) = try await bulkInbox()
        let archive = try await XCTUnwrapAsync(try await store.mailbox(accountID: account.id, name: "Archive"))
        let moving = records.map(\.uid).filter { $0 > 1_000 }
        let pairs = try await store.moveMessages(from: inbox.id, uids: moving + [MessageUID(Self.count + 7)],
                                                 to: archive.id)
        XCTAssertEqual(pairs.map(\.0), moving)
        XCTAssertEqual(pairs.map(\.1), (1...moving.count).map { MessageUID($0) })

        let left = try await store.messages(mailboxID: inbox.id)
        XCTAssertEqual(left, Array(records.prefix(1_000)))
        let moved = try await store.messages(mailboxID: archive.id)
        XCTAssertEqual(moved.map(\.uid), pairs.map(\.1))
        XCTAssertEqual(moved.map(\.contentHash), Array(records.suffix(moving.count)).map(\.contentHash))

        let tombstones = try await store.changes(mailboxID: inbox.id, after: inbox.highestModSeq)
        XCTAssertEqual(tombstones.map(\.uid), moving)
        XCTAssertTrue(tombstones.allSatisfy { $0.kind == .expunged })
        assertStrictlyIncreasing(tombstones.map(\.modSeq))
        let added = try await store.changes(mailboxID: archive.id, after: archive.highestModSeq)
        XCTAssertEqual(added.map(\.uid), pairs.map(\.1))
        XCTAssertTrue(added.allSatisfy { $0.kind == .added })
        let body = try await store.messageBody(mailboxID: archive.id, uid: 1)
        XCTAssertEqual(body, sampleMessage("bulk"), "the body file moved with its rows")
    }

    func testMoveManyWithinOneMailbox() async throws {
        let (store, _, inbox, records) = try await bulkInbox(count: 1_500)
        let pairs = try await store.moveMessages(from: inbox.id, uids: records.map(\.uid), to: inbox.id)
        XCTAssertEqual(pairs.map(\.0), records.map(\.uid))
        XCTAssertEqual(pairs.map(\.1), (1_501...3_000).map { MessageUID($0) })
        let stored = try await store.messages(mailboxID: inbox.id)
        XCTAssertEqual(stored.map(\.uid), pairs.map(\.1))
        let log = try await store.changes(mailboxID: inbox.id, after: inbox.highestModSeq)
        XCTAssertEqual(log.count, 3_000)
        XCTAssertEqual(log.prefix(1_500).map(\.kind), Array(repeating: .added, count: 1_500))
        XCTAssertEqual(log.suffix(1_500).map(\.kind), Array(repeating: .expunged, count: 1_500))
        assertStrictlyIncreasing(log.map(\.modSeq))
        let mailbox = try await XCTUnwrapAsync(try await store.mailbox(id: inbox.id))
        XCTAssertEqual(mailbox.highestModSeq, log.last?.modSeq)
        XCTAssertEqual(mailbox.uidNext, 3_001)
    }
}
