import Crypto
import Foundation
import Logging
import MailCore
import XCTest
@testable import MailStore

final class MessageStoreTests: StoreTestCase {
    func testAppendAssignsUIDsModSeqsAndStoresExactBytes() async throws {
        let (store, _, inbox) = try await storeWithInbox()
        let date = Date(timeIntervalSince1970: 1_700_000_000)
        let body = sampleMessage("hello", id: "abc@example.org")
        let first = try await store.appendMessage(
            mailboxID: inbox.id, NewMessage(body: body, flags: [.seen], keywords: ["$Label1", "$label1"], internalDate: date))
        XCTAssertEqual(first.uid, 1)
        XCTAssertEqual(first.modSeq, inbox.highestModSeq + 1)
        XCTAssertEqual(first.size, body.count)
        XCTAssertEqual(first.flags, [.seen])
        XCTAssertEqual(first.keywords, ["$Label1"], "keywords are unique case-insensitively")
        XCTAssertEqual(first.internalDate, date)
        let expectedHash = SHA256.hash(data: body).map { String(format: "%02x", $0) }.joined()
        XCTAssertEqual(first.contentHash, expectedHash)
        XCTAssertEqual(first.messageID, ParsedMessage.parse(body).messageID)
        let decoded = try XCTUnwrap(first.parsedStructure, "the store hands the structure over decoded")
        XCTAssertEqual(decoded, ParsedMessage.parse(body))

        let second = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("two")))
        XCTAssertEqual(second.uid, 2)
        XCTAssertGreaterThan(second.modSeq, first.modSeq)

        let all = try await store.messages(mailboxID: inbox.id)
        XCTAssertEqual(all, [first, second])
        let one = try await store.message(mailboxID: inbox.id, uid: 1)
        XCTAssertEqual(one, first)
        let none = try await store.message(mailboxID: inbox.id, uid: 3)
        XCTAssertNil(none)
        let stored = try await store.messageBody(mailboxID: inbox.id, uid: 1)
        XCTAssertEqual(stored, body)

        let mailbox = try await store.mailbox(id: inbox.id)
        XCTAssertEqual(mailbox?.uidNext, 3)
        XCTAssertEqual(mailbox?.highestModSeq, second.modSeq)
        await assertThrows(MailStoreError.messageNotFound(9)) { _ = try await store.messageBody(mailboxID: inbox.id, uid: 9) }
    }

    func testBinaryAndEmptyBodiesRoundTrip() async throws {
        let (store, _, inbox) = try await storeWithInbox()
        let binary = (0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let a = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: binary))
        let b = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: []))
        let readA = try await store.messageBody(mailboxID: inbox.id, uid: a.uid)
        let readB = try await store.messageBody(mailboxID: inbox.id, uid: b.uid)
        XCTAssertEqual(readA, binary)
        XCTAssertEqual(readB, [])
        XCTAssertEqual(b.size, 0)
    }

    func testAppendToMissingMailboxLeavesNoFile() async throws {
        let (store, _, _) = try await storeWithInbox()
        await assertThrows(MailStoreError.mailboxNotFound("424242")) {
            _ = try await store.appendMessage(mailboxID: 424_242, NewMessage(body: sampleMessage("lost")))
        }
        XCTAssertTrue(bodyFileNames().isEmpty, "the body of a failed commit is deleted")
        await assertThrows(MailStoreError.mailboxNotFound("424242")) { _ = try await store.messages(mailboxID: 424_242) }
    }

    func testMessageSizeBound() async throws {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let store = try SQLiteMailStore(directory: directory, logger: logger, maximumMessageSize: 100)
        let account = try await store.createAccount(address: "a@example.org", passwordHash: "h")
        let inbox = try await XCTUnwrapAsync(try await store.mailbox(accountID: account.id, name: "INBOX"))
        _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: Array(repeating: 65, count: 100)))
        await assertThrows(MailStoreError.messageTooLarge(101)) {
            _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: Array(repeating: 65, count: 101)))
        }
        XCTAssertEqual(bodyFileNames().count, 1)
        try await store.close()
    }

    func testUpdateFlagsReplaceAddRemove() async throws {
        let (store, _, inbox) = try await storeWithInbox()
        for i in 1...3 {
            _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("m\(i)")))
        }
        let added = try await store.updateFlags(mailboxID: inbox.id, uids: [1, 2, 99], operation: .add,
                                                flags: [.seen, .flagged], keywords: ["Work"])
        XCTAssertEqual(added.map(\.uid), [1, 2], "missing UIDs are skipped")
        XCTAssertTrue(added.allSatisfy { $0.flags == [.seen, .flagged] && $0.keywords == ["Work"] })
        XCTAssertLessThan(added[0].modSeq, added[1].modSeq)

        let removed = try await store.updateFlags(mailboxID: inbox.id, uids: [1], operation: .remove,
                                                  flags: [.flagged], keywords: ["work"])
        XCTAssertEqual(removed.first?.flags, [.seen])
        XCTAssertEqual(removed.first?.keywords, [])

        let replaced = try await store.updateFlags(mailboxID: inbox.id, uids: [2, 3], operation: .replace,
                                                   flags: [.answered], keywords: ["A", "b"])
        XCTAssertEqual(replaced.map(\.flags), [[.answered], [.answered]])
        XCTAssertEqual(replaced.map(\.keywords), [["A", "b"], ["A", "b"]])

        // A STORE that changes nothing takes no new MODSEQ (RFC 7162 §3.1.3).
        let before = try await store.mailbox(id: inbox.id)
        let noop = try await store.updateFlags(mailboxID: inbox.id, uids: [2], operation: .add,
                                               flags: [.answered], keywords: ["a"])
        XCTAssertTrue(noop.isEmpty)
        let after = try await store.mailbox(id: inbox.id)
        XCTAssertEqual(before?.highestModSeq, after?.highestModSeq)

        let stored = try await store.message(mailboxID: inbox.id, uid: 3)
        XCTAssertEqual(stored, replaced[1])
        XCTAssertEqual(after?.highestModSeq, replaced[1].modSeq)
        await assertThrows(MailStoreError.mailboxNotFound("31337")) {
            _ = try await store.updateFlags(mailboxID: 31337, uids: [1], operation: .add, flags: [.seen], keywords: [])
        }
    }

    func testExpungeRemovesRowsAndFiles() async throws {
        let (store, _, inbox) = try await storeWithInbox()
        for i in 1...3 {
            _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("m\(i)")))
        }
        let removed = try await store.expunge(mailboxID: inbox.id, uids: [3, 1, 1, 42])
        XCTAssertEqual(removed, [1, 3])
        let remaining = try await store.messages(mailboxID: inbox.id)
        XCTAssertEqual(remaining.map(\.uid), [2])
        XCTAssertEqual(bodyFileNames().count, 1)
        await assertThrows(MailStoreError.messageNotFound(1)) { _ = try await store.messageBody(mailboxID: inbox.id, uid: 1) }
        let again = try await store.expunge(mailboxID: inbox.id, uids: [1])
        XCTAssertEqual(again, [])
    }

    func testCopySharesNothingMutable() async throws {
        let (store, account, inbox) = try await storeWithInbox()
        let archive = try await XCTUnwrapAsync(try await store.mailbox(accountID: account.id, name: "Archive"))
        _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("1"), flags: [.seen]))
        _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("2")))
        _ = try await store.appendMessage(mailboxID: archive.id, NewMessage(body: sampleMessage("existing")))

        let pairs = try await store.copyMessages(from: inbox.id, uids: [2, 1, 7], to: archive.id)
        XCTAssertEqual(pairs.map(\.0), [1, 2])
        XCTAssertEqual(pairs.map(\.1), [2, 3])
        let copies = try await store.messages(mailboxID: archive.id)
        XCTAssertEqual(copies.map(\.uid), [1, 2, 3])
        XCTAssertEqual(copies[1].flags, [.seen])

        // Changing or expunging the source leaves the copy intact.
        _ = try await store.updateFlags(mailboxID: inbox.id, uids: [1], operation: .add, flags: [.deleted], keywords: [])
        _ = try await store.expunge(mailboxID: inbox.id, uids: [1, 2])
        let copy = try await store.message(mailboxID: archive.id, uid: 2)
        XCTAssertEqual(copy?.flags, [.seen])
        let copyBody = try await store.messageBody(mailboxID: archive.id, uid: 2)
        XCTAssertEqual(copyBody, sampleMessage("1"))
        XCTAssertEqual(bodyFileNames().count, 3)

        // Expunging the last reference removes the file.
        _ = try await store.expunge(mailboxID: archive.id, uids: [2, 3])
        XCTAssertEqual(bodyFileNames().count, 1)
    }

    func testCopyAcrossAccountsRefused() async throws {
        let (store, _, inbox) = try await storeWithInbox()
        let bob = try await store.createAccount(address: "bob@example.org", passwordHash: "h")
        let bobInbox = try await XCTUnwrapAsync(try await store.mailbox(accountID: bob.id, name: "INBOX"))
        _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("private")))
        await assertThrows(MailStoreError.mailboxNotFound(String(bobInbox.id))) {
            _ = try await store.copyMessages(from: inbox.id, uids: [1], to: bobInbox.id)
        }
        await assertThrows(MailStoreError.mailboxNotFound(String(bobInbox.id))) {
            _ = try await store.moveMessages(from: inbox.id, uids: [1], to: bobInbox.id)
        }
        let bobMessages = try await store.messages(mailboxID: bobInbox.id)
        XCTAssertTrue(bobMessages.isEmpty)
    }

    func testMoveIsCopyThenExpunge() async throws {
        let (store, account, inbox) = try await storeWithInbox()
        let trash = try await XCTUnwrapAsync(try await store.mailbox(accountID: account.id, name: "Trash"))
        for i in 1...3 {
            _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("m\(i)")))
        }
        let pairs = try await store.moveMessages(from: inbox.id, uids: [1, 3], to: trash.id)
        XCTAssertEqual(pairs.map(\.0), [1, 3])
        XCTAssertEqual(pairs.map(\.1), [1, 2])
        let left = try await store.messages(mailboxID: inbox.id)
        XCTAssertEqual(left.map(\.uid), [2])
        let moved = try await store.messages(mailboxID: trash.id)
        XCTAssertEqual(moved.count, 2)
        let body = try await store.messageBody(mailboxID: trash.id, uid: 2)
        XCTAssertEqual(body, sampleMessage("m3"))
        XCTAssertEqual(bodyFileNames().count, 3, "a move keeps the body files")
        let sourceChanges = try await store.changes(mailboxID: inbox.id, after: 0)
        XCTAssertEqual(sourceChanges.filter { $0.kind == .expunged }.map(\.uid), [1, 3])

        // Within one mailbox a move renumbers.
        let renumbered = try await store.moveMessages(from: inbox.id, uids: [2], to: inbox.id)
        XCTAssertEqual(renumbered.map(\.1), [4])
        let inboxNow = try await store.messages(mailboxID: inbox.id)
        XCTAssertEqual(inboxNow.map(\.uid), [4])
    }

    func testContainsMessageByHash() async throws {
        let (store, account, inbox) = try await storeWithInbox()
        let record = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("dup")))
        let found = try await store.containsMessage(mailboxID: inbox.id, contentHash: record.contentHash)
        XCTAssertTrue(found)
        let upper = try await store.containsMessage(mailboxID: inbox.id, contentHash: record.contentHash.uppercased())
        XCTAssertTrue(upper)
        let sent = try await XCTUnwrapAsync(try await store.mailbox(accountID: account.id, name: "Sent"))
        let elsewhere = try await store.containsMessage(mailboxID: sent.id, contentHash: record.contentHash)
        XCTAssertFalse(elsewhere)
        let other = try await store.containsMessage(mailboxID: inbox.id, contentHash: String(repeating: "0", count: 64))
        XCTAssertFalse(other)
    }
}
