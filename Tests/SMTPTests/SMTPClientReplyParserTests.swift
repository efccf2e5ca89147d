// The client's pure parts: the reply parser (RFC 5321 §4.2, RFC 2034
// enhanced codes, bounds against hostile servers), EHLO capabilities and
// the MAIL/RCPT command lines with their ESMTP parameters.
import MailStore
import XCTest
@testable import SMTP

final class SMTPClientReplyParserTests: XCTestCase {
    private func parse(_ text: String) throws -> [SMTPReceivedReply] {
        var parser = SMTPReplyParser()
        parser.append(Array(text.utf8))
        var replies: [SMTPReceivedReply] = []
        while let reply = try parser.next() { replies.append(reply) }
        return replies
    }

    func testSingleLineReplyWithEnhancedCode() throws {
        let replies = try parse("250 2.1.5 recipient ok\r\n")
        XCTAssertEqual(replies, [SMTPReceivedReply(code: 250, lines: ["2.1.5 recipient ok"])])
        XCTAssertEqual(replies[0].reply, SMTPClientReply(code: 250, enhancedStatus: "2.1.5", text: "recipient ok"))
    }

    func testMultiLineReplyJoinsTextAndStripsEveryEnhancedCode() throws {
        let replies = try parse("550-5.1.1 no such user\r\n550-5.1.1 really\r\n550 5.1.1 gone\r\n")
        XCTAssertEqual(replies.count, 1)
        XCTAssertEqual(replies[0].lines.count, 3)
        XCTAssertEqual(replies[0].reply, SMTPClientReply(code: 550, enhancedStatus: "5.1.1", text: "no such user really gone"))
        XCTAssertEqual(replies[0].reply.description, "550 5.1.1 no such user really gone")
    }

    func testEnhancedCodeOfAnotherClassIsText() throws {
        let reply = try XCTUnwrap(parse("550 2.1.1 odd\r\n").first).reply
        XCTAssertNil(reply.enhancedStatus)
        XCTAssertEqual(reply.text, "2.1.1 odd")
        XCTAssertNil(try XCTUnwrap(parse("250 1.2.3 x\r\n").first).reply.enhancedStatus)
        XCTAssertNil(try XCTUnwrap(parse("250 2.1234.3 x\r\n").first).reply.enhancedStatus)
    }

    func testCodeOnlyLineAndBareLineFeed() throws {
        let replies = try parse("250\n354 go\n")
        XCTAssertEqual(replies.map(\.code), [250, 354])
        XCTAssertEqual(replies[0].reply.text, "")
    }

    func testRepliesSplitAcrossReadsAndSeveralInOneRead() throws {
        var parser = SMTPReplyParser()
        parser.append(Array("250-mx.test\r\n250-PIPE".utf8))
        XCTAssertNil(try parser.next())
        XCTAssertTrue(parser.isInsideReply)
        parser.append(Array("LINING\r\n250 SIZE 100\r".utf8))
        XCTAssertNil(try parser.next())
        parser.append(Array("\n250 2.1.0 ok\r\n25".utf8))
        XCTAssertEqual(try parser.next()?.lines, ["mx.test", "PIPELINING", "SIZE 100"])
        XCTAssertEqual(try parser.next()?.reply.enhancedStatus, "2.1.0")
        XCTAssertNil(try parser.next())
        XCTAssertEqual(parser.bufferedByteCount, 2)
    }

    func testMalformedLinesAreErrors() {
        for text in ["hello\r\n", "25\r\n", "2500 x\r\n", "250x\r\n", "650 nope\r\n", "190 low\r\n", "270 x\r\n", "\r\n"] {
            XCTAssertThrowsError(try parse(text), text) { error in
                guard case .malformedLine = error as? SMTPReplyParseError else {
                    return XCTFail("\(text): \(error)")
                }
            }
        }
    }

    func testContinuationWithAnotherCodeIsAnError() {
        XCTAssertThrowsError(try parse("250-first\r\n251 second\r\n")) { error in
            XCTAssertEqual(error as? SMTPReplyParseError, .inconsistentCode("251 second"))
        }
    }

    func testOverlongLineIsAnErrorEvenWithoutLineEnd() {
        var parser = SMTPReplyParser()
        parser.append(Array("250 ".utf8) + Array(repeating: UInt8(ascii: "a"), count: SMTPReplyParser.maxLineLength))
        XCTAssertThrowsError(try parser.next()) { XCTAssertEqual($0 as? SMTPReplyParseError, .lineTooLong) }
        XCTAssertThrowsError(try parse("250 " + String(repeating: "b", count: 5000) + "\r\n")) {
            XCTAssertEqual($0 as? SMTPReplyParseError, .lineTooLong)
        }
    }

    func testTooManyLinesIsAnError() {
        let text = String(repeating: "250-more\r\n", count: SMTPReplyParser.maxLines + 5) + "250 end\r\n"
        XCTAssertThrowsError(try parse(text)) { XCTAssertEqual($0 as? SMTPReplyParseError, .tooManyLines) }
        XCTAssertNoThrow(try parse(String(repeating: "250-more\r\n", count: SMTPReplyParser.maxLines - 1) + "250 end\r\n"))
    }

    func testControlCharactersAndInvalidUTF8AreReplaced() throws {
        var parser = SMTPReplyParser()
        parser.append([0x32, 0x35, 0x30, 0x20, 0x61, 0x00, 0x1B, 0xFF, 0x62, 0x0D, 0x0A])
        let reply = try XCTUnwrap(try parser.next())
        XCTAssertEqual(reply.lines, ["a??\u{FFFD}b"])
    }
}

