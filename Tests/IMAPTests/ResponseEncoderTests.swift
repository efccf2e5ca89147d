import MailCore
import XCTest
@testable import IMAP

/// Response encoding: string forms, every untagged response, response codes.
final class ResponseEncoderTests: XCTestCase {
    func encoded(_ response: IMAPResponse, utf8: Bool = false) -> String {
        text(IMAPResponseEncoder.encode(response, allowUTF8Quoted: utf8))
    }

    func untagged(_ data: UntaggedResponse, utf8: Bool = false) -> String {
        encoded(.untagged(data), utf8: utf8)
    }

    func testStringForms() {
        let writer = IMAPWriter()
        XCTAssertEqual(writer.form(for: bytes("INBOX"), asAString: true), .atom)
        XCTAssertEqual(writer.form(for: bytes("a]b"), asAString: true), .atom)
        XCTAssertEqual(writer.form(for: bytes("INBOX")), .quoted)
        XCTAssertEqual(writer.form(for: bytes("NIL"), asAString: true), .quoted)
        XCTAssertEqual(writer.form(for: bytes("nil"), asAString: true), .quoted)
        XCTAssertEqual(writer.form(for: [], asAString: true), .quoted)
        XCTAssertEqual(writer.form(for: bytes("two words"), asAString: true), .quoted)
        XCTAssertEqual(writer.form(for: bytes("a%b"), asAString: true), .quoted)
        XCTAssertEqual(writer.form(for: bytes("a\"b\\c")), .quoted)
        XCTAssertEqual(writer.form(for: bytes("line\r\nbreak")), .literal)
        XCTAssertEqual(writer.form(for: bytes("grüße")), .literal)
        XCTAssertEqual(IMAPWriter(allowUTF8Quoted: true).form(for: bytes("grüße")), .quoted)
        XCTAssertEqual(IMAPWriter(allowUTF8Quoted: true).form(for: [0xFF, 0x41]), .literal)
        XCTAssertEqual(writer.form(for: [0x41, 0x00]), .literal8)
        XCTAssertEqual(writer.form(for: Array(repeating: 0x41, count: 5000)), .literal)

        var output = IMAPWriter()
        output.writeString(bytes("a\"b\\c"))
        output.space()
        output.writeNString(nil as [UInt8]?)
        output.space()
        output.writeString(bytes("x\ny"))
        output.space()
        output.writeAString(bytes("Sent"))
        output.space()
        output.writeString([0, 1])
        XCTAssertEqual(output.bytes, bytes("\"a\\\"b\\\\c\" NIL {3}\r\nx\ny Sent ~{2}\r\n") + [0, 1])
    }

    func testTaggedAndContinuation() {
        XCTAssertEqual(encoded(.tagged(tag: "a1", .ok, ResponseText(code: .readWrite, "SELECT completed"))),
                       "a1 OK [READ-WRITE] SELECT completed\r\n")
        XCTAssertEqual(encoded(.tagged(tag: "a2", .no, ResponseText(code: .tryCreate, "no such\r\nmailbox"))),
                       "a2 NO [TRYCREATE] no such mailbox\r\n")
        XCTAssertEqual(encoded(.tagged(tag: "a3", .bad, ResponseText("parse error"))), "a3 BAD parse error\r\n")
        XCTAssertEqual(encoded(.continuation("Ready")), "+ Ready\r\n")
        XCTAssertEqual(encoded(.tagged(tag: "a4", .ok, ResponseText(code: .appendUID(uidValidity: 38505, uids: .elements([.single(.number(3955))])), "APPEND completed"))),
                       "a4 OK [APPENDUID 38505 3955] APPEND completed\r\n")
        XCTAssertEqual(encoded(.tagged(tag: "a5", .ok, ResponseText(code: .copyUID(uidValidity: 38505, source: SequenceSet(numbers: [304, 319, 320, 321]), destination: SequenceSet(numbers: [3956, 3957, 3958, 3959])), "Done"))),
                       "a5 OK [COPYUID 38505 304,319:321 3956:3959] Done\r\n")
        XCTAssertEqual(encoded(.untagged(.condition(.bye, ResponseText("Autologout; idle for too long")))),
                       "* BYE Autologout; idle for too long\r\n")
        XCTAssertEqual(encoded(.untagged(.condition(.ok, ResponseText(code: .capability(["IMAP4rev2", "IMAP4rev1", "AUTH=PLAIN"]), "Tern ready")))),
                       "* OK [CAPABILITY IMAP4rev2 IMAP4rev1 AUTH=PLAIN] Tern ready\r\n")
    }

