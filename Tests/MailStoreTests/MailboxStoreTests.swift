import Foundation
import XCTest
@testable import MailStore

final class MailboxStoreTests: StoreTestCase {
    func testInboxIsCaseInsensitiveOtherNamesAreNot() async throws {
        let (store, account, inbox) = try await storeWithInbox()
        let lower = try await store.mailbox(accountID: account.id, name: "inbox")
        XCTAssertEqual(lower?.id, inbox.id)
        XCTAssertEqual(lower?.name, "INBOX")
        let mixed = try await store.mailbox(accountID: account.id, name: "InBoX")
        XCTAssertEqual(mixed?.id, inbox.id)
        await assertThrows(MailStoreError.mailboxExists("INBOX")) {
            _ = try await store.createMailbox(accountID: account.id, name: "Inbox", specialUse: nil)
        }
        let child = try await store.createMailbox(accountID: account.id, name: "inbox/Lists", specialUse: nil)
        XCTAssertEqual(child.name, "INBOX/Lists")

        let projects = try await store.createMailbox(accountID: account.id, name: "Projects", specialUse: nil)
        let other = try await store.createMailbox(accountID: account.id, name: "projects", specialUse: nil)
        XCTAssertNotEqual(projects.id, other.id, "names other than INBOX are case-sensitive")
        let lookedUp = try await store.mailbox(accountID: account.id, name: "projects")
        XCTAssertEqual(lookedUp?.id, other.id)
    }

    func testCreateNestedWithoutParentsAndLookups() async throws {
        let (store, account, _) = try await storeWithInbox()
        let created = try await store.createMailbox(accountID: account.id, name: "a/b/c", specialUse: .flagged)
        XCTAssertEqual(created.name, "a/b/c")
        XCTAssertEqual(created.specialUse, .flagged)
        XCTAssertEqual(created.uidNext, 1)
        let byID = try await store.mailbox(id: created.id)
        XCTAssertEqual(byID, created)
        let parent = try await store.mailbox(accountID: account.id, name: "a/b")
        XCTAssertNil(parent)
        await assertThrows(MailStoreError.mailboxExists("a/b/c")) {
            _ = try await store.createMailbox(accountID: account.id, name: "a/b/c", specialUse: nil)
        }
        await assertThrows(MailStoreError.accountNotFound("4242")) {
            _ = try await store.createMailbox(accountID: 4242, name: "x", specialUse: nil)
        }
        let missing = try await store.mailbox(id: 987_654)
        XCTAssertNil(missing)
    }

    func testInvalidMailboxNamesAreRefused() async throws {
        let (store, account, inbox) = try await storeWithInbox()
        let invalid = [
            "", "/", "/a", "a/", "a//b", ".", "..", "a/./b", "a/../b", "../etc", "tab\there", "nul\u{0}",
            "line\nbreak", "del\u{7F}", "c1\u{85}", "star*", "per%cent", String(repeating: "x", count: 256),
            String(repeating: "é", count: 128),
        ]
        for name in invalid {
            await assertThrows(MailStoreError.invalidMailboxName(name)) {
                _ = try await store.createMailbox(accountID: account.id, name: name, specialUse: nil)
            }
            await assertThrows(MailStoreError.invalidMailboxName(name)) {
                try await store.renameMailbox(id: inbox.id, to: name)
            }
            let found = try await store.mailbox(accountID: account.id, name: name)
            XCTAssertNil(found)
        }
        // The bound is 255 octets, inclusive; non-ASCII UTF-8 is fine.
        _ = try await store.createMailbox(accountID: account.id, name: String(repeating: "x", count: 255), specialUse: nil)
        _ = try await store.createMailbox(accountID: account.id, name: "Entwürfe/日本語", specialUse: nil)
        _ = try await store.createMailbox(accountID: account.id, name: "a.b/..c/d..", specialUse: nil)
        XCTAssertTrue(bodyFileNames().isEmpty)
    }

    func testMailboxNameNormalization() throws {
        XCTAssertEqual(try MailboxName.normalize("inbox"), "INBOX")
        XCTAssertEqual(try MailboxName.normalize("Inbox/x"), "INBOX/x")
        XCTAssertEqual(try MailboxName.normalize("Inboxes"), "Inboxes")
        // No Unicode case mapping may produce INBOX (dotless i).
        XCTAssertEqual(try MailboxName.normalize("\u{131}nbox"), "\u{131}nbox")
        XCTAssertTrue(MailboxName.isInbox("iNbOx"))
        XCTAssertFalse(MailboxName.isInbox("INBOX/a"))
    }

