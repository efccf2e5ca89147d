import Foundation
import MailCore
import MailStore
import XCTest
import MailStoreTestSupport
@testable import IMAP

/// The selected-mailbox view: sequence sets, and synchronising with changes
/// made by other sessions (RFC 9051 §6.4.8, §7.4.1, §7.5.1; RFC 7162 §3.2.10).
final class SelectedMailboxTests: SelectedTestCase {
    private func numbers(_ view: SelectedMailbox, _ text: String, uid: Bool = false,
                         file: StaticString = #filePath, line: UInt = #line) -> [UInt32]? {
        do {
            return try view.messages(in: sequenceSet(text, file: file, line: line), uid: uid).map(\.sequenceNumber)
        } catch {
            return nil
        }
    }

    private func uids(_ view: SelectedMailbox, _ text: String) -> [MessageUID]? {
        (try? view.messages(in: sequenceSet(text), uid: true))?.map(\.uid)
    }

    // MARK: Sequence sets

    func testSequenceNumbersRangesStarAndDuplicates() async throws {
        try await appendMany(5)
        let view = try await openView()
        XCTAssertEqual(view.count, 5)
        XCTAssertEqual(numbers(view, "1:3"), [1, 2, 3])
        XCTAssertEqual(numbers(view, "3:1"), [1, 2, 3], "a range may come in either order (RFC 9051 §9)")
        XCTAssertEqual(numbers(view, "*"), [5])
        XCTAssertEqual(numbers(view, "*:4"), [4, 5])
        XCTAssertEqual(numbers(view, "4:*"), [4, 5])
        XCTAssertEqual(numbers(view, "5,1,3,1:2,2"), [1, 2, 3, 5], "ascending, each once")
        XCTAssertEqual(numbers(view, "1:*"), [1, 2, 3, 4, 5])
        XCTAssertEqual(view.allMessages.map(\.sequenceNumber), [1, 2, 3, 4, 5])
        XCTAssertEqual(view.allMessages.map(\.uid), [1, 2, 3, 4, 5])
    }

    func testSequenceNumberAboveCountIsInvalid() async throws {
        try await appendMany(3)
        let view = try await openView()
        XCTAssertThrowsError(try view.messages(in: sequenceSet("4"), uid: false)) { error in
            XCTAssertTrue((error as? InvalidSequenceSet)?.reason.contains("4") ?? false)
        }
        XCTAssertNil(numbers(view, "2:4"))
        XCTAssertNil(numbers(view, "1,4294967295"))
        XCTAssertNil(numbers(view, "3:4294967295"))
        // The parser refuses 0; a hand-made set with 0 is refused here too.
        XCTAssertThrowsError(try view.messages(in: .elements([.single(.number(0))]), uid: false))
    }

    func testEmptyMailbox() async throws {
        let view = try await openView()
        XCTAssertEqual(view.count, 0)
        XCTAssertNil(numbers(view, "*"), "`*` of an empty mailbox names nothing")
        XCTAssertNil(numbers(view, "1"))
        XCTAssertNil(numbers(view, "1:*"))
        XCTAssertEqual(uids(view, "1:*"), [], "UID sets skip what does not exist")
        XCTAssertEqual(uids(view, "*"), [])
        XCTAssertEqual(try view.messages(in: .savedResult, uid: false), [])
    }