    func testResponseCodes() {
        let codes: [(ResponseCode, String)] = [
            (.alert, "ALERT"), (.alreadyExists, "ALREADYEXISTS"), (.authenticationFailed, "AUTHENTICATIONFAILED"),
            (.authorizationFailed, "AUTHORIZATIONFAILED"), (.badCharset(["UTF-8", "US-ASCII"]), "BADCHARSET (UTF-8 US-ASCII)"),
            (.cannot, "CANNOT"), (.clientBug, "CLIENTBUG"), (.closed, "CLOSED"), (.contactAdmin, "CONTACTADMIN"),
            (.corruption, "CORRUPTION"), (.expired, "EXPIRED"), (.expungeIssued, "EXPUNGEISSUED"), (.hasChildren, "HASCHILDREN"),
            (.highestModSeq(715194045007), "HIGHESTMODSEQ 715194045007"), (.inUse, "INUSE"), (.limit, "LIMIT"),
            (.modified(SequenceSet(numbers: [7, 9])), "MODIFIED 7,9"), (.noModSeq, "NOMODSEQ"), (.nonExistent, "NONEXISTENT"),
            (.noPerm, "NOPERM"), (.notSaved, "NOTSAVED"), (.overQuota, "OVERQUOTA"), (.parse, "PARSE"),
            (.permanentFlags(["\\Deleted", "\\Seen", "\\*"]), "PERMANENTFLAGS (\\Deleted \\Seen \\*)"),
            (.privacyRequired, "PRIVACYREQUIRED"), (.readOnly, "READ-ONLY"), (.serverBug, "SERVERBUG"),
            (.uidNext(4392), "UIDNEXT 4392"), (.uidValidity(3857529045), "UIDVALIDITY 3857529045"), (.unseen(12), "UNSEEN 12"),
            (.unavailable, "UNAVAILABLE"), (.unknownCTE, "UNKNOWN-CTE"), (.useAttr, "USEATTR"), (.uidNotSticky, "UIDNOTSTICKY"),
            (.other("APPENDLIMIT", "1000"), "APPENDLIMIT 1000"), (.other("X-FOO", nil), "X-FOO"),
        ]
        for (code, expected) in codes {
            XCTAssertEqual(encoded(.untagged(.condition(.no, ResponseText(code: code, "x")))), "* NO [\(expected)] x\r\n")
        }
    }

    func testUntaggedData() {
        XCTAssertEqual(untagged(.capability(["IMAP4rev2", "STARTTLS", "LOGINDISABLED"])), "* CAPABILITY IMAP4rev2 STARTTLS LOGINDISABLED\r\n")
        XCTAssertEqual(untagged(.enabled(["CONDSTORE"])), "* ENABLED CONDSTORE\r\n")
        XCTAssertEqual(untagged(.flags(["\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft"])),
                       "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n")
        XCTAssertEqual(untagged(.list(ListResponse(attributes: ["\\Noselect"], delimiter: "/", mailbox: MailboxName("~/Mail/foo")))),
                       "* LIST (\\Noselect) \"/\" ~/Mail/foo\r\n")
        XCTAssertEqual(untagged(.list(ListResponse(attributes: [], delimiter: nil, mailbox: MailboxName("")))), "* LIST () NIL \"\"\r\n")
        XCTAssertEqual(untagged(.list(ListResponse(attributes: ["\\HasChildren"], mailbox: MailboxName("Foo"),
                                                   extended: [.childInfo(["SUBSCRIBED"])]))),
                       "* LIST (\\HasChildren) \"/\" Foo (\"CHILDINFO\" (\"SUBSCRIBED\"))\r\n")
        XCTAssertEqual(untagged(.list(ListResponse(attributes: [], mailbox: MailboxName("New Name"), extended: [.oldName(MailboxName("Old"))]))),
                       "* LIST () \"/\" \"New Name\" (\"OLDNAME\" (Old))\r\n")
        XCTAssertEqual(untagged(.list(ListResponse(attributes: [], mailbox: MailboxName("Entwürfe")))),
                       "* LIST () \"/\" {9}\r\nEntwürfe\r\n")
        XCTAssertEqual(untagged(.list(ListResponse(attributes: [], mailbox: MailboxName("Entwürfe"))), utf8: true),
                       "* LIST () \"/\" \"Entwürfe\"\r\n")
        XCTAssertEqual(untagged(.lsub(ListResponse(attributes: [], delimiter: ".", mailbox: MailboxName("#news.comp.mail.misc")))),
                       "* LSUB () \".\" #news.comp.mail.misc\r\n")
        XCTAssertEqual(untagged(.status(MailboxName("blurdybloop"), [(.messages, .number(231)), (.uidNext, .number(44292))])),
                       "* STATUS blurdybloop (MESSAGES 231 UIDNEXT 44292)\r\n")
        // RFC 8474 §4.
        XCTAssertEqual(untagged(.status(MailboxName("foo"), [(.mailboxID, .objectID("F2212ea87-6097-4256-9d51-71338625"))])),
                       "* STATUS foo (MAILBOXID (F2212ea87-6097-4256-9d51-71338625))\r\n")
        XCTAssertEqual(untagged(.fetch(1, [.emailID("M6d99ac3275bb4e"), .threadID(nil)])),
                       "* 1 FETCH (EMAILID (M6d99ac3275bb4e) THREADID NIL)\r\n")
        XCTAssertEqual(untagged(.namespace(personal: [NamespaceDescription(prefix: "", delimiter: "/")], other: [], shared: [])),
                       "* NAMESPACE ((\"\" \"/\")) NIL NIL\r\n")
        XCTAssertEqual(untagged(.exists(23)), "* 23 EXISTS\r\n")
        XCTAssertEqual(untagged(.recent(5)), "* 5 RECENT\r\n")
        XCTAssertEqual(untagged(.expunge(3)), "* 3 EXPUNGE\r\n")
        XCTAssertEqual(untagged(.vanished(earlier: true, SequenceSet(numbers: [41, 43, 44, 45]))), "* VANISHED (EARLIER) 41,43:45\r\n")
        XCTAssertEqual(untagged(.vanished(earlier: false, SequenceSet(numbers: [405]))), "* VANISHED 405\r\n")
        XCTAssertEqual(untagged(.search([2, 84, 882], modSeq: nil)), "* SEARCH 2 84 882\r\n")
        XCTAssertEqual(untagged(.search([], modSeq: 9)), "* SEARCH\r\n")
        XCTAssertEqual(untagged(.search([2, 10], modSeq: 917162500)), "* SEARCH 2 10 (MODSEQ 917162500)\r\n")
        XCTAssertEqual(untagged(.esearch(ESearchResponse(tag: "A285", uid: true, min: 7, max: 3800))),
                       "* ESEARCH (TAG \"A285\") UID MIN 7 MAX 3800\r\n")
        XCTAssertEqual(untagged(.esearch(ESearchResponse(tag: "A", uid: false, count: 5, all: SequenceSet(numbers: [1, 2, 3, 5, 8]), modSeq: 4))),
                       "* ESEARCH (TAG \"A\") COUNT 5 ALL 1:3,5,8 MODSEQ 4\r\n")
        XCTAssertEqual(untagged(.id([IDParameter("name", "Tern"), IDParameter("support-url", nil)])),
                       "* ID (\"name\" \"Tern\" \"support-url\" NIL)\r\n")
        XCTAssertEqual(untagged(.id(nil)), "* ID NIL\r\n")
    }

