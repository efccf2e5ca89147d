import MailCore
import XCTest
@testable import IMAP

/// Commands encoded back to text parse to the same value.
final class RoundTripTests: XCTestCase {
    let set: SequenceSet = .elements([.range(.number(1), .number(5)), .single(.number(9)), .range(.number(12), .last)])

    var commands: [IMAPCommand] {
        let date = MailDate(year: 2024, month: 3, day: 5, hour: 7, minute: 8, second: 9, zoneOffsetMinutes: 90)!
        let day = MailDate(year: 2024, month: 12, day: 31)!
        return [
            .capability, .noop, .logout, .starttls, .namespace, .check, .close, .unselect, .expunge, .idle,
            .compress(algorithm: "DEFLATE"),
            .getMetadata(MailboxName(""), entries: ["/private/comment"], options: MetadataOptions()),
            .getMetadata(MailboxName("a b"), entries: ["/private/a", "/shared/b"], options: MetadataOptions(maxSize: 9, depth: .infinity)),
            .getMetadata(MailboxName("INBOX"), entries: ["/private"], options: MetadataOptions(depth: .one)),
            .setMetadata(MailboxName("INBOX"), [MetadataEntryValue(entry: "/private/a", value: nil),
                                                MetadataEntryValue(entry: "/shared/b", value: [0, 1, 13, 10]),
                                                MetadataEntryValue(entry: "/private/c", value: bytes("x y"))]),
            .getQuota(root: bytes("!partition/sda4")), .getQuota(root: []), .getQuotaRoot(MailboxName("INBOX")),
            .setQuota(root: [], [QuotaResourceLimit(resource: "STORAGE", limit: 512)]), .setQuota(root: bytes("x"), []),
            .authenticate(mechanism: "PLAIN", initialResponse: bytes("AGZyZWQAc2VjcmV0")),
            .authenticate(mechanism: "LOGIN", initialResponse: nil),
            .login(user: bytes("fred"), password: bytes("pa ss\"word\\")),
            .login(user: bytes("ünïcode"), password: bytes("line\r\nbreak")),
            .login(user: bytes("NIL"), password: []),
            .enable(["UTF8=ACCEPT", "CONDSTORE"]),
            .id([IDParameter("name", "Thunderbird"), IDParameter("os", nil)]), .id(nil),
            .select(MailboxName("INBOX"), parameters: [CommandParameter(name: "CONDSTORE")]),
            .examine(MailboxName("Archive/2024"), parameters: [CommandParameter(name: "QRESYNC", value: .list([.token("1"), .token("2"), .token("1:*")]))]),
            .create(MailboxName("Drafts"), parameters: [CommandParameter(name: "USE", value: .list([.token("\\Drafts")]))]),
            .create(MailboxName("with space/ünï"), parameters: []),
            .delete(MailboxName("a]b")), .subscribe(MailboxName("x")), .unsubscribe(MailboxName("\"quoted\"")),
            .rename(from: MailboxName("old"), to: MailboxName("new name")),
            .list(ListCommand(reference: MailboxName(""), patterns: [bytes("*")])),
            .list(ListCommand(selectOptions: [.subscribed, .remote, .recursiveMatch, .specialUse, .other("X-FOO")],
                              reference: MailboxName("ref"), patterns: [bytes("%"), bytes("a b*"), []],
                              returnOptions: [.subscribed, .children, .specialUse, .status(StatusAttribute.allCases), .other("MYRETURN")])),
            .lsub(reference: MailboxName(""), pattern: bytes("*")),
            .status(MailboxName("INBOX"), [.messages, .size]),
            .append(MailboxName("Sent"), [AppendMessage(flags: ["\\Seen", "$Label1"], date: date, data: bytes("Subject: x\r\n\r\nbody\r\n")),
                                          AppendMessage(data: [1, 2, 0, 3], isBinary: true), AppendMessage(data: [])]),
            .uidExpunge(set),
            .search(SearchCommand(key: .all), uid: false),
            .search(SearchCommand(returnOptions: [.min, .max, .all, .count, .save], charset: "UTF-8", key: .and([
                .or(.keyword("$Junk"), .not(.unkeyword("x"))), .header(field: "List-Id", value: bytes("<a.b>")),
                .before(day), .on(day), .since(day), .sentBefore(day), .sentOn(day), .sentSince(day),
                .larger(1), .smaller(2), .uid(.savedResult), .sequenceSet(set), .subject(bytes("grüße")), .text(bytes("")),
                .modSeq(entry: (bytes("/flags/\\seen"), "SHARED"), value: 5), .modSeq(entry: nil, value: 7),
                .and([.new, .old, .recent]),
            ])), uid: true),
            .search(SearchCommand(returnOptions: [], key: .or(.seen, .flagged)), uid: false),
            .fetch(set, FetchAttribute.full + [.uid, .modSeq, .bodyStructure, .rfc822, .rfc822Header, .rfc822Text,
                                               .bodySection(.complete, partial: PartialRange(offset: 0, length: 100), peek: true),
                                               .bodySection(SectionSpecifier(part: [1, 2, 3], text: .mime), partial: nil, peek: false),
                                               .bodySection(SectionSpecifier(part: [2], text: .headerFields(["Subject", "X Y"])), partial: nil, peek: false),
                                               .bodySection(SectionSpecifier(text: .headerFieldsNot(["Received"])), partial: nil, peek: true),
                                               .bodySection(SectionSpecifier(part: [4]), partial: nil, peek: false),
                                               .binary(part: [], partial: nil, peek: true), .binary(part: [3, 1], partial: PartialRange(offset: 5, length: 6), peek: false),
                                               .binarySize(part: [1])],
                   modifiers: [.changedSince(99), .vanished], uid: true),
            .store(.savedResult, unchangedSince: 3, StoreAction(operation: .remove, silent: true, flags: ["\\Deleted"]), uid: true),
            .store(set, unchangedSince: nil, StoreAction(operation: .replace, flags: []), uid: false),
            .copy(set, MailboxName("Trash"), uid: false), .copy(set, MailboxName("Trash"), uid: true),
            .move(set, MailboxName("Junk"), uid: false), .move(.savedResult, MailboxName("Junk"), uid: true),
        ]
    }

    func testRoundTrip() {
        for (index, original) in commands.enumerated() {
            let tagged = TaggedCommand(tag: "t\(index)", command: original)
            let encoded = IMAPWriter.encode(tagged)
            var parser = IMAPCommandParser()
            let result = parser.feed(encoded)
            XCTAssertEqual(result, [.command(tagged)], text(encoded))
        }
    }

    func testRoundTripWithSynchronisingLiterals() {
        let tagged = TaggedCommand(tag: "x", command: .login(user: bytes("a\r\nb"), password: bytes("ü")))
        var writer = IMAPWriter(literalStyle: .synchronizing)
        writer.writeCommand(tagged)
        writer.crlf()
        XCTAssertEqual(text(writer.bytes), "x LOGIN {4}\r\na\r\nb {2}\r\nü\r\n")
        XCTAssertEqual(events(text(writer.bytes)), [.needsContinuation, .needsContinuation, .command(tagged)])
    }

    func testSequenceSetFromNumbers() {
        XCTAssertEqual(SequenceSet(numbers: [7, 1, 2, 3, 9, 10]).text, "1:3,7,9:10")
        XCTAssertEqual(SequenceSet(numbers: []).text, "")
        XCTAssertEqual(SequenceSet(numbers: [UInt32.max, 5]).text, "5,4294967295")
    }
}
