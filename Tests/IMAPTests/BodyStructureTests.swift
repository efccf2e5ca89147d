import MailCore
import XCTest
@testable import IMAP

/// ENVELOPE and BODY/BODYSTRUCTURE of a multipart message parsed by MailCore,
/// against hand-written RFC 9051 §7.5.2 text.
final class BodyStructureTests: XCTestCase {
    let message = [
        "From: Fred Foobar <foobar@Blurdybloop.example>",
        "To: mooch@owatagu.siam.edu.example, \"A B\" <ab@x.example>",
        "Subject: afternoon meeting",
        "Date: Wed, 17 Jul 1996 02:23:25 -0700",
        "Message-Id: <B27397-0100000@Blurdybloop.example>",
        "MIME-Version: 1.0",
        "Content-Type: multipart/mixed; boundary=\"xyz\"",
        "",
        "--xyz",
        "Content-Type: text/plain; charset=UTF-8",
        "",
        "Hello Joe",
        "second line",
        "--xyz",
        "Content-Type: application/octet-stream; name=\"a.bin\"",
        "Content-Transfer-Encoding: base64",
        "Content-Disposition: attachment; filename=\"a.bin\"",
        "",
        "AAEC",
        "--xyz--",
        "",
    ].joined(separator: "\r\n")

    func fetch(_ items: [FetchItem]) -> String {
        text(IMAPResponseEncoder.encode(.untagged(.fetch(1, items))))
    }

    func testEnvelope() {
        let parsed = ParsedMessage.parse(bytes(message))
        let fred = "((\"Fred Foobar\" NIL \"foobar\" \"blurdybloop.example\"))"
        XCTAssertEqual(fetch([.envelope(parsed.envelope)]),
                       "* 1 FETCH (ENVELOPE (\"Wed, 17 Jul 1996 02:23:25 -0700\" \"afternoon meeting\" \(fred) \(fred) \(fred) "
                       + "((NIL NIL \"mooch\" \"owatagu.siam.edu.example\")(\"A B\" NIL \"ab\" \"x.example\")) NIL NIL NIL "
                       + "\"<B27397-0100000@Blurdybloop.example>\"))\r\n")
    }

    func testBodyStructure() {
        let parsed = ParsedMessage.parse(bytes(message))
        XCTAssertEqual(fetch([.bodyStructure(parsed.root, extensible: true)]),
                       "* 1 FETCH (BODYSTRUCTURE ((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"UTF-8\") NIL NIL \"7BIT\" 22 1 NIL NIL NIL NIL)"
                       + "(\"APPLICATION\" \"OCTET-STREAM\" (\"NAME\" \"a.bin\") NIL NIL \"BASE64\" 4 NIL (\"ATTACHMENT\" (\"FILENAME\" \"a.bin\")) NIL NIL)"
                       + " \"MIXED\" (\"BOUNDARY\" \"xyz\") NIL NIL NIL))\r\n")
        XCTAssertEqual(fetch([.bodyStructure(parsed.root, extensible: false)]),
                       "* 1 FETCH (BODY ((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"UTF-8\") NIL NIL \"7BIT\" 22 1)"
                       + "(\"APPLICATION\" \"OCTET-STREAM\" (\"NAME\" \"a.bin\") NIL NIL \"BASE64\" 4) \"MIXED\"))\r\n")
    }

    func testEncapsulatedMessage() {
        let inner = MIMEPart(bodySize: 5, bodyLines: 1)
        let envelope = Envelope(subject: "inner", from: [EnvelopeAddress(name: nil, adl: nil, mailbox: "a", host: "b.example")])
        let part = MIMEPart(type: "message", subtype: "rfc822", parameters: [], bodySize: 40, bodyLines: 3,
                            parts: [inner], envelope: Envelope(subject: "inner"))
        XCTAssertEqual(fetch([.bodyStructure(part, extensible: false)]),
                       "* 1 FETCH (BODY (\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" 40 (NIL \"inner\" NIL NIL NIL NIL NIL NIL NIL NIL) "
                       + "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 5 1) 3))\r\n")
        XCTAssertEqual(fetch([.envelope(envelope)]),
                       "* 1 FETCH (ENVELOPE (NIL \"inner\" ((NIL NIL \"a\" \"b.example\")) NIL NIL NIL NIL NIL NIL NIL))\r\n")
    }

    /// 8-bit text goes out as a literal to rev1 clients; quotes inside stay intact.
    func testSubjectWithQuotesAndEightBit() {
        let envelope = Envelope(subject: "say \"hi\" — now")
        XCTAssertEqual(fetch([.envelope(envelope)]),
                       "* 1 FETCH (ENVELOPE (NIL {16}\r\nsay \"hi\" — now NIL NIL NIL NIL NIL NIL NIL NIL))\r\n")
    }
}
