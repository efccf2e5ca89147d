import XCTest
import MailCore
@testable import SMTP

final class SMTPCommandParserTests: XCTestCase {
    func parse(_ text: String) -> Result<SMTPCommand, SMTPCommandError> {
        SMTPCommandParser.parse(Array(text.utf8))
    }

    func command(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> SMTPCommand? {
        switch parse(text) {
        case .success(let command): return command
        case .failure(let error):
            XCTFail("\(text): \(error)", file: file, line: line)
            return nil
        }
    }

    func error(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> SMTPCommandError? {
        switch parse(text) {
        case .success(let command):
            XCTFail("\(text) parsed as \(command)", file: file, line: line)
            return nil
        case .failure(let error): return error
        }
    }

    func path(_ local: String, _ domain: String, route: [String] = []) -> SMTPPath {
        SMTPPath(mailbox: EmailAddress(localPart: local, domain: domain), route: route)
    }

    func testSimpleCommands() {
        XCTAssertEqual(command("EHLO client.example"), .ehlo("client.example"))
        XCTAssertEqual(command("helo [192.0.2.1]"), .helo("[192.0.2.1]"))
        XCTAssertEqual(command("DATA"), .data)
        XCTAssertEqual(command("rset"), .rset)
        XCTAssertEqual(command("NOOP anything at all"), .noop)
        XCTAssertEqual(command("QUIT"), .quit)
        XCTAssertEqual(command("HELP"), .help(nil))
        XCTAssertEqual(command("HELP MAIL"), .help("MAIL"))
        XCTAssertEqual(command("VRFY alice"), .vrfy("alice"))
        XCTAssertEqual(command("STARTTLS"), .startTLS)
        XCTAssertEqual(command("BDAT 0 LAST"), .bdat(size: 0, last: true))
        XCTAssertEqual(command("bdat 1000 last"), .bdat(size: 1000, last: true))
        XCTAssertEqual(command("BDAT 86"), .bdat(size: 86, last: false))
        XCTAssertEqual(command("AUTH plain"), .auth(mechanism: "PLAIN", initialResponse: nil))
        XCTAssertEqual(command("AUTH PLAIN AGFsaWNlAHNlY3JldA=="),
                       .auth(mechanism: "PLAIN", initialResponse: "AGFsaWNlAHNlY3JldA=="))
    }

    func testMailPaths() {
        XCTAssertEqual(command("MAIL FROM:<>"), .mail(from: .null, parameters: MailParameters()))
        XCTAssertEqual(command("MAIL FROM:<a@Example.ORG>"),
                       .mail(from: .path(path("a", "example.org")), parameters: MailParameters()))
        XCTAssertEqual(command("mail from: <a@example.org>"),
                       .mail(from: .path(path("a", "example.org")), parameters: MailParameters()))
        XCTAssertEqual(command("MAIL FROM:a@example.org"),
                       .mail(from: .path(path("a", "example.org")), parameters: MailParameters()))
        XCTAssertEqual(command("MAIL FROM:<\"john doe>\"@example.org>"),
                       .mail(from: .path(path("john doe>", "example.org")), parameters: MailParameters()))
        XCTAssertEqual(command("RCPT TO:<@a.example,@b.example:user@c.example>"),
                       .rcpt(to: .path(path("user", "c.example", route: ["a.example", "b.example"])),
                             parameters: RecipientParameters()))
        XCTAssertEqual(command("RCPT TO:<Postmaster>"), .rcpt(to: .postmaster, parameters: RecipientParameters()))
        XCTAssertEqual(command("RCPT TO:<user@[192.0.2.1]>"),
                       .rcpt(to: .path(path("user", "[192.0.2.1]")), parameters: RecipientParameters()))
        XCTAssertEqual(command("RCPT TO:<user@[IPv6:2001:db8::1]>"),
                       .rcpt(to: .path(path("user", "[ipv6:2001:db8::1]")), parameters: RecipientParameters()))
        XCTAssertEqual(command("RCPT TO:<user@example.org.>"),
                       .rcpt(to: .path(path("user", "example.org.")), parameters: RecipientParameters()))
        XCTAssertEqual(command("RCPT TO:<\"user@other.example\"@example.org>"),
                       .rcpt(to: .path(path("user@other.example", "example.org")), parameters: RecipientParameters()))
        XCTAssertEqual(command("RCPT TO:<δοκιμή@παράδειγμα.δοκιμή> "),
                       .rcpt(to: .path(path("δοκιμή", "παράδειγμα.δοκιμή")), parameters: RecipientParameters()))
    }

    func testParameters() {
        XCTAssertEqual(command("MAIL FROM:<a@b.example> SIZE=1000 BODY=8bitmime SMTPUTF8 RET=HDRS ENVID=QQ+2B1 AUTH=<>"),
                       .mail(from: .path(path("a", "b.example")),
                             parameters: MailParameters(size: 1000, body: .eightBitMIME, smtpUTF8: true, ret: .headers,
                                                        envelopeID: "QQ+1", auth: .unknown)))
        XCTAssertEqual(command("MAIL FROM:<a@b.example> BODY=BINARYMIME AUTH=e+3Dmc2@example.com"),
                       .mail(from: .path(path("a", "b.example")),
                             parameters: MailParameters(body: .binaryMIME, auth: .identity("e=mc2@example.com"))))
        XCTAssertEqual(command("RCPT TO:<a@b.example> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;a+2Bx@b.example"),
                       .rcpt(to: .path(path("a", "b.example")),
                             parameters: RecipientParameters(notify: .on(success: true, failure: false, delay: true),
                                                             originalRecipient: OriginalRecipient(
                                                                addressType: "rfc822", address: "a+x@b.example"))))
        XCTAssertEqual(command("RCPT TO:<a@b.example> NOTIFY=never"),
                       .rcpt(to: .path(path("a", "b.example")), parameters: RecipientParameters(notify: .never)))
    }

    func testRoundTrips() {
        let commands: [SMTPCommand] = [
            .ehlo("client.example"), .helo("client.example"), .data, .rset, .noop, .quit, .help(nil),
            .help("DATA"), .vrfy("bob"), .startTLS, .bdat(size: 42, last: false), .bdat(size: 0, last: true),
            .auth(mechanism: "LOGIN", initialResponse: nil), .auth(mechanism: "PLAIN", initialResponse: "="),
            .mail(from: .null, parameters: MailParameters()),
            .mail(from: .path(path("first.last", "example.org")),
                  parameters: MailParameters(size: 12, body: .sevenBit, smtpUTF8: true, ret: .full,
                                             envelopeID: "a b=c+d", auth: .identity("x@y.example"))),
            .mail(from: .path(path("a b", "example.org")), parameters: MailParameters(auth: .unknown)),
            .rcpt(to: .postmaster, parameters: RecipientParameters()),
            .rcpt(to: .path(path("u", "c.example", route: ["a.example", "b.example"])),
                  parameters: RecipientParameters(notify: .on(success: false, failure: true, delay: false),
                                                  originalRecipient: OriginalRecipient(addressType: "rfc822",
                                                                                       address: "U@c.example"))),
            .rcpt(to: .path(path("ünï", "exämple.org")), parameters: RecipientParameters(notify: .never)),
            .rcpt(to: .path(path("x", "[192.0.2.1]")), parameters: RecipientParameters()),
        ]
        for original in commands {
            XCTAssertEqual(command(original.encoded), original, original.encoded)
        }
    }

    func testMalformedCommands() {
        XCTAssertEqual(error(""), .emptyLine)
        XCTAssertEqual(error("   "), .emptyLine)
        XCTAssertEqual(error("FOO bar"), .unknownCommand("FOO"))
        XCTAssertEqual(error("EXPN list"), .unknownCommand("EXPN"))
        XCTAssertEqual(error("MAIL FROM:<a@b.example>\0"), .invalidCharacters)
        XCTAssertEqual(error("MAIL\tFROM:<a@b.example>"), .invalidCharacters)
        XCTAssertEqual(SMTPCommandParser.parse([0x4E, 0x4F, 0x4F, 0x50, 0x20, 0xFF]), .failure(.invalidCharacters))
        if case .syntax? = error("EHLO") {} else { XCTFail("EHLO without domain") }
        if case .syntax? = error("EHLO a b") {} else { XCTFail("EHLO with two words") }
        if case .syntax? = error("DATA now") {} else { XCTFail("DATA with an argument") }
        if case .syntax? = error("MAIL TO:<a@b.example>") {} else { XCTFail("MAIL TO") }
        if case .syntax? = error("BDAT") {} else { XCTFail("BDAT without size") }
        if case .syntax? = error("BDAT -1") {} else { XCTFail("negative BDAT") }
        if case .syntax? = error("BDAT 10 FIRST") {} else { XCTFail("BDAT FIRST") }
        if case .syntax? = error("BDAT 9999999999999999999") {} else { XCTFail("huge BDAT") }
        if case .syntax? = error("AUTH") {} else { XCTFail("AUTH without mechanism") }
        if case .syntax? = error("VRFY") {} else { XCTFail("VRFY without argument") }
        for bad in ["MAIL FROM:<a@b.example", "MAIL FROM:<@b.example>", "MAIL FROM:<a..b@c.example>",
                    "MAIL FROM:<a@-b.example>", "MAIL FROM:<a@b..example>", "MAIL FROM:<a b@c.example>",
                    "MAIL FROM:<a@[300.1.1.1]>", "MAIL FROM:<a@b.example>x", "MAIL FROM:<\"a@b.example>",
                    "MAIL FROM:<\(String(repeating: "x", count: 65))@b.example>"] {
            if case .badSenderAddress? = error(bad) {} else { XCTFail(bad) }
        }
        for bad in ["RCPT TO:<>", "RCPT TO:<user>", "RCPT TO:<@a.example:>", "RCPT TO:<@:a@b.example>"] {
            if case .badRecipientAddress? = error(bad) {} else { XCTFail(bad) }
        }
        XCTAssertEqual(error("MAIL FROM:<a@b.example> FOO=BAR"), .unknownParameter("FOO"))
        XCTAssertEqual(error("RCPT TO:<a@b.example> SIZE=10"), .unknownParameter("SIZE"))
        XCTAssertEqual(error("MAIL FROM:<a@b.example> SIZE=1 SIZE=2"), .invalidParameter("SIZE given twice"))
        XCTAssertEqual(error("MAIL FROM:<a@b.example> SIZE=abc"), .invalidParameter("SIZE"))
        XCTAssertEqual(error("MAIL FROM:<a@b.example> BODY=9BIT"), .invalidParameter("BODY"))
        XCTAssertEqual(error("MAIL FROM:<a@b.example> SMTPUTF8=yes"), .invalidParameter("SMTPUTF8"))
        XCTAssertEqual(error("MAIL FROM:<a@b.example> ENVID=a+zz"), .invalidParameter("ENVID"))
        XCTAssertEqual(error("RCPT TO:<a@b.example> NOTIFY=NEVER,SUCCESS"), .invalidParameter("NOTIFY"))
        XCTAssertEqual(error("RCPT TO:<a@b.example> ORCPT=nosemicolon"), .invalidParameter("ORCPT"))
        // The line bound (512 with CRLF), larger for AUTH.
        if case .syntax? = error("NOOP " + String(repeating: "x", count: 506)) {} else { XCTFail("long line") }
        XCTAssertEqual(command("AUTH PLAIN " + String(repeating: "A", count: 2000)),
                       .auth(mechanism: "PLAIN", initialResponse: String(repeating: "A", count: 2000)))
    }

    func testErrorReplies() {
        XCTAssertEqual(SMTPCommandError.unknownCommand("X").reply.text, "500 5.5.1 Command unrecognized\r\n")
        XCTAssertEqual(SMTPCommandError.unknownParameter("FOO").reply.text, "555 5.5.4 Unsupported parameter FOO\r\n")
        XCTAssertTrue(SMTPCommandError.syntax(command: "X", reason: "y").reply.text.hasPrefix("501 5.5.4 "))
        XCTAssertTrue(SMTPCommandError.badRecipientAddress("y").reply.text.hasPrefix("501 5.1.3 "))
    }

    func testReplyEncoding() {
        XCTAssertEqual(SMTPReply(.ok, 2, 0, 0, "OK").text, "250 2.0.0 OK\r\n")
        XCTAssertEqual(SMTPReply(.ok, nil, ["host", "SIZE 10", "HELP"]).text, "250-host\r\n250-SIZE 10\r\n250 HELP\r\n")
        XCTAssertEqual(SMTPReply(.helpMessage, .success, ["a", "b"]).text, "214-2.0.0 a\r\n214 2.0.0 b\r\n")
        XCTAssertEqual(SMTPReply(.authenticationChallenge, nil, "").text, "334 \r\n")
        // Nothing from a client can start a new reply line.
        XCTAssertEqual(SMTPReply(.ok, nil, "a\r\n250 b").text, "250 a  250 b\r\n")
    }

    func testXText() {
        XCTAssertEqual(XText.encode("a+b=c d"), "a+2Bb+3Dc+20d")
        XCTAssertEqual(XText.decode("a+2Bb+3Dc+20d"), "a+b=c d")
        XCTAssertNil(XText.decode("a+2b"))  // HEXCHAR is upper case only
        XCTAssertNil(XText.decode("a+2"))
        XCTAssertNil(XText.decode("a=b"))
    }
}