    func testUIDSetsSkipUnknownUIDsAndStarIsHighest() async throws {
        let all = try await appendMany(8)
        _ = try await store.expunge(mailboxID: try await mailbox().id, uids: [3, 5, 7])
        let view = try await openView()
        XCTAssertEqual(all, [1, 2, 3, 4, 5, 6, 7, 8])
        XCTAssertEqual(view.allMessages.map(\.uid), [1, 2, 4, 6, 8])
        XCTAssertEqual(uids(view, "3"), [])
        XCTAssertEqual(uids(view, "2:5"), [2, 4])
        XCTAssertEqual(uids(view, "5:2"), [2, 4])
        XCTAssertEqual(uids(view, "*"), [8])
        XCTAssertEqual(uids(view, "*:3"), [4, 6, 8])
        XCTAssertEqual(uids(view, "100:*"), [8], "n:* always includes the highest UID (RFC 9051 §6.4.8)")
        XCTAssertEqual(uids(view, "100"), [])
        XCTAssertEqual(uids(view, "4294967295"), [])
        XCTAssertEqual(uids(view, "1:4294967295"), [1, 2, 4, 6, 8])
        XCTAssertEqual(uids(view, "8,1,6:4,1"), [1, 4, 6, 8])
        XCTAssertEqual(try view.messages(in: sequenceSet("6"), uid: true).map(\.sequenceNumber), [4])
        XCTAssertEqual(view.message(uid: 6)?.sequenceNumber, 4)
        XCTAssertNil(view.message(uid: 5))
        XCTAssertNil(view.message(uid: 9))
    }

    func testSavedSearchResult() async throws {
        try await appendMany(6)
        let view = try await openView()
        XCTAssertEqual(try view.messages(in: .savedResult, uid: false), [], "nothing saved yet")
        view.savedSearchResult = [6, 2, 99, 4]
        XCTAssertEqual(numbers(view, "$"), [2, 4, 6])
        XCTAssertEqual(uids(view, "$"), [2, 4, 6])
    }

    func testRecordsAreCached() async throws {
        let record = try await append("a", flags: [.seen], keywords: ["$Label1"])
        let view = try await openView()
        let message = try XCTUnwrap(view.message(uid: record.uid))
        XCTAssertEqual(message, SelectedMessage(sequenceNumber: 1, record: record))
        XCTAssertEqual(view.highestModSeq, record.modSeq)
        XCTAssertEqual(view.mailbox.uidNext, record.uid + 1)
    }

    // MARK: Synchronising with other sessions

    func testNothingChangedGivesNothing() async throws {
        try await appendMany(3)
        let view = try await openView()
        let responses = try await view.synchronize(store: store, allowExpunge: true, enabled: [])
        XCTAssertEqual(responses, [])
        XCTAssertEqual(view.count, 3)
    }

    func testExpungesElsewhereAreReportedHighestFirst() async throws {
        try await appendMany(5)
        let viewA = try await openView()
        let viewB = try await openView()
        // Session B marks 2 and 4 deleted and expunges them.
        _ = await SelectedMailboxCommands.store(sequenceSet("2,4"), unchangedSince: nil,
                                                    action: StoreAction(operation: .add, silent: true, flags: ["\\Deleted"]),
                                                    uid: false, selected: viewB, context: context())
        let expunged = await SelectedMailboxCommands.expunge(uids: nil, selected: viewB, context: context())
        XCTAssertEqual(responseLines(expunged.untagged), ["* 4 EXPUNGE", "* 2 EXPUNGE"])

        let responses = try await viewA.synchronize(store: store, allowExpunge: true, enabled: [])
        XCTAssertEqual(responseLines(responses), ["* 4 EXPUNGE", "* 2 EXPUNGE"],
                       "each EXPUNGE renumbers; highest first keeps the others valid")
        XCTAssertEqual(viewA.allMessages.map(\.uid), [1, 3, 5])
        XCTAssertEqual(viewA.allMessages.map(\.sequenceNumber), [1, 2, 3])
        let current = try await mailbox().highestModSeq
        XCTAssertEqual(viewA.highestModSeq, current)
        let again = try await viewA.synchronize(store: store, allowExpunge: true, enabled: [])
        XCTAssertEqual(again, [])
    }