    func testRenameMovesChildren() async throws {
        let (store, account, _) = try await storeWithInbox()
        let a = try await store.createMailbox(accountID: account.id, name: "a", specialUse: nil)
        let ab = try await store.createMailbox(accountID: account.id, name: "a/b", specialUse: nil)
        let abc = try await store.createMailbox(accountID: account.id, name: "a/b/c", specialUse: nil)
        let ax = try await store.createMailbox(accountID: account.id, name: "ab", specialUse: nil)
        let appended = try await store.appendMessage(mailboxID: ab.id, NewMessage(body: sampleMessage("kept")))

        try await store.renameMailbox(id: a.id, to: "x")
        let names = try await store.mailboxes(accountID: account.id).map(\.name)
        XCTAssertTrue(names.contains("x"))
        XCTAssertTrue(names.contains("x/b"))
        XCTAssertTrue(names.contains("x/b/c"))
        XCTAssertTrue(names.contains("ab"), "a sibling sharing the prefix without '/' is not a child")
        XCTAssertFalse(names.contains("a") || names.contains("a/b") || names.contains("a/b/c"))
        let renamedChild = try await store.mailbox(id: ab.id)
        XCTAssertEqual(renamedChild?.name, "x/b")
        XCTAssertEqual(renamedChild?.uidValidity, ab.uidValidity)
        let grandchild = try await store.mailbox(id: abc.id)
        XCTAssertEqual(grandchild?.name, "x/b/c")
        let sibling = try await store.mailbox(id: ax.id)
        XCTAssertEqual(sibling?.name, "ab")
        let messages = try await store.messages(mailboxID: ab.id)
        XCTAssertEqual(messages.map(\.uid), [appended.uid])

        // Conflicts with an existing mailbox, for the mailbox or a child.
        await assertThrows(MailStoreError.mailboxExists("ab")) { try await store.renameMailbox(id: a.id, to: "ab") }
        _ = try await store.createMailbox(accountID: account.id, name: "y/b", specialUse: nil)
        await assertThrows(MailStoreError.mailboxExists("y/b")) { try await store.renameMailbox(id: a.id, to: "y") }
        let unchanged = try await store.mailbox(id: ab.id)
        XCTAssertEqual(unchanged?.name, "x/b", "a refused rename changes nothing")
        await assertThrows(MailStoreError.mailboxNotFound("5555")) { try await store.renameMailbox(id: 5555, to: "z") }
    }

    func testRenameInboxMovesMessagesAndKeepsInbox() async throws {
        let (store, account, inbox) = try await storeWithInbox()
        _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("1")))
        _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: sampleMessage("2")))
        try await store.renameMailbox(id: inbox.id, to: "Old Mail")
        let stillInbox = try await store.mailbox(id: inbox.id)
        XCTAssertEqual(stillInbox?.name, "INBOX")
        let inboxMessages = try await store.messages(mailboxID: inbox.id)
        XCTAssertTrue(inboxMessages.isEmpty)
        let old = try await XCTUnwrapAsync(try await store.mailbox(accountID: account.id, name: "Old Mail"))
        let moved = try await store.messages(mailboxID: old.id)
        XCTAssertEqual(moved.count, 2)
        let body = try await store.messageBody(mailboxID: old.id, uid: moved[1].uid)
        XCTAssertEqual(body, sampleMessage("2"))
    }

    func testDeleteMailboxAndInboxRefused() async throws {
        let (store, account, inbox) = try await storeWithInbox()
        await assertThrows(MailStoreError.invalidMailboxName("INBOX")) { try await store.deleteMailbox(id: inbox.id) }
        let box = try await store.createMailbox(accountID: account.id, name: "Temp", specialUse: nil)
        _ = try await store.appendMessage(mailboxID: box.id, NewMessage(body: sampleMessage("t")))
        XCTAssertEqual(bodyFileNames().count, 1)
        try await store.deleteMailbox(id: box.id)
        let gone = try await store.mailbox(id: box.id)
        XCTAssertNil(gone)
        XCTAssertTrue(bodyFileNames().isEmpty, "the deleted mailbox's body files are removed")
        await assertThrows(MailStoreError.mailboxNotFound(String(box.id))) { try await store.deleteMailbox(id: box.id) }

        // A recreated name gets a new UIDVALIDITY (RFC 9051 §2.3.1.1).
        let again = try await store.createMailbox(accountID: account.id, name: "Temp", specialUse: nil)
        XCTAssertNotEqual(again.uidValidity, box.uidValidity)
        XCTAssertGreaterThan(again.uidValidity, box.uidValidity)
    }

    func testSubscriptions() async throws {
        let (store, account, _) = try await storeWithInbox()
        let box = try await store.createMailbox(accountID: account.id, name: "News", specialUse: nil)
        XCTAssertFalse(box.isSubscribed, "a new mailbox is not subscribed (RFC 9051 §6.3.4)")
        let defaults = try await store.mailboxes(accountID: account.id)
        XCTAssertTrue(defaults.filter { $0.name != "News" }.allSatisfy(\.isSubscribed), "an account's own are")
        try await store.setSubscribed(mailboxID: box.id, true)
        try await store.setSubscribed(mailboxID: box.id, false)
        let unsubscribed = try await store.mailbox(id: box.id)
        XCTAssertEqual(unsubscribed?.isSubscribed, false)
        try await store.setSubscribed(mailboxID: box.id, true)
        let subscribed = try await store.mailbox(id: box.id)
        XCTAssertEqual(subscribed?.isSubscribed, true)
        await assertThrows(MailStoreError.mailboxNotFound("777")) { try await store.setSubscribed(mailboxID: 777, true) }
    }
}
