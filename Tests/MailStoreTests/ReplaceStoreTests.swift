import Foundation
import MailCore
import XCTest
@testable import MailStore

/// `replaceMessage` (RFC 8508): the new message in, the old one out, in
/// one transaction; a refusal changes nothing.
final class ReplaceStoreTests: StoreTestCase {
    func spooled(_ store: any MailStore, _ text: String, flags: MessageFlags = []) throws -> SpooledMessage {
        let spool = try store.makeSpoolFile(maximumSize: nil)
        try spool.write(Array(text.utf8))
        return SpooledMessage(spool: spool, flags: flags, internalDate: Date(timeIntervalSince1970: 1_700_000_000))
    }

    func testReplaceInTheSameMailboxAndIntoAnother() async throws {
        let (store, account, inbox) = try await storeWithInbox()
        let old = try await store.appendMessage(mailboxID: inbox.id,
                                                NewMessage(body: Array("Subject: draft 1\r\n\r\nv1\r\n".utf8), internalDate: Date()))
        let draft2 = try spooled(store, "Subject: draft 2\r\n\r\nv2\r\n", flags: .draft)
        defer { draft2.spool.abort() }
        let new = try await store.replaceMessage(mailboxID: inbox.id, uid: old.uid, with: draft2, into: inbox.id)
        XCTAssertEqual(new.uid, old.uid + 1)
        XCTAssertEqual(new.flags, .draft)
        let left = try await store.messages(mailboxID: inbox.id).map(\.uid)
        XCTAssertEqual(left, [new.uid])
        let body = try await store.messageBody(mailboxID: inbox.id, uid: new.uid)
        XCTAssertEqual(String(decoding: body, as: UTF8.self), "Subject: draft 2\r\n\r\nv2\r\n")
        let changes = try await store.changes(mailboxID: inbox.id, after: old.modSeq)
        XCTAssertTrue(changes.contains { $0.uid == old.uid && $0.kind == .expunged }, "\(changes)")

        // Into another mailbox of the account: the old one leaves INBOX.
        let draftsFound = try await store.mailbox(accountID: account.id, name: "Drafts")
        let drafts = try XCTUnwrap(draftsFound)
        let draft3 = try spooled(store, "Subject: draft 3\r\n\r\nv3\r\n")
        defer { draft3.spool.abort() }
        let moved = try await store.replaceMessage(mailboxID: inbox.id, uid: new.uid, with: draft3, into: drafts.id)
        let inboxLeft = try await store.messages(mailboxID: inbox.id)
        XCTAssertTrue(inboxLeft.isEmpty)
        let inDrafts = try await store.messages(mailboxID: drafts.id).map(\.uid)
        XCTAssertEqual(inDrafts, [moved.uid])
    }

    func testAGoneMessageOrAFullQuotaChangesNothing() async throws {
        let (store, account, inbox) = try await storeWithInbox()
        let old = try await store.appendMessage(mailboxID: inbox.id,
                                                NewMessage(body: Array("Subject: a\r\n\r\n12345\r\n".utf8), internalDate: Date()))
        let replacement = try spooled(store, "Subject: a\r\n\r\n12346\r\n")
        defer { replacement.spool.abort() }
        do {
            _ = try await store.replaceMessage(mailboxID: inbox.id, uid: old.uid + 7, with: replacement, into: inbox.id)
            XCTFail("no such message")
        } catch MailStoreError.messageNotFound {}
        var uids = try await store.messages(mailboxID: inbox.id).map(\.uid)
        XCTAssertEqual(uids, [old.uid], "nothing stored")

        // At the message limit: the replacement fits, since the old one goes.
        try await store.setQuota(accountID: account.id, .custom(QuotaLimits(messages: 1)))
        let fits = try await store.replaceMessage(mailboxID: inbox.id, uid: old.uid, with: replacement, into: inbox.id)
        // A storage limit the bigger replacement exceeds: refused, the old one stays.
        try await store.setQuota(accountID: account.id, .custom(QuotaLimits(storage: Int64(fits.size))))
        let bigger = try spooled(store, "Subject: a\r\n\r\n" + String(repeating: "x", count: 100) + "\r\n")
        defer { bigger.spool.abort() }
        do {
            _ = try await store.replaceMessage(mailboxID: inbox.id, uid: fits.uid, with: bigger, into: inbox.id)
            XCTFail("over quota")
        } catch MailStoreError.overQuota {}
        uids = try await store.messages(mailboxID: inbox.id).map(\.uid)
        XCTAssertEqual(uids, [fits.uid])
    }
}
