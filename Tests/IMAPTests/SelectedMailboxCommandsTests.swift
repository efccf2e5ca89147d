import Foundation
import MailCore
import MailStore
import XCTest
@testable import IMAP

/// SELECT/EXAMINE, STORE, COPY, MOVE, EXPUNGE and CLOSE against a real store
/// (RFC 9051 §6.3.2, §6.3.3, §6.4; RFC 4315; RFC 6851; RFC 7162).
final class SelectedMailboxCommandsTests: SelectedTestCase {
    private func store(_ set: String, _ operation: StoreAction.Operation, _ flags: [String], silent: Bool = false,
                       uid: Bool = false, unchangedSince: UInt64? = nil, view: SelectedMailbox,
                       enabled: EnabledExtensions = []) async -> CommandResult {
        await SelectedMailboxCommands.store(sequenceSet(set), unchangedSince: unchangedSince,
                                            action: StoreAction(operation: operation, silent: silent, flags: flags),
                                            uid: uid, selected: view, context: context(enabled))
    }

    // MARK: SELECT / EXAMINE

    func testSelectRev1Responses() async throws {
        try await append("a", flags: [.seen])
        try await append("b", keywords: ["$Forwarded"])
        try await append("c", flags: [.seen], keywords: ["Work"])
        let box = try await mailbox()
        let (view, selection) = try await select()
        XCTAssertEqual(responseLines(selection.result.untagged), [
            "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded Work)",
            "* 3 EXISTS",
            "* 3 RECENT",
            "* OK [UIDVALIDITY \(box.uidValidity)] UIDs valid",
            "* OK [UIDNEXT 4] Predicted next UID",
            "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded Work \\*)] Flags permitted",
            "* OK [HIGHESTMODSEQ \(box.highestModSeq)] Highest",
            "* OK [MAILBOXID (M\(box.id)-\(box.uidValidity))] Mailbox ID",
            "* OK [UNSEEN 2] First unseen",
        ])
        XCTAssertEqual(taggedLine(selection.result), "OK [READ-WRITE] SELECT completed")
        XCTAssertEqual(selection.enabled, [])
        XCTAssertFalse(view.isReadOnly)
        XCTAssertEqual(view.count, 3)
        XCTAssertEqual(view.highestModSeq, box.highestModSeq)
    }

    func testSelectRev2SendsListAndNoRecentOrUnseen() async throws {
        try await append("a")
        let box = try await mailbox("Sent")
        let (_, selection) = try await select("Sent", enabled: [.imap4rev2])
        XCTAssertEqual(responseLines(selection.result.untagged), [
            "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)",
            "* 0 EXISTS",
            "* OK [UIDVALIDITY \(box.uidValidity)] UIDs valid",
            "* OK [UIDNEXT 1] Predicted next UID",
            "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] Flags permitted",
            "* OK [HIGHESTMODSEQ \(box.highestModSeq)] Highest",
            "* OK [MAILBOXID (M\(box.id)-\(box.uidValidity))] Mailbox ID",
            "* LIST (\\Sent) \"/\" Sent",
        ])
    }

    func testSelectInboxAnyCaseAndUTF7Names() async throws {
        let created = try await store.createMailbox(accountID: account.id, name: "Entwürfe/Zürich", specialUse: nil)
        let (inbox, _) = try await select("inbox")
        XCTAssertEqual(inbox.mailbox.name, "INBOX")
        let (utf7, _) = try await select("Entw&APw-rfe/Z&APw-rich")
        XCTAssertEqual(utf7.mailbox.id, created.id, "rev1 names are modified UTF-7")
        let (utf8, _) = try await select("Entwürfe/Zürich", enabled: [.imap4rev2])
        XCTAssertEqual(utf8.mailbox.id, created.id, "rev2 names are UTF-8")
    }

    func testSelectUnknownOrInvalidNameIsNonexistent() async throws {
        for name in ["Nope", "../INBOX", "INBOX/../Sent", "/etc/passwd", "*", "", "a\u{1}b"] {
            let selection = await SelectedMailboxCommands.select(MailboxName(name), parameters: [], readOnly: false,
                                                                 context: context())
            XCTAssertEqual(selection.result.status, .no, name)
            XCTAssertEqual(selection.result.text.code, .nonExistent, name)
            XCTAssertNil(selection.selected, name)
        }
        // Bytes that are not UTF-8 after ENABLE IMAP4rev2.
        let invalid = await SelectedMailboxCommands.select(MailboxName([0x49, 0xFF, 0xFE]), parameters: [],
                                                           readOnly: false, context: context([.imap4rev2]))
        XCTAssertEqual(invalid.result.status, .no)
    }

