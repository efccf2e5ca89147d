import MailCore
import XCTest
@testable import IMAP

/// The RFC 9051 §6 examples (and the extension RFCs' examples) parse to the expected commands.
final class CommandParsingTests: XCTestCase {
    func testAnyStateCommands() {
        XCTAssertEqual(command("abcd CAPABILITY"), .capability)
        XCTAssertEqual(command("a002 NOOP"), .noop)
        XCTAssertEqual(command("A023 LOGOUT"), .logout)
        XCTAssertEqual(command("a001 starttls"), .starttls)
        XCTAssertEqual(command("A142 NAMESPACE"), .namespace)
        XCTAssertEqual(command("a IDLE"), .idle)
    }

    func testAuthenticateAndLogin() {
        XCTAssertEqual(command("A001 AUTHENTICATE GSSAPI"), .authenticate(mechanism: "GSSAPI", initialResponse: nil))
        XCTAssertEqual(command("a AUTHENTICATE PLAIN AGZyZWQAc2VjcmV0"),
                       .authenticate(mechanism: "PLAIN", initialResponse: bytes("AGZyZWQAc2VjcmV0")))
        XCTAssertEqual(command("a AUTHENTICATE EXTERNAL ="), .authenticate(mechanism: "EXTERNAL", initialResponse: bytes("=")))
        XCTAssertEqual(command("a001 LOGIN SMITH SESAME"), .login(user: bytes("SMITH"), password: bytes("SESAME")))
        XCTAssertEqual(command("a001 LOGIN \"fred smith\" \"p\\\"w\\\\d\""),
                       .login(user: bytes("fred smith"), password: bytes("p\"w\\d")))
    }

    func testEnableAndID() {
        XCTAssertEqual(command("t2 ENABLE CONDSTORE X-GOOD-IDEA"), .enable(["CONDSTORE", "X-GOOD-IDEA"]))
        XCTAssertEqual(command("a023 ID (\"name\" \"sodr\" \"version\" \"19.34\" \"vendor\" NIL)"),
                       .id([IDParameter("name", "sodr"), IDParameter("version", "19.34"), IDParameter("vendor", nil)]))
        XCTAssertEqual(command("a ID NIL"), .id(nil))
        XCTAssertEqual(command("a ID ()"), .id([]))
    }

    func testSelectExamineCreate() {
        XCTAssertEqual(command("A142 SELECT inbox"), .select(MailboxName("INBOX"), parameters: []))
        XCTAssertEqual(command("A932 EXAMINE blurdybloop"), .examine(MailboxName("blurdybloop"), parameters: []))
        XCTAssertEqual(command("a SELECT INBOX (CONDSTORE)"),
                       .select(MailboxName("INBOX"), parameters: [CommandParameter(name: "CONDSTORE")]))
        XCTAssertEqual(command("A02 SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211,214:541))"),
                       .select(MailboxName("INBOX"), parameters: [CommandParameter(name: "QRESYNC", value: .list([
                           .token("67890007"), .token("20050715194045000"), .token("41,43:211,214:541")]))]))
        XCTAssertEqual(command("A003 CREATE owatagusiam/"), .create(MailboxName("owatagusiam/"), parameters: []))
        XCTAssertEqual(command("t1 CREATE \"Important Messages\" (USE (\\Important))"),
                       .create(MailboxName("Important Messages"),
                               parameters: [CommandParameter(name: "USE", value: .list([.token("\\Important")]))]))
        XCTAssertEqual(command("A683 DELETE blurdybloop"), .delete(MailboxName("blurdybloop")))
        XCTAssertEqual(command("A683 RENAME blurdybloop sarasoop"),
                       .rename(from: MailboxName("blurdybloop"), to: MailboxName("sarasoop")))
        XCTAssertEqual(command("A002 SUBSCRIBE #news.comp.mail.mime"), .subscribe(MailboxName("#news.comp.mail.mime")))
        XCTAssertEqual(command("A002 UNSUBSCRIBE #news.comp.mail.mime"), .unsubscribe(MailboxName("#news.comp.mail.mime")))
    }

