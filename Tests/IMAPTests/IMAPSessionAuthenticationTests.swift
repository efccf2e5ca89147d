import Foundation
import Logging
import XCTest
import MailCore
import MailStore
@testable import IMAP

/// STARTTLS, LOGIN and AUTHENTICATE (RFC 9051 §6.2; SASL-IR RFC 4959) with
/// the cleartext policy shared with POP3 and SMTP.
final class IMAPSessionAuthenticationTests: IMAPSessionTestCase {
    // MARK: LOGIN

    func testLoginSucceedsWithCapabilitiesInTheOK() async {
        let session = makeSession()
        let reply = await send(session, "a LOGIN \(Self.address) \(Self.password)\r\n")
        XCTAssertTrue(reply.hasPrefix("a OK [CAPABILITY IMAP4rev1 IMAP4rev2 "), reply)
        XCTAssertTrue(capabilities(in: reply).contains("IDLE"), reply)
        XCTAssertTrue(reply.hasSuffix("] LOGIN completed\r\n"), reply)
        XCTAssertEqual(session.account?.id, account.id)
    }

    /// What the connection reads to move the session into the logged-in pool.
    func testAuthenticatedAccountNameIsSetByLoginOnly() async {
        let session = makeSession()
        XCTAssertNil(session.authenticatedAccountName)
        _ = await send(session, "a LOGIN \(Self.address) wrong\r\n")
        XCTAssertNil(session.authenticatedAccountName)
        _ = await send(session, "b LOGIN \(Self.address) \(Self.password)\r\n")
        XCTAssertEqual(session.authenticatedAccountName, Self.address)
    }

    func testLoginWithQuotedStringsAndMixedCaseAddress() async {
        let session = makeSession()
        let reply = await send(session, "a LOGIN \"Alice@Example.org\" \"\(Self.password)\"\r\n")
        XCTAssertTrue(reply.hasPrefix("a OK [CAPABILITY "), reply)
        XCTAssertEqual(session.account?.address, Self.address)
    }

    func testLoginWithWrongPasswordFails() async {
        let session = makeSession()
        let reply = await send(session, "a LOGIN \(Self.address) wrong\r\n")
        XCTAssertEqual(reply, "a NO [AUTHENTICATIONFAILED] Authentication failed\r\n")
        XCTAssertNil(session.account)
        await expectTrue(await send(session, "b SELECT INBOX\r\n").hasPrefix("b BAD "))
    }

    func testLoginWithUnknownAccountFails() async {
        let session = makeSession()
        let reply = await send(session, "a LOGIN nobody@example.org \(Self.password)\r\n")
        XCTAssertEqual(reply, "a NO [AUTHENTICATIONFAILED] Authentication failed\r\n")
    }

    func testLoginDisabledOnRemoteCleartext() async {
        let session = makeSession(connection: Self.remoteCleartext)
        let reply = await send(session, "a LOGIN \(Self.address) \(Self.password)\r\n")
        XCTAssertTrue(reply.hasPrefix("a NO [PRIVACYREQUIRED] "), reply)
        XCTAssertNil(session.account)
    }

    func testLoginAllowedOnRemoteCleartextWhenConfigured() async {
        let session = makeSession(configuration(allowCleartext: true), connection: Self.remoteCleartext)
        let reply = await send(session, "a LOGIN \(Self.address) \(Self.password)\r\n")
        XCTAssertTrue(reply.hasPrefix("a OK "), reply)
    }

    func testLoginOnTLS() async {
        let session = makeSession(configuration(offersSTARTTLS: false), connection: Self.remoteTLS)
        await expectTrue(await send(session, "a LOGIN \(Self.address) \(Self.password)\r\n").hasPrefix("a OK "))
    }

    func testLoginAfterSTARTTLS() async {
        let session = makeSession(connection: Self.remoteCleartext)
        await expectEqual(await output(session, "a STARTTLS\r\n").action, .startTLS)
        session.tlsStarted(Self.remoteTLS)
        await expectTrue(await send(session, "b LOGIN \(Self.address) \(Self.password)\r\n").hasPrefix("b OK "))
    }

    func testLoginWithInvalidUTF8Fails() async {
        let session = makeSession()
        let returned = await session.receive([UInt8]("a LOGIN {2}\r\n".utf8))
        XCTAssertEqual(String(decoding: returned.bytes, as: UTF8.self), "+ Ready for literal data\r\n")
        let reply = await session.receive([0xC3, 0x28] + [UInt8](" secret\r\n".utf8))
        XCTAssertEqual(String(decoding: reply.bytes, as: UTF8.self), "a NO [AUTHENTICATIONFAILED] Authentication failed\r\n")
    }

    // MARK: AUTHENTICATE