    func testExpungesElsewhereAsVanishedWithQRESYNC() async throws {
        try await appendMany(6)
        let view = try await openView()
        _ = try await store.expunge(mailboxID: try await mailbox().id, uids: [2, 3, 6])
        let responses = try await view.synchronize(store: store, allowExpunge: true, enabled: [.qresync, .condstore])
        XCTAssertEqual(responseLines(responses), ["* VANISHED 2:3,6"])
        XCTAssertEqual(view.allMessages.map(\.uid), [1, 4, 5])
    }

    func testNewMessagesGiveExists() async throws {
        try await appendMany(2)
        let view = try await openView()
        let c = try await append("c", flags: [.flagged])
        let d = try await append("d")
        let responses = try await view.synchronize(store: store, allowExpunge: false, enabled: [])
        XCTAssertEqual(responseLines(responses), ["* 4 EXISTS"])
        XCTAssertEqual(view.allMessages.map(\.uid), [1, 2, c.uid, d.uid])
        XCTAssertEqual(view.message(uid: c.uid)?.flags, [.flagged])
        XCTAssertEqual(view.mailbox.uidNext, d.uid + 1)
        XCTAssertEqual(numbers(view, "*"), [4])
    }

    func testMessageAddedAndExpungedElsewhereIsNeverAnnounced() async throws {
        try await appendMany(2)
        let view = try await openView()
        let ghost = try await append("ghost")
        _ = try await store.expunge(mailboxID: try await mailbox().id, uids: [ghost.uid])
        let responses = try await view.synchronize(store: store, allowExpunge: true, enabled: [])
        XCTAssertEqual(responses, [], "a tombstone of a UID the client never saw is not reported")
        XCTAssertEqual(view.count, 2)
        XCTAssertEqual(view.mailbox.uidNext, ghost.uid + 1, "UIDNEXT still moves past it")
        // A new message that was flagged before the view caught up is one EXISTS.
        _ = try await append("late")
        let late = try await flagElsewhere([ghost.uid + 1], [.seen])
        let more = try await view.synchronize(store: store, allowExpunge: true, enabled: [])
        XCTAssertEqual(responseLines(more), ["* 3 EXISTS"])
        XCTAssertEqual(view.message(uid: ghost.uid + 1)?.flags, late.first?.flags)
    }

    func testFlagChangesElsewhereGiveFetch() async throws {
        try await appendMany(3)
        let view = try await openView()
        let changed = try await flagElsewhere([3], [.seen, .flagged], keywords: ["$Forwarded"])
        let responses = try await view.synchronize(store: store, allowExpunge: false, enabled: [])
        XCTAssertEqual(responseLines(responses), [
            "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded)",
            "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded \\*)] Flags permitted",
            "* 3 FETCH (UID 3 FLAGS (\\Flagged \\Seen $Forwarded))",
        ])
        XCTAssertEqual(view.message(uid: 3), changed.first.map { SelectedMessage(sequenceNumber: 3, record: $0) })

        let again = try await flagElsewhere([1], [.seen], operation: .replace)
        let condstore = try await view.synchronize(store: store, allowExpunge: false, enabled: [.condstore])
        XCTAssertEqual(responseLines(condstore),
                       ["* 1 FETCH (UID 1 FLAGS (\\Seen) MODSEQ (\(again[0].modSeq)))"])
        XCTAssertEqual(view.highestModSeq, again[0].modSeq)
    }

    func testOwnChangesAreNotReportedBack() async throws {
        try await appendMany(3)
        let view = try await openView()
        let mine = try await flagElsewhere([1, 2], [.answered])
        view.noteOwnChanges(mine)
        XCTAssertEqual(view.message(uid: 2)?.flags, [.answered])
        let theirs = try await flagElsewhere([3], [.draft])
        let responses = try await view.synchronize(store: store, allowExpunge: true, enabled: [.condstore])
        XCTAssertEqual(responseLines(responses), ["* 3 FETCH (UID 3 FLAGS (\\Draft) MODSEQ (\(theirs[0].modSeq)))"])
        // An older record never overwrites a newer one.
        view.noteOwnChanges([try XCTUnwrap(mine.first)])
        let newer = try await flagElsewhere([1], [.seen])
        view.noteOwnChanges(newer)
        view.noteOwnChanges(mine)
        XCTAssertEqual(view.message(uid: 1)?.modSeq, newer[0].modSeq)
    }

