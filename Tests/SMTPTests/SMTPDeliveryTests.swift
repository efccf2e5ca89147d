import XCTest
import MailCore
import MailStore
@testable import SMTP

final class SMTPDeliveryTests: SMTPSessionTestCase {
    func testGreetingAndEHLO() async {
        let session = makeSession()
        XCTAssertEqual(session.greeting().text, "220 mx.example.org ESMTP Tern\r\n")
        let reply = await send(session, "EHLO client.example\r\n")
        XCTAssertEqual(reply, """
            250-mx.example.org Hello client.example\r
            250-PIPELINING\r
            250-SIZE 100000\r
            250-8BITMIME\r
            250-ENHANCEDSTATUSCODES\r
            250-STARTTLS\r
            250-SMTPUTF8\r
            250-CHUNKING\r
            250-BINARYMIME\r
            250-DSN\r
            250 HELP\r\n
            """)
        // AUTH is offered on MX only after TLS.
        let tls = makeSession(connection: Self.remoteTLS)
        let tlsReply = await send(tls, "EHLO client.example\r\n")
        XCTAssertTrue(tlsReply.contains("250-AUTH PLAIN LOGIN\r\n"))
        XCTAssertFalse(tlsReply.contains("STARTTLS"))
    }

    /// The exact stored bytes: Return-Path, Received, then the message as sent.
    func testDeliveryToAccountExactBytes() async throws {
        let session = await greetedSession()
        let reply = await send(session, "MAIL FROM:<x@client.example>\r\nRCPT TO:<Alice@Example.org>\r\nDATA\r\n")
        XCTAssertEqual(reply, "250 2.1.0 Sender OK\r\n250 2.1.5 Recipient OK\r\n354 End data with <CR><LF>.<CR><LF>\r\n")
        let done = await send(session, Self.message + "..dot\r\n.\r\n")
        XCTAssertEqual(done, "250 2.0.0 OK id=ID1\r\n")
        let expected = "Return-Path: <x@client.example>\r\n"
            + "Received: from client.example ([192.0.2.7])\r\n"
            + "\tby mx.example.org (Tern) with ESMTP id ID1\r\n"
            + "\tfor <Alice@example.org>; Tue, 14 Nov 2023 22:13:20 +0000\r\n"
            + Self.message + ".dot\r\n"
        let stored = try await inboxTexts(alice)
        XCTAssertEqual(stored, [expected])
        do { let value = try await inbox(bob); XCTAssertEqual(value, []) }
        let quit = await session.receive(Array("QUIT\r\n".utf8))
        XCTAssertEqual(quit.text, "221 2.0.0 mx.example.org closing connection\r\n")
        XCTAssertEqual(quit.action, .close)
    }

    func testReceivedHeaderWithTLSAndAuthentication() async throws {
        let session = await greetedSession(connection: Self.remoteTLS)
        _ = await send(session, "AUTH PLAIN \(plain("alice@example.org", Self.password))\r\n")
        let reply = await send(session, "MAIL FROM:<alice@example.org> SMTPUTF8\r\nRCPT TO:<bob@example.org>\r\nDATA\r\n"
                               + Self.message + ".\r\n")
        XCTAssertEqual(codes(reply), ["250 2.1.0", "250 2.1.5", "354", "250 2.0.0"])
        let stored = try await inboxTexts(bob)
        XCTAssertEqual(stored, ["Return-Path: <alice@example.org>\r\n"
            + "Received: from client.example ([192.0.2.7])\r\n"
            + "\t(using TLSv1.3 with cipher TLS_AES_128_GCM_SHA256)\r\n"
            + "\t(authenticated as alice@example.org)\r\n"
            + "\tby mx.example.org (Tern) with UTF8SMTPSA id ID1\r\n"
            + "\tfor <bob@example.org>; Tue, 14 Nov 2023 22:13:20 +0000\r\n" + Self.message])
    }

