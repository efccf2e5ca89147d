import Logging
import MailCore
import MailStore
import XCTest
@testable import IMAP

/// CREATE, DELETE, RENAME, SUBSCRIBE, STATUS and APPEND (RFC 9051 §6.3)
/// over a real store.
final class MailboxCommandTests: MailboxStoreTestCase {
    private let defaultNames = ["Archive", "Drafts", "INBOX", "Junk", "Sent", "Trash"]

    // MARK: CREATE

    func testCreateMakesMissingParents() async throws {
        await assertCreated("A1 CREATE Projects/2025/Tern")
        try await assertEqual(try await names(), (defaultNames + ["Projects", "Projects/2025", "Projects/2025/Tern"]).sorted())
        // A parent that exists already is kept as it is.
        await assertCreated("A1 CREATE Projects/2026")
        try await assertEqual(try await names().filter { $0.hasPrefix("Projects") }.count, 4)
    }

    func testCreateWithTrailingDelimiter() async throws {
        await assertCreated("A1 CREATE Folder/")
        try await assertNotNil(try await mailbox("Folder"))
        await assertTrue(await tagged("A1 CREATE Folder//").hasPrefix("A1 NO [CANNOT]"))
    }

    func testCreateExistingIsAlreadyExists() async {
        await assertEqual(await tagged("A1 CREATE Drafts"), "A1 NO [ALREADYEXISTS] mailbox already exists")
        await assertTrue(await tagged("A1 CREATE inbox").hasPrefix("A1 NO [ALREADYEXISTS]"))
    }

    func testCreateInboxChildKeepsInboxUpperCase() async throws {
        await assertCreated("A1 CREATE inbox/Lists")
        try await assertNotNil(try await mailbox("INBOX/Lists"))
        try await assertEqual(try await names().filter { $0.lowercased().hasPrefix("inbox") }, ["INBOX", "INBOX/Lists"])
    }

