import MailCore
import MailStore
import XCTest
@testable import IMAP

/// LIST (RFC 9051 §6.3.9), LIST-EXTENDED (RFC 5258), SPECIAL-USE (RFC 6154),
/// LIST-STATUS (RFC 5819), LSUB (RFC 3501) and NAMESPACE over a real store.
final class ListCommandTests: MailboxStoreTestCase {
    private let defaults = [
        #"* LIST (\HasNoChildren) "/" INBOX"#,
        #"* LIST (\HasNoChildren \Archive) "/" Archive"#,
        #"* LIST (\HasNoChildren \Drafts) "/" Drafts"#,
        #"* LIST (\HasNoChildren \Junk) "/" Junk"#,
        #"* LIST (\HasNoChildren \Sent) "/" Sent"#,
        #"* LIST (\HasNoChildren \Trash) "/" Trash"#,
    ]

    func testEmptyPatternGivesDelimiterAndRoot() async {
        let lines = await run(#"A1 LIST "" """#)
        XCTAssertEqual(lines, [#"* LIST (\Noselect) "/" """#, "A1 OK LIST completed"])
    }

    func testStarListsEverythingInboxFirst() async {
        let lines = await run(#"A1 LIST "" "*""#)
        XCTAssertEqual(lines, defaults + ["A1 OK LIST completed"])
        // list-mailbox may be an atom with wildcards (RFC 9051 §9).
        await assertEqual(await run(#"A1 LIST "" *"#), lines)
        await assertEqual(await run(#"A1 LIST "" %"#), lines)
    }

    func testPercentStopsAtDelimiterAndShowsParentsThatAreNotMailboxes() async throws {
        try await makeMailboxes("a/b/c", "Sent/2024")
        var lines = await listed(#"A1 LIST "" "%""#)
        XCTAssertTrue(lines.contains(#"* LIST (\Noselect \HasChildren) "/" a"#), "\(lines)")
        XCTAssertTrue(lines.contains(#"* LIST (\HasChildren \Sent) "/" Sent"#), "\(lines)")
        XCTAssertFalse(lines.contains { $0.hasSuffix(" a/b") || $0.hasSuffix("Sent/2024") })
        lines = await listed(#"A1 LIST "" "a/%""#)
        XCTAssertEqual(lines, [#"* LIST (\Noselect \HasChildren) "/" a/b"#])
        lines = await listed(#"A1 LIST "" "a/*""#)
        XCTAssertEqual(lines, [#"* LIST (\Noselect \HasChildren) "/" a/b"#, #"* LIST (\HasNoChildren) "/" a/b/c"#])
        lines = await listed(#"A1 LIST "" "%/%""#)
        // Code-point order: upper case before lower case.
        XCTAssertEqual(lines, [#"* LIST (\HasNoChildren) "/" Sent/2024"#, #"* LIST (\Noselect \HasChildren) "/" a/b"#])
    }

    /// IMAP4rev2 and LIST-EXTENDED clients see `\NonExistent` (RFC 5258 §3.4).
    func testParentsAreNonExistentForRev2() async throws {
        try await makeMailboxes("a/b")
        enabled = .imap4rev2
        var lines = await listed(#"A1 LIST "" "a""#)
        XCTAssertEqual(lines, [#"* LIST (\NonExistent \HasChildren) "/" a"#])
        enabled = []
        lines = await listed(#"A1 LIST () "" "a" RETURN (CHILDREN)"#)
        XCTAssertEqual(lines, [#"* LIST (\NonExistent \HasChildren) "/" a"#])
    }

    /// RFC 9051 §6.3.9: the reference is a prefix joined to the pattern.
    func testReferenceIsJoinedToPattern() async throws {
        try await makeMailboxes("Archive/2023", "Archive/2024", "Archive/2024/Q1")
        var lines = await listed(#"A1 LIST "Archive/" "%""#)
        XCTAssertEqual(lines, [#"* LIST (\HasNoChildren) "/" Archive/2023"#, #"* LIST (\HasChildren) "/" Archive/2024"#])
        lines = await listed(#"A1 LIST "Archive/2024" "*""#)
        XCTAssertEqual(lines, [#"* LIST (\HasChildren) "/" Archive/2024"#, #"* LIST (\HasNoChildren) "/" Archive/2024/Q1"#])
        lines = await listed(#"A1 LIST "Arch" "ive/2023""#)
        XCTAssertEqual(lines, [#"* LIST (\HasNoChildren) "/" Archive/2023"#])
    }

    func testWildcardsInsideNames() async throws {
        try await makeMailboxes("Sent Items", "Old Sent")
        await assertEqual(await listed(#"A1 LIST "" "*Sent*""#), [
            #"* LIST (\HasNoChildren) "/" "Old Sent""#,
            #"* LIST (\HasNoChildren \Sent) "/" Sent"#,
            #"* LIST (\HasNoChildren) "/" "Sent Items""#,
        ])
        await assertEqual(await listed(#"A1 LIST "" "D%s""#), [#"* LIST (\HasNoChildren \Drafts) "/" Drafts"#])
        await assertEqual(await listed(#"A1 LIST "" "nothing*""#), [])
        await assertEqual(await listed(#"A1 LIST "" "sent""#), [], "names other than INBOX are case-sensitive")
    }

    func testInboxMatchesInAnyCase() async throws {
        try await makeMailboxes("INBOX/Lists", "Inboxes")
        await assertEqual(await listed(#"A1 LIST "" "inbox""#), [#"* LIST (\HasChildren) "/" INBOX"#])
        await assertEqual(await listed(#"A1 LIST "" "iNbOx/%""#), [#"* LIST (\HasNoChildren) "/" INBOX/Lists"#])
        await assertEqual(await listed(#"A1 LIST "" "Inbox%""#), [
            #"* LIST (\HasChildren) "/" INBOX"#, #"* LIST (\HasNoChildren) "/" Inboxes"#,
        ])
    }

    /// RFC 5258 §3: several patterns in one LIST; a name is listed once.
    func testMultiplePatterns() async {
        await assertEqual(await listed(#"A1 LIST "" ("INBOX" "Drafts" "Dra*")"#), [
            #"* LIST (\HasNoChildren) "/" INBOX"#, #"* LIST (\HasNoChildren \Drafts) "/" Drafts"#,
        ])
    }

    /// RFC 6154 §2 / §5.2: the SPECIAL-USE selection option.
    func testSpecialUseSelection() async throws {
        try await makeMailboxes("Projects")
        let lines = await listed(#"A1 LIST (SPECIAL-USE) "" "*" RETURN (SPECIAL-USE)"#)
        XCTAssertEqual(lines, Array(defaults.dropFirst()))
    }

    /// RFC 5258 §5 example 3: SUBSCRIBED selection implies the SUBSCRIBED
    /// return option.
    func testSubscribedSelection() async throws {
        _ = await run("A1 UNSUBSCRIBE Junk")
        let lines = await listed(#"A1 LIST (SUBSCRIBED) "" "*""#)
        XCTAssertEqual(lines, [
            #"* LIST (\HasNoChildren \Subscribed) "/" INBOX"#,
            #"* LIST (\HasNoChildren \Archive \Subscribed) "/" Archive"#,
            #"* LIST (\HasNoChildren \Drafts \Subscribed) "/" Drafts"#,
            #"* LIST (\HasNoChildren \Sent \Subscribed) "/" Sent"#,
            #"* LIST (\HasNoChildren \Trash \Subscribed) "/" Trash"#,
        ])
        let all = await listed(#"A1 LIST "" "%" RETURN (SUBSCRIBED CHILDREN)"#)
        XCTAssertTrue(all.contains(#"* LIST (\HasNoChildren \Junk) "/" Junk"#), "\(all)")
        XCTAssertTrue(all.contains(#"* LIST (\HasNoChildren \Drafts \Subscribed) "/" Drafts"#), "\(all)")
    }

    /// RFC 5258 §5 example 3 and RFC 9051 §6.3.7: a subscribed name whose
    /// mailbox is gone is listed as `\Subscribed \NonExistent`, only when
    /// subscriptions are selected.
    func testSubscribedNamesThatDoNotExist() async throws {
        enabled = .imap4rev2
        try await makeMailboxes("Fruit", "Fruit/Banana", "Fruit/Peach")
        await assertEqual(await tagged("A1 DELETE Fruit/Peach"), "A1 OK DELETE completed")
        await assertEqual(await tagged("A1 DELETE Fruit"), "A1 OK DELETE completed")
        await assertEqual(await tagged("A1 SUBSCRIBE Vegetable/Broccoli"), "A1 OK SUBSCRIBE completed")
        var lines = await listed(#"A1 LIST (SUBSCRIBED) "" "*""#)
        XCTAssertTrue(lines.contains(#"* LIST (\Subscribed \NonExistent \HasChildren) "/" Fruit"#), "\(lines)")
        XCTAssertTrue(lines.contains(#"* LIST (\HasNoChildren \Subscribed) "/" Fruit/Banana"#), "\(lines)")
        XCTAssertTrue(lines.contains(#"* LIST (\Subscribed \NonExistent) "/" Fruit/Peach"#), "\(lines)")
        XCTAssertTrue(lines.contains(#"* LIST (\Subscribed \NonExistent) "/" Vegetable/Broccoli"#), "\(lines)")
        XCTAssertFalse(lines.contains { $0.hasSuffix(#" "/" Vegetable"#) }, "Vegetable is not subscribed: \(lines)")
        XCTAssertEqual(lines.count, 10, "\(lines)")
        // Without SUBSCRIBED selection the missing names are not listed.
        lines = await listed(#"A1 LIST "" "*" RETURN (SUBSCRIBED)"#)
        XCTAssertFalse(lines.contains { $0.contains("Peach") || $0.contains("Vegetable") }, "\(lines)")
        XCTAssertTrue(lines.contains(#"* LIST (\Subscribed \NonExistent \HasChildren) "/" Fruit"#), "\(lines)")
        // RECURSIVEMATCH: the parent of a missing subscribed name gets CHILDINFO.
        lines = await listed(#"A1 LIST (SUBSCRIBED RECURSIVEMATCH) "" "V%""#)
        XCTAssertEqual(lines, [#"* LIST (\NonExistent) "/" Vegetable ("CHILDINFO" ("SUBSCRIBED"))"#])
        // No STATUS for a name that does not exist (RFC 5819 §2).
        let all = await run(#"A1 LIST (SUBSCRIBED) "" "Fruit/%" RETURN (STATUS (MESSAGES))"#)
        XCTAssertEqual(all.filter { $0.hasPrefix("* STATUS") }.count, 1, "\(all)")
        // Unsubscribing removes it from the list.
        await assertEqual(await tagged("A1 UNSUBSCRIBE Fruit/Peach"), "A1 OK UNSUBSCRIBE completed")
        lines = await listed(#"A1 LIST (SUBSCRIBED) "" "Fruit/*""#)
        XCTAssertEqual(lines, [#"* LIST (\HasNoChildren \Subscribed) "/" Fruit/Banana"#])
    }

    /// Subscriptions of another account never show.
    func testOtherAccountsSubscriptionsAreNotListed() async throws {
        let bob = try await store.createAccount(address: "bob@example.org", passwordHash: "$6$x$y")
        try await store.subscribe(accountID: bob.id, name: "BobOnly")
        for line in [#"A1 LIST (SUBSCRIBED) "" "*""#, #"A1 LSUB "" "*""#, #"A1 LIST "" "*" RETURN (SUBSCRIBED)"#] {
            let lines = await listed(line)
            XCTAssertFalse(lines.contains { $0.contains("BobOnly") }, "\(line): \(lines)")
        }
    }

    /// RFC 5258 §5 example 9: RECURSIVEMATCH reports parents whose children
    /// are subscribed with CHILDINFO.
    func testRecursiveMatchChildInfo() async throws {
        try await makeMailboxes("Foo", "Foo/Bar", "Foo/Baz", "Moo", "Fruit/Apple")
        for name in ["Foo", "Moo", "Fruit/Apple", "Foo/Baz"] {
            _ = await run("A1 UNSUBSCRIBE \(name)")
        }
        var lines = await listed(#"A1 LIST (SUBSCRIBED RECURSIVEMATCH) "" "%" RETURN (CHILDREN)"#)
        XCTAssertTrue(lines.contains(#"* LIST (\HasChildren) "/" Foo ("CHILDINFO" ("SUBSCRIBED"))"#), "\(lines)")
        XCTAssertFalse(lines.contains { $0.hasSuffix(" Moo") || $0.contains("Fruit") }, "\(lines)")
        XCTAssertFalse(lines.contains { $0.contains("Foo/Bar") }, "% does not reach Foo/Bar")
        lines = await listed(#"A1 LIST (SUBSCRIBED) "" "%""#)
        XCTAssertFalse(lines.contains { $0.contains("Foo") }, "without RECURSIVEMATCH no parent: \(lines)")
        // RFC 5258 §3.5: with "*" Foo/Bar matches the pattern itself, so
        // Foo gets no CHILDINFO and, not subscribed, is not listed.
        lines = await listed(#"A1 LIST (SUBSCRIBED RECURSIVEMATCH) "" "*""#)
        XCTAssertTrue(lines.contains(#"* LIST (\HasNoChildren \Subscribed) "/" Foo/Bar"#), "\(lines)")
        XCTAssertFalse(lines.contains { $0.contains("CHILDINFO") || $0.hasSuffix(#" "/" Foo"#) }, "\(lines)")
        // A subscribed parent keeps CHILDINFO only while a child is beyond the pattern.
        _ = await run("A1 SUBSCRIBE Foo")
        lines = await listed(#"A1 LIST (SUBSCRIBED RECURSIVEMATCH) "" "%""#)
        XCTAssertTrue(lines.contains(#"* LIST (\HasChildren \Subscribed) "/" Foo ("CHILDINFO" ("SUBSCRIBED"))"#),
                      "\(lines)")
        lines = await listed(#"A1 LIST (SUBSCRIBED RECURSIVEMATCH) "" "Foo*""#)
        XCTAssertTrue(lines.contains(#"* LIST (\HasChildren \Subscribed) "/" Foo"#), "\(lines)")
    }

    func testBadOptions() async {
        await assertTrue(await tagged(#"A1 LIST (RECURSIVEMATCH) "" "*""#).hasPrefix("A1 BAD"))
        await assertTrue(await tagged(#"A1 LIST (REMOTE RECURSIVEMATCH) "" "*""#).hasPrefix("A1 BAD"))
        await assertTrue(await tagged(#"A1 LIST (FROBNICATE) "" "*""#).hasPrefix("A1 BAD"))
        // An unknown return option is BAD too (as in Dovecot); REMOTE changes nothing here.
        await assertTrue(await tagged(#"A1 LIST "" "INBOX" RETURN (FROBNICATE)"#).hasPrefix("A1 BAD"))
        await assertEqual(await listed(#"A1 LIST (REMOTE) "" "INBOX" RETURN (CHILDREN)"#),
                       [#"* LIST (\HasNoChildren) "/" INBOX"#])
    }

    /// RFC 5819: a STATUS after each selectable mailbox's LIST.
    func testListStatus() async throws {
        try await makeMailboxes("a/b")
        _ = try await deliver("one")
        _ = try await deliver("two", flags: .seen)
        let lines = await run(#"A1 LIST "" ("INBOX" "a" "a/b") RETURN (STATUS (MESSAGES UNSEEN))"#)
        XCTAssertEqual(lines, [
            #"* LIST (\HasNoChildren) "/" INBOX"#,
            "* STATUS INBOX (MESSAGES 2 UNSEEN 1)",
            #"* LIST (\NonExistent \HasChildren) "/" a"#,
            #"* LIST (\HasNoChildren) "/" a/b"#,
            "* STATUS a/b (MESSAGES 0 UNSEEN 0)",
            "A1 OK LIST completed",
        ])
    }

    /// Names go out in the connection's encoding; patterns come in it too.
    func testModifiedUTF7AndUTF8Output() async throws {
        try await makeMailboxes("Entwürfe")
        await assertEqual(await listed(#"A1 LIST "" "Entw*""#), [#"* LIST (\HasNoChildren) "/" Entw&APw-rfe"#])
        await assertEqual(await listed(#"A1 LIST "" "Entw&APw-rfe""#), [#"* LIST (\HasNoChildren) "/" Entw&APw-rfe"#])
        enabled = .utf8Accept
        await assertEqual(await listed(#"A1 LIST "" "Entw*""#), [#"* LIST (\HasNoChildren) "/" "Entwürfe""#])
        await assertEqual(await listed(#"A1 LIST "" "Entwürfe""#), [#"* LIST (\HasNoChildren) "/" "Entwürfe""#])
        await assertEqual(await listed(#"A1 LIST "" "Entw&APw-rfe""#), [], "mUTF-7 is literal after UTF8=ACCEPT")
    }

    func testHostilePatternsStayInTheAccount() async throws {
        let bob = try await store.createAccount(address: "bob@example.org", passwordHash: "$6$x$y")
        _ = try await store.createMailbox(accountID: bob.id, name: "Secret", specialUse: nil)
        for pattern in ["*", "../*", "~bob/*", "../bob/*", "/*", "Secret", "%/../*"] {
            let lines = await listed("A1 LIST \"\" \"\(pattern)\"")
            XCTAssertFalse(lines.contains { $0.contains("Secret") }, "\(pattern): \(lines)")
        }
        // Not valid modified UTF-7: a valid command that matches nothing.
        await assertEqual(await run(#"A1 LIST "" "&Jjo""#), ["A1 OK LIST completed"])
        await assertEqual(await run(#"A1 LSUB "" "&Jjo""#), ["A1 OK LSUB completed"])
        let long = String(repeating: "%a", count: 5000)
        await assertTrue(await tagged("A1 LIST \"\" {\(long.utf8.count)}\r\n\(long)").hasPrefix("A1 BAD"))
        await assertTrue(await tagged("A1 LIST \"\" \"\(String(repeating: "*", count: 5000))x\"").hasPrefix("A1 OK"))
    }

    func testLsub() async throws {
        try await makeMailboxes("Lists", "Lists/swift", "Lists/rust")
        _ = await run("A1 UNSUBSCRIBE Lists")
        _ = await run("A1 UNSUBSCRIBE Lists/rust")
        _ = await run("A1 UNSUBSCRIBE Junk")
        var lines = await listed(#"A1 LSUB "" "*""#)
        XCTAssertEqual(lines, [
            #"* LSUB () "/" INBOX"#, #"* LSUB () "/" Archive"#, #"* LSUB () "/" Drafts"#,
            #"* LSUB () "/" Lists/swift"#, #"* LSUB () "/" Sent"#, #"* LSUB () "/" Trash"#,
        ])
        // RFC 3501 §6.3.9: with a trailing %, an unsubscribed parent is \Noselect.
        lines = await listed(#"A1 LSUB "" "L%""#)
        XCTAssertEqual(lines, [#"* LSUB (\Noselect) "/" Lists"#])
        lines = await listed(#"A1 LSUB "Lists/" "%""#)
        XCTAssertEqual(lines, [#"* LSUB () "/" Lists/swift"#])
        // A subscribed name with no mailbox is listed, \Noselect.
        _ = await run("A1 DELETE Lists/swift")
        _ = await run("A1 SUBSCRIBE Gone/Away")
        lines = await listed(#"A1 LSUB "" "*""#)
        XCTAssertTrue(lines.contains(#"* LSUB (\Noselect) "/" Lists/swift"#), "\(lines)")
        XCTAssertTrue(lines.contains(#"* LSUB (\Noselect) "/" Gone/Away"#), "\(lines)")
        lines = await listed(#"A1 LSUB "" "G%""#)
        XCTAssertEqual(lines, [#"* LSUB (\Noselect) "/" Gone"#])
    }

    func testNamespace() async {
        await assertEqual(await run("A1 NAMESPACE"), [#"* NAMESPACE (("" "/")) NIL NIL"#, "A1 OK NAMESPACE completed"])
    }
}