    func testExamineIsReadOnly() async throws {
        try await appendMany(3)
        _ = try await flagElsewhere([2], [.deleted])
        let (view, selection) = try await select(readOnly: true)
        XCTAssertTrue(view.isReadOnly)
        XCTAssertTrue(responseLines(selection.result.untagged).contains("* OK [PERMANENTFLAGS ()] No permanent flags"))
        XCTAssertEqual(taggedLine(selection.result), "OK [READ-ONLY] EXAMINE completed")

        let stored = await store("1", .add, ["\\Seen"], view: view)
        XCTAssertEqual(stored.status, .no)
        let expunged = await SelectedMailboxCommands.expunge(uids: nil, selected: view, context: context())
        XCTAssertEqual(expunged.status, .no)
        let uidExpunged = await SelectedMailboxCommands.expunge(uids: sequenceSet("1:*"), selected: view, context: context())
        XCTAssertEqual(uidExpunged.status, .no)
        let moved = await SelectedMailboxCommands.move(sequenceSet("1"), to: MailboxName("Trash"), uid: false,
                                                       selected: view, context: context())
        XCTAssertEqual(moved.status, .no)
        let closed = await SelectedMailboxCommands.close(selected: view, context: context())
        XCTAssertEqual(closed.status, .ok)
        XCTAssertEqual(closed.untagged, [])
        let remaining = try await storedUIDs()
        XCTAssertEqual(remaining, [1, 2, 3], "nothing changed in a read-only mailbox")
        let flags = try await store.message(mailboxID: view.mailbox.id, uid: 1)?.flags
        XCTAssertEqual(flags, [])
        // COPY from a read-only mailbox is fine.
        let copied = await SelectedMailboxCommands.copy(sequenceSet("1"), to: MailboxName("Archive"), uid: false,
                                                        selected: view, context: context())
        XCTAssertEqual(copied.status, .ok)
    }

    func testSelectParameters() async throws {
        let (_, condstore) = try await select(parameters: [CommandParameter(name: "CONDSTORE")])
        XCTAssertEqual(condstore.enabled, [.condstore])
        let refused: [(CommandParameter, EnabledExtensions)] = [
            (CommandParameter(name: "FOO"), []),
            (CommandParameter(name: "CONDSTORE", value: .token("1")), []),
            (CommandParameter(name: "QRESYNC", value: .list([.token("1"), .token("1")])), []),
            (CommandParameter(name: "QRESYNC"), [.qresync]),
            (CommandParameter(name: "QRESYNC", value: .list([.token("1")])), [.qresync]),
            (CommandParameter(name: "QRESYNC", value: .list([.token("0"), .token("1")])), [.qresync]),
            (CommandParameter(name: "QRESYNC", value: .list([.token("x"), .token("1")])), [.qresync]),
            (CommandParameter(name: "QRESYNC", value: .list([.token("1"), .token("-1")])), [.qresync]),
            (CommandParameter(name: "QRESYNC", value: .list([.token("1"), .token("99999999999999999999")])), [.qresync]),
            (CommandParameter(name: "QRESYNC", value: .list([.token("1"), .token("1"), .token("$")])), [.qresync]),
            (CommandParameter(name: "QRESYNC", value: .list([.token("1"), .token("1"), .token("1:")])), [.qresync]),
            (CommandParameter(name: "QRESYNC", value: .list([.token("1"), .token("1"), .token("1"),
                                                             .list([.token("1")])])), [.qresync]),
            (CommandParameter(name: "QRESYNC", value: .list([.token("1"), .token("1"), .token("1"),
                                                             .token("1"), .token("1")])), [.qresync]),
        ]
        for (parameter, enabled) in refused {
            let selection = await SelectedMailboxCommands.select(MailboxName("INBOX"), parameters: [parameter],
                                                                 readOnly: false, context: context(enabled))
            XCTAssertEqual(selection.result.status, .bad, "\(parameter)")
            XCTAssertNil(selection.selected)
        }
    }