    func testList() {
        XCTAssertEqual(command("A101 LIST \"\" \"\""),
                       .list(ListCommand(reference: MailboxName(""), patterns: [[]])))
        XCTAssertEqual(command("A102 LIST #news.comp.mail.misc \"\""),
                       .list(ListCommand(reference: MailboxName("#news.comp.mail.misc"), patterns: [[]])))
        XCTAssertEqual(command("A202 LIST ~/Mail/ %"),
                       .list(ListCommand(reference: MailboxName("~/Mail/"), patterns: [bytes("%")])))
        XCTAssertEqual(command("A02 LIST (SUBSCRIBED RECURSIVEMATCH) \"\" (\"*\" %/Sent) RETURN (CHILDREN SPECIAL-USE STATUS (MESSAGES UNSEEN))"),
                       .list(ListCommand(selectOptions: [.subscribed, .recursiveMatch], reference: MailboxName(""),
                                         patterns: [bytes("*"), bytes("%/Sent")],
                                         returnOptions: [.children, .specialUse, .status([.messages, .unseen])])))
        XCTAssertEqual(command("A03 LIST () \"\" % RETURN ()"),
                       .list(ListCommand(reference: MailboxName(""), patterns: [bytes("%")])))
        XCTAssertEqual(command("A002 LSUB \"#news.\" \"comp.mail.*\""),
                       .lsub(reference: MailboxName("#news."), pattern: bytes("comp.mail.*")))
    }

    func testStatusAndAppend() {
        XCTAssertEqual(command("A042 STATUS blurdybloop (UIDNEXT MESSAGES)"),
                       .status(MailboxName("blurdybloop"), [.uidNext, .messages]))
        XCTAssertEqual(command("a STATUS INBOX (MESSAGES UIDNEXT UIDVALIDITY UNSEEN DELETED SIZE RECENT HIGHESTMODSEQ)"),
                       .status(MailboxName("INBOX"), [.messages, .uidNext, .uidValidity, .unseen, .deleted, .size, .recent, .highestModSeq]))
        let message = "Date: Mon, 7 Feb 1994 21:52:25 -0800\r\nSubject: afternoon meeting\r\n\r\nHello Joe\r\n"
        let date = MailDate(year: 1994, month: 2, day: 7, hour: 21, minute: 52, second: 25, zoneOffsetMinutes: -480)
        let result = events("A003 APPEND saved-messages (\\Seen) \"07-Feb-1994 21:52:25 -0800\" {\(message.utf8.count)}\r\n" + message + "\r\n")
        XCTAssertEqual(result, [.needsContinuation, .command(TaggedCommand(tag: "A003", command: .append(
            MailboxName("saved-messages"), [AppendMessage(flags: ["\\Seen"], date: date, data: bytes(message))])))])
        // MULTIAPPEND (RFC 3502 §6) with LITERAL+ and a literal8.
        let multi = events("A1 APPEND INBOX {3+}\r\nabc (\\Draft) ~{2+}\r\nxy\r\n")
        XCTAssertEqual(multi, [.command(TaggedCommand(tag: "A1", command: .append(MailboxName("INBOX"), [
            AppendMessage(data: bytes("abc")), AppendMessage(flags: ["\\Draft"], data: bytes("xy"), isBinary: true)])))])
    }

    func testSelectedStateCommands() {
        XCTAssertEqual(command("FXXZ CHECK"), .check)
        XCTAssertEqual(command("A341 CLOSE"), .close)
        XCTAssertEqual(command("A342 UNSELECT"), .unselect)
        XCTAssertEqual(command("A202 EXPUNGE"), .expunge)
        XCTAssertEqual(command("A003 UID EXPUNGE 3000:3002"),
                       .uidExpunge(.elements([.range(.number(3000), .number(3002))])))
        XCTAssertEqual(command("A003 COPY 2:4 MEETING"),
                       .copy(.elements([.range(.number(2), .number(4))]), MailboxName("MEETING"), uid: false))
        XCTAssertEqual(command("a UID MOVE 42:69 foo"),
                       .move(.elements([.range(.number(42), .number(69))]), MailboxName("foo"), uid: true))
        XCTAssertEqual(command("a MOVE $ Trash"), .move(.savedResult, MailboxName("Trash"), uid: false))
    }