    func testAliasCatchAllAndPlusAddress() async throws {
        let session = await greetedSession()
        let reply = await send(session, "MAIL FROM:<>\r\n" + "RCPT TO:<sales@example.org>\r\n"
                               + "RCPT TO:<alice+lists@example.org>\r\n" + "RCPT TO:<anything@catchall.example>\r\n"
                               + "RCPT TO:<info@example.org>\r\n" + "DATA\r\n" + Self.message + ".\r\n")
        XCTAssertEqual(codes(reply), ["250 2.1.0", "250 2.1.5", "250 2.1.5", "250 2.1.5", "250 2.1.5", "354",
                                      "250 2.0.0"])
        // One copy per account, whatever the number of recipients reaching it.
        let aliceMail = try await inboxTexts(alice)
        XCTAssertEqual(aliceMail.count, 1)
        XCTAssertTrue(aliceMail[0].hasPrefix("Return-Path: <>\r\nReceived: "))
        // Several recipients share one stored body: the Received: field
        // names none of them (RFC 5321 §7.6).
        XCTAssertFalse(aliceMail[0].contains("\tfor <"), aliceMail[0])
        do { let value = try await inbox(bob).count; XCTAssertEqual(value, 1) }
        let carolMail = try await inboxTexts(carol)
        XCTAssertEqual(carolMail, aliceMail)
        XCTAssertTrue(carolMail[0].hasSuffix(Self.message))
        do { let value = try await inboxTexts(bob); XCTAssertEqual(value, aliceMail) }
    }

    func testAliasWithOutsideDestinationIsForwarded() async throws {
        let session = await greetedSession()
        let reply = await send(session, "MAIL FROM:<x@client.example>\r\nRCPT TO:<friends@example.org>\r\nDATA\r\n"
                               + Self.message + ".\r\n")
        XCTAssertEqual(codes(reply), ["250 2.1.0", "250 2.1.5", "354", "250 2.0.0"])
        do { let value = try await inbox(bob).count; XCTAssertEqual(value, 1) }
        XCTAssertEqual(queue.entries.map(\.recipients).map { $0.map(\.address) }, [["pal@elsewhere.example"]])
        XCTAssertEqual(queue.entries.first?.sender, "x@client.example")
    }

    func testUnknownLocalUserIsRefusedAtRCPT() async throws {
        let session = await greetedSession()
        let reply = await send(session, "MAIL FROM:<x@client.example>\r\nRCPT TO:<nobody@example.org>\r\n"
                               + "RCPT TO:<nobody+tag@example.org>\r\nDATA\r\n")
        XCTAssertEqual(codes(reply), ["250 2.1.0", "550 5.1.1", "550 5.1.1", "554 5.5.1"])
        do { let value = try await inbox(alice); XCTAssertEqual(value, []) }
    }

    func testPostmasterWithoutDomain() async throws {
        try await sqlite.addAlias(Alias(source: "postmaster@example.org", destinations: ["alice@example.org"]))
        let session = await greetedSession()
        let reply = await send(session, "MAIL FROM:<>\r\nRCPT TO:<Postmaster>\r\nDATA\r\n" + Self.message + ".\r\n")
        XCTAssertEqual(codes(reply), ["250 2.1.0", "250 2.1.5", "354", "250 2.0.0"])
        do { let value = try await inbox(alice).count; XCTAssertEqual(value, 1) }
    }

    /// RFC 2920: a whole transaction in one packet gets all its replies, in order.
    func testPipelinedTransactionInOneReceive() async throws {
        let session = makeSession()
        let output = await session.receive(Array(("EHLO c.example\r\nMAIL FROM:<x@c.example>\r\n"
            + "RCPT TO:<alice@example.org>\r\nRCPT TO:<nobody@example.org>\r\nRCPT TO:<bob@example.org>\r\n"
            + "DATA\r\n" + Self.message + ".\r\nMAIL FROM:<y@c.example>\r\nRCPT TO:<bob@example.org>\r\n"
            + "BDAT 5 LAST\r\nHelloRSET\r\nQUIT\r\n").utf8))
        XCTAssertEqual(codes(output.text), ["250", "250 2.1.0", "250 2.1.5", "550 5.1.1", "250 2.1.5", "354",
                                            "250 2.0.0", "250 2.1.0", "250 2.1.5", "250 2.0.0", "250 2.0.0",
                                            "221 2.0.0"])
        XCTAssertEqual(output.action, .close)
        do { let value = try await inbox(alice).count; XCTAssertEqual(value, 1) }
        let bobMail = try await inboxTexts(bob)
        XCTAssertEqual(bobMail.count, 2)
        XCTAssertTrue(bobMail[1].hasPrefix("Return-Path: <y@c.example>\r\n"))
        XCTAssertTrue(bobMail[1].hasSuffix(" +0000\r\nHello"))
    }