    func testQResyncSelectReportsVanishedAndChangedFlags() async throws {
        try await appendMany(5)
        let before = try await mailbox()
        _ = try await store.expunge(mailboxID: before.id, uids: [2, 4])
        let flagged = try await flagElsewhere([3], [.seen])
        let added = try await append("new")
        let after = try await mailbox()
        let parameter = CommandParameter(name: "QRESYNC", value: .list([.token(String(before.uidValidity)),
                                                                        .token(String(before.highestModSeq))]))
        let (view, selection) = try await select(parameters: [parameter], enabled: [.qresync])
        XCTAssertEqual(selection.enabled, [.condstore], "QRESYNC implies CONDSTORE")
        let lines = responseLines(selection.result.untagged)
        XCTAssertTrue(lines.contains("* OK [HIGHESTMODSEQ \(after.highestModSeq)] Highest"))
        XCTAssertEqual(Array(lines.suffix(3)), [
            "* VANISHED (EARLIER) 2,4",
            "* 2 FETCH (UID 3 FLAGS (\\Seen \\Recent) MODSEQ (\(flagged[0].modSeq)))",
            "* 4 FETCH (UID \(added.uid) FLAGS (\\Recent) MODSEQ (\(added.modSeq)))",
        ])
        XCTAssertEqual(view.allMessages.map(\.uid), [1, 3, 5, added.uid])

        // known-uids limits VANISHED to what the client has.
        let known = CommandParameter(name: "QRESYNC", value: .list([
            .token(String(before.uidValidity)), .token(String(before.highestModSeq)), .token("1,3:5"),
            .list([.token("1:3"), .token("1,3,5")]),
        ]))
        let (_, limited) = try await select(parameters: [known], enabled: [.qresync])
        let limitedLines = responseLines(limited.result.untagged)
        XCTAssertTrue(limitedLines.contains("* VANISHED (EARLIER) 4"))
        XCTAssertFalse(limitedLines.contains { $0.contains("VANISHED (EARLIER) 2") })

        // Up to date: nothing to resynchronise.
        let current = CommandParameter(name: "QRESYNC", value: .list([.token(String(after.uidValidity)),
                                                                      .token(String(after.highestModSeq))]))
        let (_, upToDate) = try await select(parameters: [current], enabled: [.qresync])
        XCTAssertFalse(responseLines(upToDate.result.untagged).contains { $0.contains("VANISHED") || $0.contains("FETCH") })

        // Another UIDVALIDITY: the client must start over, the server sends nothing extra.
        let stale = CommandParameter(name: "QRESYNC", value: .list([.token(String(before.uidValidity &+ 1)),
                                                                    .token("1")]))
        let (_, restarted) = try await select(parameters: [stale], enabled: [.qresync])
        XCTAssertFalse(responseLines(restarted.result.untagged).contains { $0.contains("VANISHED") || $0.contains("FETCH") })
    }

    // MARK: STORE

    func testStoreVariants() async throws {
        try await appendMany(3)
        let (view, _) = try await select()

        let added = await store("1:2", .add, ["\\Seen", "$Forwarded"], view: view)
        XCTAssertEqual(taggedLine(added), "OK STORE completed")
        XCTAssertEqual(responseLines(added.untagged), [
            "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded)",
            "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded \\*)] Flags permitted",
            "* 1 FETCH (FLAGS (\\Seen \\Recent $Forwarded))",
            "* 2 FETCH (FLAGS (\\Seen \\Recent $Forwarded))",
        ])
        let uidStore = await store("2", .remove, ["\\Seen", "$FORWARDED"], uid: true, view: view)
        XCTAssertEqual(responseLines(uidStore.untagged), ["* 2 FETCH (FLAGS (\\Recent) UID 2)"],
                       "UID STORE includes UID; keywords compare case-insensitively")
        let replaced = await store("3", .replace, ["\\Flagged", "\\Draft", "Work"], view: view)
        XCTAssertEqual(responseLines(replaced.untagged), [
            "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded Work)",
            "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded Work \\*)] Flags permitted",
            "* 3 FETCH (FLAGS (\\Flagged \\Draft \\Recent Work))",
        ])
        let silent = await store("1:*", .add, ["\\Answered"], silent: true, view: view)
        XCTAssertEqual(silent.status, .ok)
        XCTAssertEqual(silent.untagged, [], ".SILENT sends no FETCH without CONDSTORE")

        let records = try await store.messages(mailboxID: view.mailbox.id)
        XCTAssertEqual(records.map(\.flags), [[.seen, .answered], [.answered], [.flagged, .draft, .answered]])
        XCTAssertEqual(records.map(\.keywords), [["$Forwarded"], [], ["Work"]])
        XCTAssertEqual(view.allMessages, records.enumerated().map { offset, record in
            var message = SelectedMessage(sequenceNumber: UInt32(offset + 1), record: record)
            message.isRecent = true  // this session selected first
            return message
        }, "the view has its own changes")
        let echoes = try await view.synchronize(store: store, allowExpunge: true, enabled: [])
        XCTAssertEqual(echoes, [], "own changes are not reported back")
    }