    func testStore() {
        XCTAssertEqual(command("A003 STORE 2:4 +FLAGS (\\Deleted)"),
                       .store(.elements([.range(.number(2), .number(4))]), unchangedSince: nil,
                              StoreAction(operation: .add, flags: ["\\Deleted"]), uid: false))
        XCTAssertEqual(command("A004 UID STORE 1:* -FLAGS.SILENT ($Forwarded \\Seen)"),
                       .store(.elements([.range(.number(1), .last)]), unchangedSince: nil,
                              StoreAction(operation: .remove, silent: true, flags: ["$Forwarded", "\\Seen"]), uid: true))
        XCTAssertEqual(command("a103 UID STORE 6,4,8 (UNCHANGEDSINCE 12121230045) +FLAGS.SILENT (\\Deleted)"),
                       .store(.elements([.single(.number(6)), .single(.number(4)), .single(.number(8))]),
                              unchangedSince: 12121230045,
                              StoreAction(operation: .add, silent: true, flags: ["\\Deleted"]), uid: true))
        XCTAssertEqual(command("a STORE 1 FLAGS \\Seen \\Flagged"),
                       .store(.elements([.single(.number(1))]), unchangedSince: nil,
                              StoreAction(operation: .replace, flags: ["\\Seen", "\\Flagged"]), uid: false))
    }

    func testFetch() {
        XCTAssertEqual(command("A654 FETCH 2:4 (FLAGS BODY[HEADER.FIELDS (DATE FROM)])"),
                       .fetch(.elements([.range(.number(2), .number(4))]), [
                           .flags, .bodySection(SectionSpecifier(text: .headerFields(["DATE", "FROM"])), partial: nil, peek: false)],
                              modifiers: [], uid: false))
        XCTAssertEqual(command("a FETCH 1 ALL"), .fetch(.elements([.single(.number(1))]), FetchAttribute.all, modifiers: [], uid: false))
        XCTAssertEqual(command("a FETCH 1 fast"), .fetch(.elements([.single(.number(1))]), FetchAttribute.fast, modifiers: [], uid: false))
        XCTAssertEqual(command("a FETCH 1 FULL"), .fetch(.elements([.single(.number(1))]), FetchAttribute.full, modifiers: [], uid: false))
        XCTAssertEqual(command("a FETCH * BODYSTRUCTURE"), .fetch(.elements([.single(.last)]), [.bodyStructure], modifiers: [], uid: false))
        let all = "a UID FETCH 1:*,7 (UID RFC822.SIZE INTERNALDATE ENVELOPE BODY RFC822 RFC822.HEADER RFC822.TEXT MODSEQ "
            + "BODY.PEEK[] BODY[1.2.MIME] BODY[3.TEXT]<0.2048> BODY[HEADER] BODY[4.1] BODY.PEEK[HEADER.FIELDS.NOT (Received)] "
            + "BINARY[1] BINARY.PEEK[1.2]<10.20> BINARY.SIZE[2]) (CHANGEDSINCE 12345)"
        XCTAssertEqual(command(all), .fetch(.elements([.range(.number(1), .last), .single(.number(7))]), [
            .uid, .rfc822Size, .internalDate, .envelope, .body, .rfc822, .rfc822Header, .rfc822Text, .modSeq,
            .bodySection(.complete, partial: nil, peek: true),
            .bodySection(SectionSpecifier(part: [1, 2], text: .mime), partial: nil, peek: false),
            .bodySection(SectionSpecifier(part: [3], text: .text), partial: PartialRange(offset: 0, length: 2048), peek: false),
            .bodySection(SectionSpecifier(text: .header), partial: nil, peek: false),
            .bodySection(SectionSpecifier(part: [4, 1]), partial: nil, peek: false),
            .bodySection(SectionSpecifier(text: .headerFieldsNot(["Received"])), partial: nil, peek: true),
            .binary(part: [1], partial: nil, peek: false),
            .binary(part: [1, 2], partial: PartialRange(offset: 10, length: 20), peek: true),
            .binarySize(part: [2]),
        ], modifiers: [.changedSince(12345)], uid: true))
    }