    func testAuthenticatePlainWithInitialResponse() async {
        let session = makeSession()
        let reply = await send(session, "a AUTHENTICATE PLAIN \(plain(Self.address, Self.password))\r\n")
        XCTAssertTrue(reply.hasPrefix("a OK [CAPABILITY "), reply)
        XCTAssertTrue(reply.hasSuffix("] AUTHENTICATE PLAIN completed\r\n"), reply)
        XCTAssertNotNil(session.account)
    }

    func testAuthenticatePlainWithoutInitialResponse() async {
        let session = makeSession()
        await expectEqual(await send(session, "a authenticate plain\r\n"), "+ \r\n")
        XCTAssertEqual(session.parser.mode, .authentication)
        let reply = await send(session, "\(plain(Self.address, Self.password))\r\n")
        XCTAssertTrue(reply.hasPrefix("a OK [CAPABILITY "), reply)
        XCTAssertEqual(session.parser.mode, .commands)
    }

    func testAuthenticatePlainWithEmptyInitialResponseIsMalformed() async {
        let session = makeSession()
        let reply = await send(session, "a AUTHENTICATE PLAIN =\r\n")
        XCTAssertTrue(reply.hasPrefix("a BAD "), reply)
        await expectEqual(await send(session, "b NOOP\r\n"), "b OK NOOP completed\r\n")
    }

    func testAuthenticateLogin() async {
        let session = makeSession()
        await expectEqual(await send(session, "a AUTHENTICATE LOGIN\r\n"), "+ VXNlcm5hbWU6\r\n")
        await expectEqual(await send(session, "\(base64(Self.address))\r\n"), "+ UGFzc3dvcmQ6\r\n")
        let reply = await send(session, "\(base64(Self.password))\r\n")
        XCTAssertTrue(reply.hasPrefix("a OK [CAPABILITY "), reply)
        XCTAssertTrue(reply.hasSuffix("] AUTHENTICATE LOGIN completed\r\n"), reply)
    }

    func testAuthenticateLoginWithInitialResponseAndPipelinedAnswer() async {
        let session = makeSession()
        let reply = await send(session, "a AUTHENTICATE LOGIN \(base64(Self.address))\r\n\(base64(Self.password))\r\nb NOOP\r\n")
        XCTAssertTrue(reply.hasPrefix("+ UGFzc3dvcmQ6\r\na OK [CAPABILITY "), reply)
        XCTAssertTrue(reply.hasSuffix("b OK NOOP completed\r\n"), reply)
    }

    func testAuthenticateCancelled() async {
        let session = makeSession()
        await expectEqual(await send(session, "a AUTHENTICATE PLAIN\r\n"), "+ \r\n")
        await expectEqual(await send(session, "*\r\n"), "a BAD Authentication cancelled\r\n")
        XCTAssertEqual(session.parser.mode, .commands)
        await expectEqual(await send(session, "b NOOP\r\n"), "b OK NOOP completed\r\n")
    }

    func testAuthenticateWithInvalidBase64() async {
        let session = makeSession()
        await send(session, "a AUTHENTICATE PLAIN\r\n")
        await expectTrue(await send(session, "not base64!\r\n").hasPrefix("a BAD "))
        XCTAssertNil(session.account)
    }

    func testAuthenticateWithWrongPassword() async {
        let session = makeSession()
        let reply = await send(session, "a AUTHENTICATE PLAIN \(plain(Self.address, "wrong"))\r\n")
        XCTAssertEqual(reply, "a NO [AUTHENTICATIONFAILED] Authentication failed\r\n")
    }

    func testAuthenticateAsSomeoneElseIsRefused() async throws {
        _ = try await store.createAccount(address: "bob@example.org", passwordHash: Self.passwordHash)
        let session = makeSession()
        let reply = await send(session, "a AUTHENTICATE PLAIN \(plain(Self.address, Self.password, authzid: "bob@example.org"))\r\n")
        XCTAssertTrue(reply.hasPrefix("a NO [AUTHORIZATIONFAILED] "), reply)
        XCTAssertNil(session.account)
    }

    func testAuthenticateWithUnknownMechanism() async {
        let session = makeSession()
        await expectTrue(await send(session, "a AUTHENTICATE CRAM-MD5\r\n").hasPrefix("a NO "))
    }

    func testAuthenticateRefusedOnRemoteCleartext() async {
        let session = makeSession(connection: Self.remoteCleartext)
        let reply = await send(session, "a AUTHENTICATE PLAIN \(plain(Self.address, Self.password))\r\n")
        XCTAssertTrue(reply.hasPrefix("a NO [PRIVACYREQUIRED] "), reply)
        XCTAssertNil(session.account)
    }

    func testOverlongAuthenticationLineEndsTheExchange() async {
        let session = makeSession(configuration(limits: IMAPParserLimits(maxLineLength: 100)))
        await send(session, "a AUTHENTICATE PLAIN\r\n")
        let reply = await send(session, String(repeating: "A", count: 300) + "\r\n")
        XCTAssertTrue(reply.hasPrefix("a BAD "), reply)
        XCTAssertEqual(session.parser.mode, .commands)
        await expectEqual(await send(session, "b NOOP\r\n"), "b OK NOOP completed\r\n")
    }