    func testStoreWithCondStoreIncludesModSeq() async throws {
        try await appendMany(2)
        let (view, _) = try await select()
        let result = await store("1", .add, ["\\Seen"], view: view, enabled: [.condstore])
        let modSeq = try await store.message(mailboxID: view.mailbox.id, uid: 1)!.modSeq
        XCTAssertEqual(responseLines(result.untagged), ["* 1 FETCH (FLAGS (\\Seen \\Recent) MODSEQ (\(modSeq)))"])
        let silent = await store("1:2", .add, ["\\Seen"], silent: true, uid: true, view: view, enabled: [.condstore])
        let modSeq2 = try await store.message(mailboxID: view.mailbox.id, uid: 2)!.modSeq
        XCTAssertEqual(responseLines(silent.untagged), ["* 2 FETCH (UID 2 MODSEQ (\(modSeq2)))"],
                       "with CONDSTORE a silent STORE still reports the new MODSEQ of changed messages")
    }

    func testStoreRefusesInvalidFlagsAndSets() async throws {
        try await appendMany(2)
        let (view, _) = try await select()
        for flags in [["\\Recent"], ["\\Bogus"], ["a(b"], ["with space"], [String(repeating: "k", count: 300)], [""]] {
            let result = await store("1", .add, flags, view: view)
            XCTAssertEqual(result.status, .bad, "\(flags)")
        }
        let above = await store("3", .add, ["\\Seen"], view: view)
        XCTAssertEqual(above.status, .bad)
        let huge = await store("1:4294967295", .add, ["\\Seen"], view: view)
        XCTAssertEqual(huge.status, .bad)
        let unknownUID = await store("99", .add, ["\\Seen"], uid: true, view: view)
        XCTAssertEqual(unknownUID.status, .ok)
        XCTAssertEqual(unknownUID.untagged, [])
        let flags = try await store.messages(mailboxID: view.mailbox.id).map(\.flags)
        XCTAssertEqual(flags, [[], []], "a refused STORE changes nothing")
    }

    func testStoreUnchangedSince() async throws {
        try await appendMany(3)
        let (view, _) = try await select(parameters: [CommandParameter(name: "CONDSTORE")])
        let base = view.highestModSeq
        // Another session changes message 2 after the client's MODSEQ.
        _ = try await flagElsewhere([2], [.flagged])
        let result = await store("1:3", .add, ["\\Seen"], unchangedSince: UInt64(base), view: view,
                                 enabled: [.condstore])
        XCTAssertEqual(taggedLine(result).hasPrefix("OK [MODIFIED 2]"), true, taggedLine(result))
        let records = try await store.messages(mailboxID: view.mailbox.id)
        XCTAssertEqual(records.map(\.flags), [[.seen], [.flagged], [.seen]], "message 2 was left alone")
        XCTAssertEqual(responseLines(result.untagged), [
            "* 1 FETCH (FLAGS (\\Seen \\Recent) MODSEQ (\(records[0].modSeq)))",
            "* 3 FETCH (FLAGS (\\Seen \\Recent) MODSEQ (\(records[2].modSeq)))",
        ])

        // UID STORE lists UIDs; UNCHANGEDSINCE 0 always fails (RFC 7162 §3.1.3).
        let zero = await store("1,3", .add, ["\\Draft"], uid: true, unchangedSince: 0, view: view)
        XCTAssertTrue(taggedLine(zero).hasPrefix("OK [MODIFIED 1,3]"), taggedLine(zero))
        XCTAssertEqual(zero.untagged, [])
        // A MODSEQ at or after every change passes.
        let current = try await mailbox().highestModSeq
        let passing = await store("2", .add, ["\\Answered"], silent: true, unchangedSince: UInt64(current), view: view)
        XCTAssertEqual(taggedLine(passing), "OK STORE completed")
        let modSeq = try await store.message(mailboxID: view.mailbox.id, uid: 2)!.modSeq
        XCTAssertEqual(responseLines(passing.untagged), ["* 2 FETCH (MODSEQ (\(modSeq)))"])
    }