final class EHLOCapabilitiesTests: XCTestCase {
    func testKeywordsAndParameters() {
        let capabilities = EHLOCapabilities(ehloLines: [
            "mx.test greets you", "pipelining", "SIZE 35882577", "8BITMIME", "SMTPUTF8", "STARTTLS",
            "AUTH PLAIN login", "AUTH=CRAM-MD5", "DSN", "ENHANCEDSTATUSCODES", "CHUNKING", "X-UNKNOWN foo",
        ])
        XCTAssertTrue(capabilities.pipelining)
        XCTAssertEqual(capabilities.maximumSize, 35_882_577)
        XCTAssertTrue(capabilities.eightBitMIME)
        XCTAssertTrue(capabilities.smtpUTF8)
        XCTAssertTrue(capabilities.startTLS)
        XCTAssertEqual(capabilities.authMechanisms, ["PLAIN", "LOGIN", "CRAM-MD5"])
        XCTAssertTrue(capabilities.dsn)
        XCTAssertTrue(capabilities.enhancedStatusCodes)
        XCTAssertTrue(capabilities.refusesSize(35_882_578))
        XCTAssertFalse(capabilities.refusesSize(35_882_577))
    }

    func testTheFirstLineIsNotAKeywordAndSizeWithoutLimit() {
        let capabilities = EHLOCapabilities(ehloLines: ["PIPELINING", "SIZE", "SIZE junk"])
        XCTAssertFalse(capabilities.pipelining)
        XCTAssertEqual(capabilities.maximumSize, 0)
        XCTAssertFalse(capabilities.refusesSize(Int.max))
        XCTAssertFalse(EHLOCapabilities.none.refusesSize(Int.max))
        XCTAssertNil(EHLOCapabilities.none.maximumSize)
    }
}

final class SMTPClientCommandTests: XCTestCase {
    private let everything = EHLOCapabilities(ehloLines: ["mx", "SIZE 1000", "8BITMIME", "SMTPUTF8", "DSN"])

    func testMailWithEveryParameter() {
        let transaction = OutboundTransaction(sender: "a@example.org", recipients: [], body: Array("hi\r\n".utf8),
                                              bodyType: .eightBitMIME, smtpUTF8: true, ret: .headers,
                                              envelopeID: "id 1+2=3")
        XCTAssertEqual(SMTPClientCommands.mail(transaction, capabilities: everything, bodyType: .eightBitMIME, smtpUTF8: true),
                       "MAIL FROM:<a@example.org> SIZE=4 BODY=8BITMIME SMTPUTF8 RET=HDRS ENVID=id+201+2B2+3D3\r\n")
        XCTAssertEqual(SMTPClientCommands.mail(transaction, capabilities: .none, bodyType: .eightBitMIME, smtpUTF8: true),
                       "MAIL FROM:<a@example.org>\r\n")
    }

    func testNullSender() {
        let transaction = OutboundTransaction(sender: "", recipients: [], body: [])
        XCTAssertEqual(SMTPClientCommands.mail(transaction, capabilities: .none, bodyType: .sevenBit, smtpUTF8: false),
                       "MAIL FROM:<>\r\n")
    }

    func testRcptWithDSNParameters() {
        let recipient = OutboundTransactionRecipient(
            address: "b@mx.test", notify: [.success, .failure],
            originalRecipient: OriginalRecipientAddress(addressType: "rfc822", address: "b+x=y@old.test"))
        XCTAssertEqual(SMTPClientCommands.rcpt(recipient, capabilities: everything, smtpUTF8: false),
                       "RCPT TO:<b@mx.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;b+2Bx+3Dy@old.test\r\n")
        XCTAssertEqual(SMTPClientCommands.rcpt(recipient, capabilities: .none, smtpUTF8: false), "RCPT TO:<b@mx.test>\r\n")
        let never = OutboundTransactionRecipient(address: "c@mx.test", notify: .never)
        XCTAssertEqual(SMTPClientCommands.rcpt(never, capabilities: everything, smtpUTF8: false),
                       "RCPT TO:<c@mx.test> NOTIFY=NEVER\r\n")
    }

    func testUTF8OriginalRecipient() {
        let recipient = OutboundTransactionRecipient(
            address: "d@mx.test", originalRecipient: OriginalRecipientAddress(addressType: "utf-8", address: "jörg@old.test"))
        XCTAssertEqual(SMTPClientCommands.rcpt(recipient, capabilities: everything, smtpUTF8: true),
                       "RCPT TO:<d@mx.test> ORCPT=utf-8;jörg@old.test\r\n")
        XCTAssertEqual(SMTPClientCommands.rcpt(recipient, capabilities: everything, smtpUTF8: false),
                       "RCPT TO:<d@mx.test> ORCPT=utf-8;j+C3+B6rg@old.test\r\n")
    }

    func testAuthPlain() {
        XCTAssertEqual(SMTPClientCommands.authPlain(SMTPClientCredentials(username: "tim", password: "tanstaaftanstaaf")),
                       "AUTH PLAIN AHRpbQB0YW5zdGFhZnRhbnN0YWFm\r\n")
    }

    func testUnsafePathsAreRecognised() {
        XCTAssertTrue(SMTPClientCommands.isSafePath("a@b.test"))
        XCTAssertTrue(SMTPClientCommands.isSafePath("jörg@b.test"))
        for path in ["a@b>\r\nRSET", "a b@c", "a<@b", "a@b\u{7F}", "a\0@b"] {
            XCTAssertFalse(SMTPClientCommands.isSafePath(path), path)
        }
    }
}