    // MARK: STARTTLS

    func testSTARTTLSDropsPipelinedCommands() async {
        let session = makeSession(connection: Self.remoteCleartext)
        let reply = await output(session, "a STARTTLS\r\nb LOGIN \(Self.address) \(Self.password)\r\n")
        XCTAssertEqual(String(decoding: reply.bytes, as: UTF8.self), "a OK Begin TLS negotiation now\r\n")
        XCTAssertEqual(reply.action, .startTLS)
        session.tlsStarted(Self.remoteTLS)
        let after = await send(session, "c CAPABILITY\r\n")
        XCTAssertFalse(after.contains("b OK"), after)
        let list = capabilities(in: after)
        XCTAssertTrue(list.contains("AUTH=PLAIN"), "\(list)")
        XCTAssertFalse(list.contains("STARTTLS"), "\(list)")
        XCTAssertFalse(list.contains("LOGINDISABLED"), "\(list)")
        XCTAssertFalse(list.contains("IDLE"), "the pipelined LOGIN must not have run: \(list)")
        XCTAssertNil(session.account)
    }

    func testSTARTTLSDropsAPartialLiteral() async {
        let session = makeSession(connection: Self.remoteCleartext)
        let reply = await output(session, "a STARTTLS\r\nb LOGIN {17}\r\n")
        XCTAssertEqual(reply.action, .startTLS)
        session.tlsStarted(Self.remoteTLS)
        XCTAssertFalse(session.parser.hasPartialCommand)
        await expectEqual(await send(session, "c NOOP\r\n"), "c OK NOOP completed\r\n")
    }

    func testSTARTTLSRefusals() async {
        let tls = makeSession(connection: Self.remoteTLS)
        await expectTrue(await send(tls, "a STARTTLS\r\n").hasPrefix("a BAD "))
        let notOffered = makeSession(configuration(offersSTARTTLS: false), connection: Self.remoteCleartext)
        await expectTrue(await send(notOffered, "a STARTTLS\r\n").hasPrefix("a BAD "))
        let loggedIn = await loggedInSession()
        let reply = await output(loggedIn, "a STARTTLS\r\n")
        XCTAssertTrue(String(decoding: reply.bytes, as: UTF8.self).hasPrefix("a BAD "))
        XCTAssertEqual(reply.action, .none)
    }

    // MARK: Logging

    func testPasswordsAreNeverLogged() async {
        let lines = SessionLogHandler.Lines()
        let captured = Logger(label: "capture", factory: { _ in SessionLogHandler(lines: lines) })
        let session = makeSession(logger: captured)
        await send(session, "a LOGIN \(Self.address) WrongHorse1\r\n")
        await send(session, "b AUTHENTICATE PLAIN \(plain(Self.address, "WrongHorse2"))\r\n")
        await send(session, "c AUTHENTICATE LOGIN\r\n")
        await send(session, "\(base64(Self.address))\r\n")
        await send(session, "\(base64("WrongHorse3"))\r\n")
        await send(session, "d LOGIN \(Self.address) \(Self.password)\r\n")
        await send(session, "e LOGOUT\r\n")
        let log = lines.all.joined(separator: "\n")
        XCTAssertTrue(log.contains("login failed"), log)
        XCTAssertTrue(log.contains("login"), log)
        XCTAssertTrue(log.contains(Self.address), log)
        for secret in ["WrongHorse", "secret", plain(Self.address, "WrongHorse2"), base64("WrongHorse3")] {
            XCTAssertFalse(log.contains(secret), "\(secret) in \(log)")
        }
    }
}

extension IMAPSessionAuthenticationTests {
    func testTooManyCommandsBeforeLoginEndTheSession() async {
        var configuration = configuration()
        configuration.maxCommandsBeforeLogin = 3
        let session = makeSession(configuration)
        let reply = await output(session, "a NOOP\r\nb CAPABILITY\r\nc LOGIN \(Self.address) wrong\r\nd NOOP\r\ne NOOP\r\n")
        let text = String(decoding: reply.bytes, as: UTF8.self)
        XCTAssertTrue(text.contains("c NO [AUTHENTICATIONFAILED]"), text)
        XCTAssertTrue(text.hasSuffix("* BYE Too many commands before login\r\n"), text)
        XCTAssertFalse(text.contains("d OK"), text)
        XCTAssertEqual(reply.action, .close)
    }

    func testCommandsAfterLoginAreNotCounted() async {
        var configuration = configuration()
        configuration.maxCommandsBeforeLogin = 2
        let session = await loggedInSession(configuration)
        for index in 0..<5 {
            await expectEqual(await send(session, "n\(index) NOOP\r\n"), "n\(index) OK NOOP completed\r\n")
        }
    }
}