    // MARK: COPY / MOVE

    func testCopyReportsCopyUID() async throws {
        try await appendMany(4)
        let archive = try await mailbox("Archive")
        try await append("already there", to: "Archive")
        let (view, _) = try await select()
        let result = await SelectedMailboxCommands.copy(sequenceSet("2:4"), to: MailboxName("Archive"), uid: false,
                                                        selected: view, context: context())
        XCTAssertEqual(taggedLine(result), "OK [COPYUID \(archive.uidValidity) 2:4 2:4] COPY completed")
        XCTAssertEqual(result.untagged, [])
        let copied = try await storedUIDs("Archive")
        XCTAssertEqual(copied, [1, 2, 3, 4])
        let source = try await storedUIDs()
        XCTAssertEqual(source, [1, 2, 3, 4], "COPY leaves the source alone")

        let uidCopy = await SelectedMailboxCommands.copy(sequenceSet("4,1,99"), to: MailboxName("Archive"), uid: true,
                                                         selected: view, context: context())
        XCTAssertEqual(taggedLine(uidCopy), "OK [COPYUID \(archive.uidValidity) 1,4 5:6] UID COPY completed")
        let none = await SelectedMailboxCommands.copy(sequenceSet("99"), to: MailboxName("Archive"), uid: true,
                                                      selected: view, context: context())
        XCTAssertEqual(taggedLine(none), "OK UID COPY completed")
    }

    func testCopyAndMoveToMissingMailboxSayTryCreate() async throws {
        try await appendMany(1)
        let (view, _) = try await select()
        for move in [false, true] {
            let result = move
                ? await SelectedMailboxCommands.move(sequenceSet("1"), to: MailboxName("Nowhere"), uid: false,
                                                     selected: view, context: context())
                : await SelectedMailboxCommands.copy(sequenceSet("1"), to: MailboxName("Nowhere"), uid: false,
                                                     selected: view, context: context())
            XCTAssertEqual(result.status, .no)
            XCTAssertEqual(result.text.code, .tryCreate)
        }
        let badSet = await SelectedMailboxCommands.copy(sequenceSet("2"), to: MailboxName("Archive"), uid: false,
                                                        selected: view, context: context())
        XCTAssertEqual(badSet.status, .bad)
        let remaining = try await storedUIDs()
        XCTAssertEqual(remaining, [1])
    }

    func testMoveReportsCopyUIDThenExpunge() async throws {
        try await appendMany(4)
        let trash = try await mailbox("Trash")
        let (view, _) = try await select()
        let result = await SelectedMailboxCommands.move(sequenceSet("2,4"), to: MailboxName("Trash"), uid: false,
                                                        selected: view, context: context())
        XCTAssertEqual(responseLines(result.untagged), [
            "* OK [COPYUID \(trash.uidValidity) 2,4 1:2] Moved",
            "* 4 EXPUNGE",
            "* 2 EXPUNGE",
        ])
        XCTAssertEqual(taggedLine(result), "OK MOVE completed")
        XCTAssertEqual(view.allMessages.map(\.uid), [1, 3])
        let source = try await storedUIDs()
        XCTAssertEqual(source, [1, 3])
        let target = try await storedUIDs("Trash")
        XCTAssertEqual(target, [1, 2])

        let uidMove = await SelectedMailboxCommands.move(sequenceSet("3"), to: MailboxName("Trash"), uid: true,
                                                         selected: view, context: context([.qresync, .condstore]))
        XCTAssertEqual(responseLines(uidMove.untagged), [
            "* OK [COPYUID \(trash.uidValidity) 3 3] Moved",
            "* VANISHED 3",
        ])
        XCTAssertEqual(taggedLine(uidMove), "OK UID MOVE completed")

        // Into the selected mailbox itself: a new UID (TransferIntoSelectedTests).
        let same = await SelectedMailboxCommands.move(sequenceSet("1"), to: MailboxName("INBOX"), uid: false,
                                                      selected: view, context: context())
        XCTAssertEqual(same.status, .ok)
        let left = try await storedUIDs()
        XCTAssertEqual(left, [5])
    }

