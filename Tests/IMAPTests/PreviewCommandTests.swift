import Foundation
import MailCore
import MailStore
import XCTest
@testable import IMAP

/// PREVIEW (RFC 8970): the fetch attribute with and without LAZY, and
/// the preview text of plain, quoted-printable, HTML and text-less mail.
final class PreviewCommandTests: IMAPSessionTestCase {
    func testParsing() {
        let one: SequenceSet = .elements([.single(.number(1))])
        let table: [(String, [FetchAttribute])] = [
            ("a FETCH 1 PREVIEW", [.preview]),
            ("a FETCH 1 (PREVIEW)", [.preview]),
            ("a FETCH 1 (PREVIEW (LAZY))", [.preview]),
            ("a FETCH 1 (preview (lazy) FLAGS)", [.preview, .flags]),
            ("a FETCH 1 (UID PREVIEW FLAGS)", [.uid, .preview, .flags]),
        ]
        for (input, attributes) in table {
            XCTAssertEqual(command(input), .fetch(one, attributes, modifiers: [], uid: false), input)
        }
        for input in ["a FETCH 1 (PREVIEW (FUZZY))", "a FETCH 1 (PREVIEW ())", "a FETCH 1 (PREVIEW (LAZY)"] {
            XCTAssertNotNil(rejection(input), input)
        }
    }

    func testPreviewOfPlainQuotedPrintableHTMLAndTextlessMail() async throws {
        let messages = [
            // RFC 8970 §5's kind of message: a plain text body.
            "Subject: plain\r\n\r\nHello Bob,\r\n\r\nthe meeting   is at 10.\r\n",
            "Subject: qp\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n"
                + "\r\n> quoted line\r\nCaf=E9 cr=E8me =\r\nbr=FBl=E9e\r\n",
            "Subject: html\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\n"
                + "Content-Type: text/html\r\n\r\n<html><head><style>p{}</style></head><body><p>Hi &amp; welcome</p></body></html>\r\n--b--\r\n",
            "Subject: attachment only\r\nMIME-Version: 1.0\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\r\n",
        ]
        for message in messages {
            _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: Array(message.utf8), internalDate: Date()))
        }
        let client = await selectedClient()
        let capability = await client.send("C CAPABILITY\r\n")
        XCTAssertTrue(capabilities(in: capability).contains("PREVIEW"))
        await expectEqual(await client.send("F FETCH 1:4 (PREVIEW)\r\n"), """
            * 1 FETCH (PREVIEW "Hello Bob, the meeting is at 10.")\r
            * 2 FETCH (PREVIEW {21}\r
            Café crème brûlée)\r
            * 3 FETCH (PREVIEW "Hi & welcome")\r
            * 4 FETCH (PREVIEW "")\r
            F OK FETCH completed\r

            """)
        let lazy = await client.send("L UID FETCH 1 (PREVIEW (LAZY))\r\n")
        XCTAssertTrue(lazy.contains("PREVIEW \"Hello Bob, the meeting is at 10.\""), lazy)
        let seen = await client.send("S FETCH 1 (FLAGS)\r\n")
        XCTAssertFalse(seen.contains("\\Seen"), "PREVIEW does not set \\Seen: \(seen)")
    }
}