    func testFetchItems() {
        let date = MailDate(year: 1996, month: 7, day: 17, hour: 2, minute: 44, second: 25, zoneOffsetMinutes: -420)!
        XCTAssertEqual(untagged(.fetch(12, [.flags(["\\Seen"]), .internalDate(date), .rfc822Size(44827), .uid(4827313), .modSeq(12121231000)])),
                       "* 12 FETCH (FLAGS (\\Seen) INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" RFC822.SIZE 44827 UID 4827313 MODSEQ (12121231000))\r\n")
        XCTAssertEqual(untagged(.fetch(1, [.bodySection(SectionSpecifier(text: .headerFields(["DATE", "FROM"])), origin: nil,
                                                        data: bytes("Date: x\r\n\r\n"))])),
                       "* 1 FETCH (BODY[HEADER.FIELDS (DATE FROM)] {11}\r\nDate: x\r\n\r\n)\r\n")
        XCTAssertEqual(untagged(.fetch(2, [.bodySection(SectionSpecifier(part: [1, 2], text: .mime), origin: 0, data: bytes("ab")),
                                           .bodySection(.complete, origin: nil, data: nil)])),
                       "* 2 FETCH (BODY[1.2.MIME]<0> {2}\r\nab BODY[] NIL)\r\n")
        XCTAssertEqual(untagged(.fetch(3, [.binary(part: [1], origin: nil, data: [0x41, 0, 0x42]), .binarySize(part: [1], size: 3),
                                           .binary(part: [2], origin: 4, data: bytes("ok"))])),
                       "* 3 FETCH (BINARY[1] ~{3}\r\nA\0B BINARY.SIZE[1] 3 BINARY[2]<4> {2}\r\nok)\r\n")
        XCTAssertEqual(untagged(.fetch(4, [.rfc822(bytes("a\r\n")), .rfc822Header(nil), .rfc822Text(bytes("t"))])),
                       "* 4 FETCH (RFC822 {3}\r\na\r\n RFC822.HEADER NIL RFC822.TEXT {1}\r\nt)\r\n")
    }

    func testByteBufferOutput() {
        var buffer = ByteBufferAllocatorForTests.buffer()
        IMAPResponseEncoder.write(.continuation("go"), into: &buffer)
        XCTAssertEqual(buffer.readString(length: buffer.readableBytes), "+ go\r\n")
    }
}

import NIOCore
enum ByteBufferAllocatorForTests {
    static func buffer() -> ByteBuffer { ByteBufferAllocator().buffer(capacity: 16) }
}