    // MARK: EXPUNGE / CLOSE

    func testExpungeRemovesDeletedIncludingOnesSetElsewhere() async throws {
        try await appendMany(5)
        let (view, _) = try await select()
        _ = await store("2", .add, ["\\Deleted"], silent: true, view: view)
        // Set by another session, not yet seen by this view.
        _ = try await flagElsewhere([4], [.deleted])
        _ = try await append("new")
        let result = await SelectedMailboxCommands.expunge(uids: nil, selected: view, context: context())
        XCTAssertEqual(taggedLine(result), "OK EXPUNGE completed")
        XCTAssertEqual(responseLines(result.untagged), ["* 4 EXPUNGE", "* 2 EXPUNGE", "* 4 EXISTS", "* 4 RECENT"])
        XCTAssertEqual(view.allMessages.map(\.uid), [1, 3, 5, 6])
        let stored = try await storedUIDs()
        XCTAssertEqual(stored, [1, 3, 5, 6])
    }

    func testUIDExpungeOnlyTouchesItsSet() async throws {
        try await appendMany(5)
        let (view, _) = try await select()
        _ = await store("1:4", .add, ["\\Deleted"], silent: true, view: view)
        let result = await SelectedMailboxCommands.expunge(uids: sequenceSet("3:4,5"), selected: view,
                                                           context: context([.qresync, .condstore]))
        XCTAssertEqual(taggedLine(result), "OK UID EXPUNGE completed")
        XCTAssertEqual(responseLines(result.untagged), ["* VANISHED 3:4"], "5 has no \\Deleted")
        let stored = try await storedUIDs()
        XCTAssertEqual(stored, [1, 2, 5])
        let nothing = await SelectedMailboxCommands.expunge(uids: sequenceSet("5"), selected: view, context: context())
        XCTAssertEqual(nothing.status, .ok)
        XCTAssertEqual(nothing.untagged, [])
    }

    func testCloseExpungesSilently() async throws {
        try await appendMany(3)
        let (view, _) = try await select()
        _ = await store("1,3", .add, ["\\Deleted"], silent: true, view: view)
        let result = await SelectedMailboxCommands.close(selected: view, context: context())
        XCTAssertEqual(taggedLine(result), "OK CLOSE completed")
        XCTAssertEqual(result.untagged, [], "CLOSE sends no EXPUNGE (RFC 9051 §6.4.1)")
        let stored = try await storedUIDs()
        XCTAssertEqual(stored, [2])
    }

    /// Two sessions of one mailbox through the command handlers: each one's
    /// changes reach the other with the right numbers.
    func testTwoSessionsSeeEachOther() async throws {
        try await appendMany(4)
        let (a, _) = try await select()
        let (b, _) = try await select()
        _ = await store("3", .add, ["\\Flagged"], view: b)
        _ = await store("1", .add, ["\\Deleted"], silent: true, view: b)
        let expunged = await SelectedMailboxCommands.expunge(uids: nil, selected: b, context: context())
        XCTAssertEqual(responseLines(expunged.untagged), ["* 1 EXPUNGE"])
        _ = try await append("from SMTP")

        // A is in the middle of a FETCH: no EXPUNGE yet.
        let duringFetch = try await a.synchronize(store: store, allowExpunge: false, enabled: [])
        XCTAssertEqual(responseLines(duringFetch), [
            "* 5 EXISTS",
            "* 5 RECENT",
            "* 3 FETCH (UID 3 FLAGS (\\Flagged \\Recent))",
        ])
        let atNoop = try await a.synchronize(store: store, allowExpunge: true, enabled: [])
        XCTAssertEqual(responseLines(atNoop), ["* 1 EXPUNGE"])
        XCTAssertEqual(a.allMessages.map(\.uid), b.allMessages.map(\.uid) + [5])
        let bSync = try await b.synchronize(store: store, allowExpunge: true, enabled: [])
        // A selected first and took the new message too: B has none recent.
        XCTAssertEqual(responseLines(bSync), ["* 4 EXISTS", "* 0 RECENT"])
        XCTAssertEqual(a.allMessages.map { $0.isRecent }, [true, true, true, true])
        XCTAssertEqual(a.allMessages.map { var m = $0; m.isRecent = false; return m }, b.allMessages)
    }
}