    func testBDATChunksAndBinaryMIME() async throws {
        let session = await greetedSession()
        var reply = await send(session, "MAIL FROM:<x@c.example> BODY=BINARYMIME\r\nRCPT TO:<alice@example.org>\r\nDATA\r\n")
        XCTAssertEqual(codes(reply), ["250 2.1.0", "250 2.1.5", "503 5.5.1"])
        reply = await send(session, "BDAT 13\r\nSubject: a\r\n\r")
        XCTAssertEqual(reply, "250 2.0.0 13 octets received\r\n")
        reply = await send(session, "BDAT 7 LAST\r\n\n\0bin\r\n")
        XCTAssertEqual(reply, "250 2.0.0 OK id=ID1\r\n")
        let stored = try await inbox(alice)
        guard stored.count == 1 else { return XCTFail("not stored") }
        let sent = Array("Subject: a\r\n\r\n\0bin\r\n".utf8)
        XCTAssertEqual(Array(stored[0].suffix(sent.count)), sent)
        // BDAT without MAIL: the chunk is read and refused; what follows is a command again.
        reply = await send(session, "BDAT 4 LAST\r\nQUITNOOP\r\n")
        XCTAssertEqual(codes(reply), ["503 5.5.1", "250 2.0.0"])
    }

    func testBareLineEndingsRejectedOrNormalised() async throws {
        let session = await greetedSession()
        var reply = await send(session, "MAIL FROM:<x@c.example>\r\nRCPT TO:<alice@example.org>\r\nDATA\r\n"
                               + "a\n.\nMAIL FROM:<evil@c.example>\r\n.\r\n")
        XCTAssertEqual(codes(reply), ["250 2.1.0", "250 2.1.5", "354", "550 5.6.0"])
        do { let value = try await inbox(alice); XCTAssertEqual(value, []) }
        let lenient = await greetedSession(configuration(allowBareLineEndings: true))
        reply = await send(lenient, "MAIL FROM:<x@c.example>\r\nRCPT TO:<alice@example.org>\r\nDATA\r\n"
                           + "Subject: s\r\n\r\na\n.\nMAIL FROM:<evil@c.example>\r\n.\r\n")
        XCTAssertEqual(codes(reply), ["250 2.1.0", "250 2.1.5", "354", "250 2.0.0"])
        let stored = try await inboxTexts(alice)
        XCTAssertEqual(stored.count, 1)
        XCTAssertTrue(stored[0].hasSuffix("Subject: s\r\n\r\na\r\n.\r\nMAIL FROM:<evil@c.example>\r\n"))
    }

    func testSTARTTLSDiscardsPipelinedInput() async throws {
        let session = await greetedSession()
        let output = await session.receive(Array("STARTTLS\r\nMAIL FROM:<x@c.example>\r\nRCPT TO:<alice@example.org>\r\n".utf8))
        XCTAssertEqual(output.text, "220 2.0.0 Ready to start TLS\r\n")
        XCTAssertEqual(output.action, .startTLS)
        session.tlsStarted(Self.remoteTLS)
        // The injected MAIL was dropped, and EHLO is needed again.
        let reply = await send(session, "RCPT TO:<alice@example.org>\r\nMAIL FROM:<x@c.example>\r\n")
        XCTAssertEqual(codes(reply), ["503 5.5.1", "503 5.5.1"])
        let again = await send(session, "EHLO c.example\r\nSTARTTLS\r\n")
        XCTAssertTrue(again.hasSuffix("503 5.5.1 TLS already active\r\n"), again)
    }

    func testHELOSessionRefusesParameters() async throws {
        let session = makeSession()
        let reply = await send(session, "HELO c.example\r\nMAIL FROM:<x@c.example> SIZE=10\r\nMAIL FROM:<x@c.example>\r\n"
                               + "RCPT TO:<alice@example.org>\r\nDATA\r\n" + Self.message + ".\r\n")
        XCTAssertEqual(codes(reply), ["250", "555 5.5.4", "250 2.1.0", "250 2.1.5", "354", "250 2.0.0"])
        let stored = try await inboxTexts(alice)
        XCTAssertTrue(stored.first?.contains("with SMTP id ID1") ?? false)
    }

    func testSMTPUTF8Addresses() async throws {
        _ = try await sqlite.createAccount(address: "δοκιμή@example.org", passwordHash: Self.passwordHash)
        let session = await greetedSession()
        var reply = await send(session, "MAIL FROM:<ünï@c.example>\r\n")
        XCTAssertEqual(codes(reply), ["553 5.6.7"])
        reply = await send(session, "MAIL FROM:<ünï@c.example> SMTPUTF8\r\nRCPT TO:<δοκιμή@example.org>\r\nDATA\r\n"
                           + Self.message + ".\r\n")
        XCTAssertEqual(codes(reply), ["250 2.1.0", "250 2.1.5", "354", "250 2.0.0"])
    }
}