    func testExpungeHeldBackUntilAllowed() async throws {
        try await appendMany(4)
        let view = try await openView()
        _ = try await store.expunge(mailboxID: try await mailbox().id, uids: [2])
        _ = try await flagElsewhere([3], [.seen])
        _ = try await append("new")

        // During FETCH/STORE/SEARCH (RFC 9051 §7.5.1) the expunge waits.
        let during = try await view.synchronize(store: store, allowExpunge: false, enabled: [])
        XCTAssertEqual(responseLines(during), ["* 5 EXISTS", "* 3 FETCH (UID 3 FLAGS (\\Seen))"],
                       "the held-back message keeps its number; EXISTS counts it")
        XCTAssertEqual(view.count, 5)
        XCTAssertTrue(view.isExpunged(uid: 2))
        XCTAssertFalse(view.isExpunged(uid: 3))
        XCTAssertEqual(numbers(view, "2"), [2], "the client may still name it")
        XCTAssertEqual(view.message(uid: 2)?.uid, 2, "its record stays cached")
        let quiet = try await view.synchronize(store: store, allowExpunge: false, enabled: [])
        XCTAssertEqual(quiet, [])

        let later = try await view.synchronize(store: store, allowExpunge: true, enabled: [])
        XCTAssertEqual(responseLines(later), ["* 2 EXPUNGE"])
        XCTAssertEqual(view.allMessages.map(\.uid), [1, 3, 4, 5])
        XCTAssertFalse(view.isExpunged(uid: 2))
    }

    func testHeldBackExpungeAsVanishedAndSavedResultForgetsIt() async throws {
        try await appendMany(3)
        let view = try await openView()
        view.savedSearchResult = [1, 3]
        _ = try await store.expunge(mailboxID: try await mailbox().id, uids: [3])
        let held = try await view.synchronize(store: store, allowExpunge: false, enabled: [.qresync])
        XCTAssertEqual(held, [])
        XCTAssertEqual(numbers(view, "$"), [1, 3])
        let later = try await view.synchronize(store: store, allowExpunge: true, enabled: [.qresync])
        XCTAssertEqual(responseLines(later), ["* VANISHED 3"])
        XCTAssertEqual(view.savedSearchResult, [1], "RFC 5182 §2.1: expunged messages leave `$`")
    }

    func testChangesBetweenMailboxAndRecordReadAreKnown() async throws {
        try await appendMany(2)
        // SELECT reads the mailbox, then (after others changed it) the records.
        let box = try await mailbox()
        let added = try await append("between")
        _ = try await flagElsewhere([1], [.seen])
        _ = try await store.expunge(mailboxID: box.id, uids: [2])
        let view = SelectedMailbox(mailbox: box, messages: try await store.messageSummaries(mailboxID: box.id),
                                   isReadOnly: false)
        XCTAssertEqual(view.allMessages.map(\.uid), [1, added.uid])
        XCTAssertEqual(view.mailbox.uidNext, added.uid + 1, "UIDNEXT is above every announced UID")
        let responses = try await view.synchronize(store: store, allowExpunge: true, enabled: [])
        XCTAssertEqual(responses, [], "every change is already in the records")
        let current = try await mailbox().highestModSeq
        XCTAssertEqual(view.highestModSeq, current)
    }

    // MARK: Commands on messages whose expunge is held back