    func testSearch() {
        let date = MailDate(year: 1994, month: 2, day: 1)!
        XCTAssertEqual(command("A282 SEARCH FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\""),
                       .search(SearchCommand(key: .and([.flagged, .since(date), .not(.from(bytes("Smith")))])), uid: false))
        XCTAssertEqual(command("A283 SEARCH TEXT \"string not in mailbox\""),
                       .search(SearchCommand(key: .text(bytes("string not in mailbox"))), uid: false))
        XCTAssertEqual(command("A284 SEARCH CHARSET UTF-8 TEXT {12+}\r\nXXXXXXXXXXXX"),
                       .search(SearchCommand(charset: "UTF-8", key: .text(bytes("XXXXXXXXXXXX"))), uid: false))
        XCTAssertEqual(command("A285 UID SEARCH RETURN (MIN MAX COUNT) OR (SEEN UNDELETED) NOT 1:5,*"),
                       .search(SearchCommand(returnOptions: [.min, .max, .count],
                                             key: .or(.and([.seen, .undeleted]), .not(.sequenceSet(.elements([
                                                 .range(.number(1), .number(5)), .single(.last)]))))), uid: true))
        XCTAssertEqual(command("A SEARCH RETURN () HEADER X-Foo bar"),
                       .search(SearchCommand(returnOptions: [], key: .header(field: "X-Foo", value: bytes("bar"))), uid: false))
        XCTAssertEqual(command("a SEARCH RETURN (SAVE) KEYWORD $Junk UNKEYWORD Work LARGER 100 SMALLER 9999 UID $"),
                       .search(SearchCommand(returnOptions: [.save], key: .and([.keyword("$Junk"), .unkeyword("Work"),
                                                                               .larger(100), .smaller(9999), .uid(.savedResult)])), uid: false))
        // WITHIN (RFC 5032 §4): nz-number intervals.
        XCTAssertEqual(command("a SEARCH OLDER 3600 YOUNGER 4294967295"),
                       .search(SearchCommand(key: .and([.older(3600), .younger(4_294_967_295)])), uid: false))
        for bad in ["a SEARCH YOUNGER 0", "a SEARCH OLDER 4294967296", "a SEARCH OLDER", "a SEARCH YOUNGER -1"] {
            XCTAssertNotNil(rejection(bad), bad)
        }
        XCTAssertEqual(SearchKey.and([.older(5), .not(.younger(7))]).canonical, "(OLDER 5 NOT YOUNGER 7)")
        XCTAssertEqual(command("a SEARCH MODSEQ \"/flags/\\\\draft\" all 620162338"),
                       .search(SearchCommand(key: .modSeq(entry: (bytes("/flags/\\draft"), "ALL"), value: 620162338)), uid: false))
        XCTAssertEqual(command("a SEARCH ANSWERED DELETED DRAFT SEEN UNANSWERED UNDELETED UNFLAGGED UNSEEN UNDRAFT NEW OLD RECENT ALL"),
                       .search(SearchCommand(key: .and([.answered, .deleted, .draft, .seen, .unanswered, .undeleted, .unflagged,
                                                        .unseen, .undraft, .new, .old, .recent, .all])), uid: false))
        XCTAssertEqual(command("a SEARCH BEFORE \"1-Feb-1994\" ON 1-Feb-1994 SENTBEFORE 1-Feb-1994 SENTON 1-Feb-1994 SENTSINCE 1-Feb-1994 BCC a CC b TO c SUBJECT d BODY e"),
                       .search(SearchCommand(key: .and([.before(date), .on(date), .sentBefore(date), .sentOn(date), .sentSince(date),
                                                        .bcc(bytes("a")), .cc(bytes("b")), .to(bytes("c")), .subject(bytes("d")),
                                                        .body(bytes("e"))])), uid: false))
        XCTAssertEqual(command("a SEARCH OR (OR SEEN (NOT (DRAFT))) FLAGGED ALL"),
                       .search(SearchCommand(key: .and([.or(.and([.or(.seen, .and([.not(.and([.draft]))]))]), .flagged), .all])), uid: false))
    }

    func testMailboxNamesStayRaw() {
        guard case .select(let name, _)? = command("a SELECT \"Entw&APw-rfe\"") else { return XCTFail() }
        XCTAssertEqual(name.bytes, bytes("Entw&APw-rfe"))
        XCTAssertEqual(name.modifiedUTF7Decoded, "Entwürfe")
        guard case .select(let utf8, _)? = command("a SELECT \"Entwürfe\"") else { return XCTFail() }
        XCTAssertEqual(utf8.utf8String, "Entwürfe")
        XCTAssertNil(utf8.modifiedUTF7Decoded)
        // Invalid modified UTF-7 is surfaced, not rejected by the grammar.
        guard case .create(let bad, _)? = command("a CREATE &Jjo!") else { return XCTFail() }
        XCTAssertNil(bad.modifiedUTF7Decoded)
        XCTAssertEqual(bad.utf8String, "&Jjo!")
        XCTAssertTrue(MailboxName("iNbOx").isInbox)
    }
}