    /// CREATE-SPECIAL-USE (RFC 6154 §3).
    func testCreateWithSpecialUse() async throws {
        await assertCreated(#"A1 CREATE MySent (USE (\Sent))"#)
        try await assertEqual(try await mailbox("MySent")?.specialUse, .sent)
        await assertCreated(#"A1 CREATE Everything (USE (\all))"#)
        try await assertEqual(try await mailbox("Everything")?.specialUse, .all)
        await assertTrue(await tagged(#"A1 CREATE Odd (USE (\Important))"#).hasPrefix("A1 NO [USEATTR]"))
        await assertTrue(await tagged(#"A1 CREATE Two (USE (\Sent \Trash))"#).hasPrefix("A1 NO [USEATTR]"))
        try await assertNil(try await mailbox("Odd"))
        try await assertNil(try await mailbox("Two"))
        await assertTrue(await tagged(#"A1 CREATE Other (FOO bar)"#).hasPrefix("A1 BAD"))
        await assertCreated(#"A1 CREATE Plain (USE ())"#)
        try await assertNil(try await mailbox("Plain")?.specialUse)
    }

    func testCreateUTF8AndModifiedUTF7Names() async throws {
        await assertCreated("A1 CREATE Entw&APw-rfe")
        try await assertNotNil(try await mailbox("Entwürfe"))
        await assertTrue(await tagged("A1 CREATE &Jjo").hasPrefix("A1 NO [CANNOT]"))
        enabled = .imap4rev2
        await assertCreated(#"A1 CREATE "Brouillons/été""#)
        try await assertNotNil(try await mailbox("Brouillons/été"))
        await assertCreated("A1 CREATE Entw&APw-rfe")
        try await assertNotNil(try await mailbox("Entw&APw-rfe"), "UTF-8 clients' & is literal (RFC 6855 §3)")
    }

    func testHostileNamesChangeNothing() async throws {
        let bob = try await store.createAccount(address: "bob@example.org", passwordHash: "$6$x$y")
        let before = try await names()
        let hostile = ["../x", "..", "a/../b", "a/./b", "/root", "a//b", "%", "Sent/*", "~other", "~bob/INBOX",
                       "#shared", "&Jjo", String(repeating: "x", count: 10 * 1024),
                       Array(repeating: "a", count: 17).joined(separator: "/")]
        for name in hostile {
            let line = await tagged("A1 CREATE {\(name.utf8.count)}\r\n\(name)")
            XCTAssertTrue(line.hasPrefix("A1 NO") || line.hasPrefix("A1 BAD"), "\(name.prefix(30)): \(line)")
            await assertTrue(await tagged("A1 DELETE {\(name.utf8.count)}\r\n\(name)").hasPrefix("A1 NO"))
        }
        // NUL and control characters, sent as literals.
        for bytes in [[0x61, 0x00, 0x62], [0x61, 0x0A, 0x62], [0x61, 0x7F]] as [[UInt8]] {
            let parsed = IMAPCommand.create(MailboxName(bytes), parameters: [])
            let result = await MailboxCommandHandler.handle(parsed, context: context)
            XCTAssertEqual(result.status, .no)
        }
        try await assertEqual(try await names(), before)
        try await assertEqual(try await store.mailboxes(accountID: bob.id).map(\.name).sorted(), defaultNames)
        // Bob's INBOX is never reachable through a name.
        _ = try await deliver("for alice")
        await assertTrue(await tagged("A1 STATUS ~bob/INBOX (MESSAGES)").hasPrefix("A1 NO"))
        await assertTrue(await tagged("A1 DELETE ../bob").hasPrefix("A1 NO"))
    }

    /// Another account's mailbox names mean nothing to this account.
    func testOtherAccountsMailboxesAreUnreachable() async throws {
        let bob = try await store.createAccount(address: "bob@example.org", passwordHash: "$6$x$y")
        let secret = try await store.createMailbox(accountID: bob.id, name: "Secret", specialUse: nil)
        try await store.subscribe(accountID: bob.id, name: "Secret")
        await assertTrue(await tagged("A1 DELETE Secret").hasPrefix("A1 NO [NONEXISTENT]"))
        await assertTrue(await tagged("A1 RENAME Secret Mine").hasPrefix("A1 NO [NONEXISTENT]"))
        await assertTrue(await tagged("A1 STATUS Secret (MESSAGES)").hasPrefix("A1 NO [NONEXISTENT]"))
        await assertTrue(await tagged("A1 UNSUBSCRIBE Secret").hasPrefix("A1 NO [NONEXISTENT]"))
        await assertTrue(await tagged("A1 APPEND Secret {5}\r\nhello").hasPrefix("A1 NO [TRYCREATE]"))
        await assertEqual(await listed(#"A1 LIST "" "Secret""#), [])
        // Creating the same name makes alice's own mailbox; bob's is untouched.
        await assertCreated("A1 CREATE Secret")
        await assertEqual(await tagged("A1 SUBSCRIBE Secret"), "A1 OK SUBSCRIBE completed")
        await assertEqual(await tagged("A1 DELETE Secret"), "A1 OK DELETE completed")
        let kept = try await store.mailbox(accountID: bob.id, name: "Secret")
        XCTAssertEqual(kept?.id, secret.id)
        XCTAssertEqual(kept?.isSubscribed, true)
        // Alice's deleted Secret stays subscribed for alice only.
        try await assertEqual(try await store.subscriptions(accountID: account.id).contains("Secret"), true)
        await assertEqual(await tagged("A1 UNSUBSCRIBE Secret"), "A1 OK UNSUBSCRIBE completed")
        try await assertEqual(try await store.mailbox(accountID: bob.id, name: "Secret")?.isSubscribed, true)
    }

    // MARK: DELETE

    func testDelete() async throws {
        _ = await run("A1 CREATE Old")
        await assertEqual(await tagged("A1 DELETE Old"), "A1 OK DELETE completed")
        try await assertNil(try await mailbox("Old"))
        await assertEqual(await tagged("A1 DELETE Old"), "A1 NO [NONEXISTENT] no such mailbox")
        await assertTrue(await tagged("A1 DELETE INBOX").hasPrefix("A1 NO"))
        await assertTrue(await tagged("A1 DELETE inbox").hasPrefix("A1 NO"))
        try await assertNotNil(try await mailbox("INBOX"))
    }

    /// The chosen rule: a mailbox with children is deleted alone; its
    /// children stay and its name is listed as a parent that does not exist.
    func testDeleteParentKeepsChildren() async throws {
        _ = await run("A1 CREATE foo/bar")
        await assertEqual(await tagged("A1 DELETE foo"), "A1 OK DELETE completed")
        try await assertNil(try await mailbox("foo"))
        try await assertNotNil(try await mailbox("foo/bar"))
        await assertEqual(await listed(#"A1 LIST "" "foo*""#), [
            #"* LIST (\Noselect \HasChildren) "/" foo"#, #"* LIST (\HasNoChildren) "/" foo/bar"#,
        ])
        // The name that is only a parent cannot be deleted again.
        await assertEqual(await tagged("A1 DELETE foo"), "A1 NO [NONEXISTENT] no such mailbox")
        await assertEqual(await tagged("A1 DELETE foo/bar"), "A1 OK DELETE completed")
        await assertEqual(await listed(#"A1 LIST "" "foo*""#), [])
    }

    /// A recreated name is a new mailbox: no messages, a new UIDVALIDITY
    /// (RFC 9051 §6.3.4).
    func testDeleteRemovesMessages() async throws {
        _ = await run("A1 CREATE Box")
        let first = try await unwrap(try await mailbox("Box"))
        _ = try await deliver("one", to: "Box")
        await assertEqual(await tagged("A1 DELETE Box"), "A1 OK DELETE completed")
        _ = await run("A1 CREATE Box")
        await assertEqual(await run("A1 STATUS Box (MESSAGES)").first, "* STATUS Box (MESSAGES 0)")
        let second = try await unwrap(try await mailbox("Box"))
        XCTAssertNotEqual(first.uidValidity, second.uidValidity)
    }

    // MARK: RENAME

    func testRenameMovesChildrenAndCreatesParents() async throws {
        _ = await run("A1 CREATE a/b/c")
        _ = try await deliver("kept", to: "a/b")
        await assertEqual(await tagged("A1 RENAME a x/y"), "A1 OK RENAME completed")
        let names = try await names().filter { !defaultNames.contains($0) }
        XCTAssertEqual(names, ["x", "x/y", "x/y/b", "x/y/b/c"])
        await assertEqual(await run("A1 STATUS x/y/b (MESSAGES)").first, "* STATUS x/y/b (MESSAGES 1)")
    }

    func testRenameRefusals() async throws {
        _ = await run("A1 CREATE a/b")
        await assertTrue(await tagged("A1 RENAME a Drafts").hasPrefix("A1 NO [ALREADYEXISTS]"))
        await assertTrue(await tagged("A1 RENAME a INBOX").hasPrefix("A1 NO [ALREADYEXISTS]"))
        await assertTrue(await tagged("A1 RENAME nothing z").hasPrefix("A1 NO [NONEXISTENT]"))
        await assertTrue(await tagged("A1 RENAME a a/b/c").hasPrefix("A1 NO [CANNOT]"))
        await assertTrue(await tagged("A1 RENAME a a").hasPrefix("A1 NO [ALREADYEXISTS]"))
        await assertTrue(await tagged("A1 RENAME zz zz").hasPrefix("A1 NO [NONEXISTENT]"))
        await assertTrue(await tagged("A1 RENAME a ../z").hasPrefix("A1 NO [CANNOT]"))
        await assertTrue(await tagged("A1 RENAME ../a z").hasPrefix("A1 NO [CANNOT]"))
        try await assertNotNil(try await mailbox("a/b"))
    }

    /// RFC 9051 §6.3.6: renaming INBOX moves its messages and leaves it empty.
    func testRenameInbox() async throws {
        _ = await run("A1 CREATE INBOX/Child")
        _ = try await deliver("one")
        _ = try await deliver("two")
        await assertEqual(await tagged("A1 RENAME INBOX Old/Inbox"), "A1 OK RENAME completed")
        await assertEqual(await run("A1 STATUS INBOX (MESSAGES)").first, "* STATUS INBOX (MESSAGES 0)")
        await assertEqual(await run("A1 STATUS Old/Inbox (MESSAGES)").first, "* STATUS Old/Inbox (MESSAGES 2)")
        try await assertNotNil(try await mailbox("Old"))
        try await assertNotNil(try await mailbox("INBOX/Child"), "INBOX's children stay")
    }

    func testRenameUTF8() async throws {
        _ = await run("A1 CREATE Drafts2")
        await assertEqual(await tagged("A1 RENAME Drafts2 Entw&APw-rfe"), "A1 OK RENAME completed")
        try await assertNotNil(try await mailbox("Entwürfe"))
    }

    // MARK: SUBSCRIBE

    func testSubscribeAndUnsubscribe() async throws {
        _ = await run("A1 CREATE News")
        await assertEqual(await tagged("A1 SUBSCRIBE News"), "A1 OK SUBSCRIBE completed")
        await assertEqual(await tagged("A1 UNSUBSCRIBE News"), "A1 OK UNSUBSCRIBE completed")
        try await assertEqual(try await mailbox("News")?.isSubscribed, false)
        await assertEqual(await tagged("A1 SUBSCRIBE News"), "A1 OK SUBSCRIBE completed")
        try await assertEqual(try await mailbox("News")?.isSubscribed, true)
        await assertTrue(await tagged("A1 SUBSCRIBE ../x").hasPrefix("A1 NO"))
        await assertTrue(await tagged("A1 SUBSCRIBE a//b").hasPrefix("A1 NO"))
        await assertTrue(await tagged("A1 SUBSCRIBE \"a*\"").hasPrefix("A1 NO"))
        await assertTrue(await tagged("A1 SUBSCRIBE ~bob/x").hasPrefix("A1 NO"))
        try await assertEqual(try await store.subscriptions(accountID: account.id),
                              ["Archive", "Drafts", "INBOX", "Junk", "News", "Sent", "Trash"])
    }

    /// RFC 9051 §6.3.7: a name with no mailbox may be subscribed (accepted,
    /// like Dovecot); it creates no mailbox.
    func testSubscribeNameThatDoesNotExist() async throws {
        await assertEqual(await tagged("A1 SUBSCRIBE Later/Maybe"), "A1 OK SUBSCRIBE completed")
        await assertEqual(await tagged("A1 SUBSCRIBE Later/Maybe"), "A1 OK SUBSCRIBE completed")
        try await assertNil(try await mailbox("Later/Maybe"))
        try await assertEqual(try await store.subscriptions(accountID: account.id).filter { $0 == "Later/Maybe" },
                              ["Later/Maybe"])
        await assertEqual(await tagged("A1 UNSUBSCRIBE Later/Maybe"), "A1 OK UNSUBSCRIBE completed")
        await assertTrue(await tagged("A1 UNSUBSCRIBE Later/Maybe").hasPrefix("A1 NO [NONEXISTENT]"))
        await assertTrue(await tagged("A1 UNSUBSCRIBE Never").hasPrefix("A1 NO [NONEXISTENT]"))
        // Names in the connection's encoding: modified UTF-7 for rev1.
        await assertEqual(await tagged("A1 SUBSCRIBE Entw&APw-rfe"), "A1 OK SUBSCRIBE completed")
        try await assertEqual(try await store.subscriptions(accountID: account.id).contains("Entwürfe"), true)
        await assertEqual(await tagged("A1 UNSUBSCRIBE inbox"), "A1 OK UNSUBSCRIBE completed")
        try await assertEqual(try await mailbox("INBOX")?.isSubscribed, false)
    }

    /// CREATE subscribes neither the mailbox nor the parents it makes
    /// (RFC 9051 §6.3.4, as Dovecot); a name subscribed before stays so.
    func testCreateDoesNotSubscribe() async throws {
        await assertCreated("A1 CREATE Projects/2026/Q1")
        await assertEqual(await tagged("A1 SUBSCRIBE Later"), "A1 OK SUBSCRIBE completed")
        await assertCreated("A1 CREATE Later")
        try await assertEqual(try await store.subscriptions(accountID: account.id),
                              ["Archive", "Drafts", "INBOX", "Junk", "Later", "Sent", "Trash"])
        try await assertEqual(try await mailbox("Projects/2026")?.isSubscribed, false)
        try await assertEqual(try await mailbox("Later")?.isSubscribed, true)
        await assertEqual(await listed(#"A1 LSUB "" "P*""#), [])
        // LSUB with a trailing %: an unsubscribed parent of a subscribed child is \Noselect.
        await assertEqual(await tagged("A1 SUBSCRIBE Projects/2026/Q1"), "A1 OK SUBSCRIBE completed")
        await assertEqual(await listed(#"A1 LSUB "" "Projects/%""#), [#"* LSUB (\Noselect) "/" Projects/2026"#])
        await assertEqual(await listed(#"A1 LSUB "" "*""#).filter { $0.contains("Projects") },
                          [#"* LSUB () "/" Projects/2026/Q1"#])
    }

    /// RFC 9051 §6.3.7: deleting a mailbox does not unsubscribe it.
    func testDeleteKeepsSubscription() async throws {
        _ = await run("A1 CREATE Old")
        _ = await run("A1 SUBSCRIBE Old")
        await assertEqual(await tagged("A1 DELETE Old"), "A1 OK DELETE completed")
        try await assertEqual(try await store.subscriptions(accountID: account.id).contains("Old"), true)
        await assertEqual(await tagged("A1 UNSUBSCRIBE Old"), "A1 OK UNSUBSCRIBE completed")
    }

    /// Renaming moves the subscriptions of the mailbox and its children.
    func testRenameMovesSubscriptions() async throws {
        _ = await run("A1 CREATE a/b")
        _ = await run("A1 CREATE a/c")
        _ = await run("A1 SUBSCRIBE a")
        _ = await run("A1 SUBSCRIBE a/b")
        await assertEqual(await tagged("A1 RENAME a z"), "A1 OK RENAME completed")
        let names = try await store.subscriptions(accountID: account.id)
        XCTAssertTrue(names.contains("z") && names.contains("z/b"), "\(names)")
        XCTAssertFalse(names.contains("a") || names.contains("a/b") || names.contains("z/c"), "\(names)")
    }

    // MARK: STATUS

    func testStatusItems() async throws {
        let inbox = try await unwrap(try await mailbox("INBOX"))
        _ = try await deliver("one")
        _ = try await deliver("two", flags: [.seen, .deleted])
        let third = try await deliver("three", flags: .seen)
        let current = try await unwrap(try await mailbox("INBOX"))
        let size = try await store.messages(mailboxID: inbox.id).reduce(0) { $0 + $1.size }
        let lines = await run("A1 STATUS inbox (MESSAGES UIDNEXT UIDVALIDITY UNSEEN DELETED SIZE RECENT HIGHESTMODSEQ APPENDLIMIT)")
        XCTAssertEqual(lines, [
            "* STATUS INBOX (MESSAGES 3 UIDNEXT \(third.uid + 1) UIDVALIDITY \(inbox.uidValidity) UNSEEN 1 DELETED 1 "
                + "SIZE \(size) RECENT 3 HIGHESTMODSEQ \(current.highestModSeq) APPENDLIMIT \(maxMessageSize))",
            "A1 OK STATUS completed",
        ])
    }

    func testStatusNonexistent() async {
        await assertEqual(await tagged("A1 STATUS Nothing (MESSAGES)"), "A1 NO [NONEXISTENT] no such mailbox")
        await assertTrue(await tagged("A1 STATUS &Jjo (MESSAGES)").hasPrefix("A1 NO [CANNOT]"))
    }

    func testStatusNameInConnectionEncoding() async throws {
        _ = await run("A1 CREATE Entw&APw-rfe")
        await assertEqual(await run("A1 STATUS Entw&APw-rfe (MESSAGES)").first, "* STATUS Entw&APw-rfe (MESSAGES 0)")
        enabled = .imap4rev2
        await assertEqual(await run(#"A1 STATUS "Entwürfe" (MESSAGES)"#).first, #"* STATUS "Entwürfe" (MESSAGES 0)"#)
    }

    // MARK: APPEND

    private let message = "From: a@example.org\r\nSubject: hi\r\n\r\nhello\r\n"

    func testAppendWithFlagsAndDate() async throws {
        let inbox = try await unwrap(try await mailbox("INBOX"))
        let line = "A1 APPEND Drafts (\\Seen \\Draft $Label) \"05-Mar-2024 10:20:30 +0100\" {\(message.utf8.count)}\r\n\(message)"
        let drafts = try await unwrap(try await mailbox("Drafts"))
        await assertEqual(await tagged(line), "A1 OK [APPENDUID \(drafts.uidValidity) 1] APPEND completed")
        let stored = try await unwrap(try await store.message(mailboxID: drafts.id, uid: 1))
        XCTAssertEqual(stored.flags, [.seen, .draft])
        XCTAssertEqual(stored.keywords, ["$Label"])
        XCTAssertEqual(stored.internalDate.timeIntervalSince1970, 1_709_630_430)
        try await assertEqual(try await store.messageBody(mailboxID: drafts.id, uid: 1), Array(message.utf8))
        try await assertEqual(try await store.messages(mailboxID: inbox.id).count, 0)
    }

    func testAppendRefusals() async throws {
        let literal = "{\(message.utf8.count)}\r\n\(message)"
        await assertEqual(await tagged("A1 APPEND Nothing \(literal)"), "A1 NO [TRYCREATE] no such mailbox")
        await assertTrue(await tagged("A1 APPEND ../Nothing \(literal)").hasPrefix("A1 NO [CANNOT]"))
        await assertTrue(await tagged("A1 APPEND INBOX (\\Bogus) \(literal)").hasPrefix("A1 BAD"))
        await assertTrue(await tagged("A1 APPEND INBOX (\\Recent) \(literal)").hasPrefix("A1 BAD"))
        await assertTrue(await tagged("A1 APPEND INBOX {0}\r\n").hasPrefix("A1 NO"))
        maxMessageSize = 10
        await assertTrue(await tagged("A1 APPEND INBOX \(literal)").hasPrefix("A1 NO [TOOBIG]"))
        let inbox = try await unwrap(try await mailbox("INBOX"))
        try await assertEqual(try await store.messages(mailboxID: inbox.id).count, 0)
    }

    /// MULTIAPPEND (RFC 3502): several messages, one APPENDUID range.
    func testMultiAppend() async throws {
        let literal = "{\(message.utf8.count)}\r\n\(message)"
        let inbox = try await unwrap(try await mailbox("INBOX"))
        let line = await tagged("A1 APPEND INBOX \(literal) (\\Flagged) \(literal) \(literal)")
        XCTAssertEqual(line, "A1 OK [APPENDUID \(inbox.uidValidity) 1:3] APPEND completed")
        let stored = try await store.messages(mailboxID: inbox.id)
        XCTAssertEqual(stored.map(\.uid), [1, 2, 3])
        XCTAssertEqual(stored.map { $0.flags.contains(.flagged) }, [false, true, false])
    }

    /// MULTIAPPEND is all or nothing: one bad message stores none.
    func testMultiAppendAllOrNothing() async throws {
        let literal = "{\(message.utf8.count)}\r\n\(message)"
        let inbox = try await unwrap(try await mailbox("INBOX"))
        await assertTrue(await tagged("A1 APPEND INBOX \(literal) (\\Nope) \(literal)").hasPrefix("A1 BAD"))
        let big = String(repeating: "x", count: 200)
        maxMessageSize = 100
        await assertTrue(await tagged("A1 APPEND INBOX \(literal) {200}\r\n\(big)").hasPrefix("A1 NO [TOOBIG]"))
        try await assertEqual(try await store.messages(mailboxID: inbox.id).count, 0)
        // The store refuses the second message (its own size bound is lower
        // than the session's): the first one is taken back.
        maxMessageSize = 1 << 20
        try await store.close()
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        store = try SQLiteMailStore(directory: directory, logger: logger, maximumMessageSize: 150)
        await assertTrue(await tagged("A1 APPEND INBOX \(literal) {200}\r\n\(big)").hasPrefix("A1 NO [TOOBIG]"))
        try await assertEqual(try await store.messages(mailboxID: inbox.id).count, 0)
        await assertTrue(await tagged("A1 APPEND INBOX \(literal)").hasPrefix("A1 OK"))
        try await assertEqual(try await store.messages(mailboxID: inbox.id).count, 1)
    }

    func testAppendUTF8MailboxName() async throws {
        _ = await run("A1 CREATE Entw&APw-rfe")
        let line = await tagged("A1 APPEND Entw&APw-rfe {\(message.utf8.count)}\r\n\(message)")
        XCTAssertTrue(line.hasPrefix("A1 OK [APPENDUID "), line)
        let box = try await unwrap(try await mailbox("Entwürfe"))
        try await assertEqual(try await store.messages(mailboxID: box.id).count, 1)
    }

    func testNotAMailboxCommand() async {
        let result = await MailboxCommandHandler.handle(.noop, context: context)
        XCTAssertEqual(result.status, .bad)
    }
}