    func testCommandsSkipHeldBackExpungedMessages() async throws {
        try await appendMany(3)
        let view = try await openView()
        _ = try await store.expunge(mailboxID: try await mailbox().id, uids: [2])
        _ = try await view.synchronize(store: store, allowExpunge: false, enabled: [])
        XCTAssertTrue(view.isExpunged(uid: 2))

        let stored = await SelectedMailboxCommands.store(
            sequenceSet("1:3"), unchangedSince: nil, action: StoreAction(operation: .add, flags: ["\\Seen"]),
            uid: false, selected: view, context: context())
        XCTAssertEqual(responseLines(stored.untagged), ["* 1 FETCH (FLAGS (\\Seen))", "* 3 FETCH (FLAGS (\\Seen))"])
        let moved = await SelectedMailboxCommands.move(sequenceSet("2:3"), to: MailboxName("Trash"), uid: false,
                                                       selected: view, context: context())
        let trash = try await mailbox("Trash")
        XCTAssertEqual(responseLines(moved.untagged), [
            "* OK [COPYUID \(trash.uidValidity) 3 1] Moved",
            "* 3 EXPUNGE",
            "* 2 EXPUNGE",
        ], "the held-back expunge goes out with the move's own")
        XCTAssertEqual(view.allMessages.map(\.uid), [1])
    }

    func testCopyIntoTheSelectedMailboxShowsUpAsNew() async throws {
        try await appendMany(2)
        let view = try await openView()
        let copied = await SelectedMailboxCommands.copy(sequenceSet("1:2"), to: MailboxName("INBOX"), uid: false,
                                                        selected: view, context: context())
        XCTAssertEqual(taggedLine(copied), "OK [COPYUID \(view.mailbox.uidValidity) 1:2 3:4] COPY completed")
        let responses = try await view.synchronize(store: store, allowExpunge: true, enabled: [])
        XCTAssertEqual(responseLines(responses), ["* 4 EXISTS"])
        XCTAssertEqual(view.allMessages.map(\.uid), [1, 2, 3, 4])
    }

    func testKeywordsInFlagsAreListedOnce() async throws {
        try await append("a", keywords: ["Work"])
        try await append("b", keywords: ["work", "$Junk"])
        let selection = await SelectedMailboxCommands.select(MailboxName("INBOX"), parameters: [], readOnly: false,
                                                             context: context())
        XCTAssertEqual(responseLines(selection.result.untagged).first,
                       "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft Work $Junk)")
    }

    /// Two sessions, many random changes: a client that only reads the
    /// untagged responses always ends up with the store's UIDs.
    func testRandomChangesKeepClientInStep() async throws {
        try await appendMany(6)
        let mailboxID = try await mailbox().id
        var generator = SeededGenerator(seed: 0x7E4B)
        for qresync in [false, true] {
            let enabled: EnabledExtensions = qresync ? [.qresync, .condstore] : []
            let view = try await openView()
            var client = ClientModel(uids: view.allMessages.map(\.uid))
            for _ in 0..<40 {
                let present = try await storedUIDs()
                switch generator.next() % 4 {
                case 0:
                    _ = try await append("random")
                case 1 where !present.isEmpty:
                    let victims = present.filter { _ in generator.next() % 3 == 0 }
                    _ = try await store.expunge(mailboxID: mailboxID, uids: victims)
                case 2 where !present.isEmpty:
                    let uid = present[Int(generator.next() % UInt64(present.count))]
                    _ = try await flagElsewhere([uid], generator.next() % 2 == 0 ? [.seen] : [.flagged],
                                                operation: .replace)
                default:
                    break
                }
                let allow = generator.next() % 3 != 0
                let before = view.allMessages.map(\.uid)
                let responses = try await view.synchronize(store: store, allowExpunge: allow, enabled: enabled)
                try client.apply(responses) {
                    view.allMessages.map(\.uid).filter { uid in !before.contains(uid) }
                }
                XCTAssertEqual(client.uids, view.allMessages.map(\.uid))
                if allow {
                    let stored = try await storedUIDs()
                    XCTAssertEqual(client.uids, stored, "after an allowed point the client has the store's UIDs")
                }
            }
        }
    }
}
