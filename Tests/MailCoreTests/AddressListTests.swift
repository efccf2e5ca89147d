import XCTest
@testable import MailCore

final class AddressListTests: XCTestCase {
    func testDisplayNamesAndAngleAddresses() {
        let entries = AddressListParser.parse("\"Doe, John\" <John@Example.com>, Mary Smith <mary@x.test>, bare@y.test")
        XCTAssertEqual(entries, [
            .mailbox(MailboxAddress(displayName: "Doe, John", localPart: "John", domain: "example.com")),
            .mailbox(MailboxAddress(displayName: "Mary Smith", localPart: "mary", domain: "x.test")),
            .mailbox(MailboxAddress(localPart: "bare", domain: "y.test")),
        ])
    }

    func testGroups() {
        let entries = AddressListParser.parse("A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;, Undisclosed recipients:;")
        XCTAssertEqual(entries, [
            .group(name: "A Group", members: [
                MailboxAddress(displayName: "Ed Jones", localPart: "c", domain: "a.test"),
                MailboxAddress(localPart: "joe", domain: "where.test"),
                MailboxAddress(displayName: "John", localPart: "jdoe", domain: "one.test"),
            ]),
            .group(name: "Undisclosed recipients", members: []),
        ])
        let envelope = EnvelopeAddress.list(entries)
        XCTAssertEqual(envelope.count, 7)
        XCTAssertEqual(envelope[0], EnvelopeAddress(name: nil, adl: nil, mailbox: "A Group", host: nil))
        XCTAssertEqual(envelope[4], EnvelopeAddress(name: nil, adl: nil, mailbox: nil, host: nil))
        XCTAssertEqual(envelope[5], EnvelopeAddress(name: nil, adl: nil, mailbox: "Undisclosed recipients", host: nil))
    }

    func testCommentsEverywhere() {
        // RFC 5322 Appendix A.5.
        let entries = AddressListParser.parse("Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>")
        XCTAssertEqual(entries, [.mailbox(MailboxAddress(displayName: "Pete", localPart: "pete", domain: "silly.test"))])
    }

    func testCommentAsNameForBareAddress() {
        XCTAssertEqual(AddressListParser.parse("jdoe@example.org (John Doe)"),
                       [.mailbox(MailboxAddress(displayName: "John Doe", localPart: "jdoe", domain: "example.org"))])
    }

    func testQuotedLocalPartAndEnvelopeQuoting() {
        let entries = AddressListParser.parse("<\"john doe\"@example.org>")
        XCTAssertEqual(entries, [.mailbox(MailboxAddress(localPart: "john doe", domain: "example.org"))])
        XCTAssertEqual(EnvelopeAddress.list(entries),
                       [EnvelopeAddress(name: nil, adl: nil, mailbox: "\"john doe\"", host: "example.org")])
    }

    func testObsoleteRouteAndPhraseWithDots() {
        let entries = AddressListParser.parse("John Q. Public <@relay1.test,@relay2.test:jqp@example.test>")
        XCTAssertEqual(entries, [.mailbox(MailboxAddress(displayName: "John Q. Public", route: "@relay1.test,@relay2.test",
                                                        localPart: "jqp", domain: "example.test"))])
    }

    func testEncodedWordNameKeptRaw() {
        let entries = AddressListParser.parse("=?utf-8?q?J=C3=B6rg?= <j@x.test>")
        XCTAssertEqual(entries, [.mailbox(MailboxAddress(displayName: "=?utf-8?q?J=C3=B6rg?=", localPart: "j", domain: "x.test"))])
    }

    func testUTF8Address() {
        XCTAssertEqual(AddressListParser.parse("Jörg <jörg@bücher.test>"),
                       [.mailbox(MailboxAddress(displayName: "Jörg", localPart: "jörg", domain: "bücher.test"))])
    }

    func testMissingDomainUsesMissingHostInEnvelope() {
        let entries = AddressListParser.parse("undisclosed")
        XCTAssertEqual(entries, [.mailbox(MailboxAddress(localPart: "undisclosed", domain: nil))])
        XCTAssertEqual(EnvelopeAddress.list(entries).first?.host, EnvelopeAddress.missingHost)
    }

    func testNullAddressIsDroppedFromEnvelope() {
        let entries = AddressListParser.parse("<>")
        XCTAssertEqual(EnvelopeAddress.list(entries), [])
    }

    func testEmptyAndGarbageInputNeverCrash() {
        let inputs = ["", ",,,", "<<<>>>", "@@@", ";;;:::", "\"", "(", "a <b", "Name <a@b", ":", "<@x:", "a@", "@b",
                      "\u{0}\u{1}\u{7F}", "x@y (unterminated", "[1.2", "a:b:c;d;", "<a@b>> junk, c@d"]
        for input in inputs {
            let entries = AddressListParser.parse(input)
            XCTAssertLessThanOrEqual(entries.count, input.count, input)
        }
        XCTAssertEqual(AddressListParser.parse("Name <a@b"), [.mailbox(MailboxAddress(displayName: "Name", localPart: "a", domain: "b"))])
        XCTAssertEqual(AddressListParser.parse("<a@b>> junk, c@d"), [
            .mailbox(MailboxAddress(localPart: "a", domain: "b")),
            .mailbox(MailboxAddress(localPart: "c", domain: "d")),
        ])
    }

    func testManyAddressesAreBounded() {
        let input = Array(repeating: "a@b.c", count: AddressListParser.maxEntries + 100).joined(separator: ",")
        XCTAssertEqual(AddressListParser.parse(input).count, AddressListParser.maxEntries)
    }

    func testMailboxToEmailAddress() {
        let mailbox = MailboxAddress(localPart: "john doe", domain: "Example.org")
        XCTAssertEqual(mailbox.emailAddress, EmailAddress(localPart: "john doe", domain: "example.org"))
        XCTAssertNil(MailboxAddress(localPart: "x", domain: nil).emailAddress)
    }
}
