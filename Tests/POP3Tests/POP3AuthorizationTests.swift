import XCTest
import Accounts
import MailCore
@testable import POP3

/// Greeting, CAPA, USER/PASS, AUTH (RFC 5034), STLS (RFC 2595) and the cleartext rule.
final class POP3AuthorizationTests: POP3SessionTestCase {
    func testGreeting() {
        let session = makeSession()
        let greeting = session.greeting()
        XCTAssertEqual(String(decoding: greeting.bytes, as: UTF8.self), "+OK mail.example.org Tern POP3 server ready\r\n")
        XCTAssertEqual(greeting.action, .none)
    }

    func testCapaBeforeLoginOnLoopback() async {
        let session = makeSession()
        let capa = await send(session, "CAPA")
        XCTAssertEqual(capa, "+OK Capability list follows\r\nTOP\r\nUIDL\r\nUSER\r\nSASL PLAIN LOGIN\r\n"
                       + "RESP-CODES\r\nAUTH-RESP-CODE\r\nPIPELINING\r\nSTLS\r\nIMPLEMENTATION Tern\r\n.\r\n")
    }

    func testCapaOnRemoteCleartextOffersOnlySTLS() async {
        let session = makeSession(connection: Self.remoteCleartext)
        let capa = await send(session, "capa")
        XCTAssertEqual(capa, "+OK Capability list follows\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\n"
                       + "PIPELINING\r\nSTLS\r\nIMPLEMENTATION Tern\r\n.\r\n")
    }

    func testCapaOnTLSAndWithoutSTLSListener() async {
        let tls = makeSession(connection: Self.remoteTLS)
        let tlsCapa = await send(tls, "CAPA")
        XCTAssertEqual(tlsCapa, "+OK Capability list follows\r\nTOP\r\nUIDL\r\nUSER\r\nSASL PLAIN LOGIN\r\n"
                       + "RESP-CODES\r\nAUTH-RESP-CODE\r\nPIPELINING\r\nIMPLEMENTATION Tern\r\n.\r\n")
        let plain = makeSession(configuration(offersSTLS: false))
        let plainCapa = await send(plain, "CAPA")
        XCTAssertFalse(plainCapa.contains("STLS"))
        XCTAssertTrue(plainCapa.contains("\r\nUSER\r\n"))
    }

    func testCapaAfterLogin() async {
        let session = await loggedInSession()
        let capa = await send(session, "CAPA")
        XCTAssertEqual(capa, "+OK Capability list follows\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\n"
                       + "PIPELINING\r\nIMPLEMENTATION Tern\r\n.\r\n")
    }

    func testUserPassSuccess() async {
        let session = makeSession()
        let user = await send(session, "user ALICE@example.org")
        XCTAssertEqual(user, "+OK send PASS\r\n")
        let pass = await send(session, "PASS secret")
        XCTAssertEqual(pass, "+OK maildrop has 3 messages (\(totalSize) octets)\r\n")
        XCTAssertTrue(locks.isLocked(account.id))
    }

    func testWrongPasswordThenRetry() async {
        let session = makeSession()
        await send(session, "USER \(Self.address)")
        let wrong = await send(session, "PASS Secret")
        XCTAssertEqual(wrong, "-ERR [AUTH] authentication failed\r\n")
        XCTAssertFalse(locks.isLocked(account.id))
        XCTAssertNil(session.authenticatedAccountName, "not logged in: the connection keeps its pre-login timeouts")
        // The USER is consumed by the failed PASS.
        let again = await send(session, "PASS secret")
        XCTAssertEqual(again, "-ERR send USER first\r\n")
        await send(session, "USER \(Self.address)")
        let right = await send(session, "PASS secret")
        XCTAssertTrue(right.hasPrefix("+OK maildrop has 3 messages"))
        XCTAssertEqual(session.authenticatedAccountName, Self.address)
    }

    func testUnknownUserLooksLikeWrongPassword() async {
        let session = makeSession()
        let user = await send(session, "USER nobody@example.org")
        XCTAssertEqual(user, "+OK send PASS\r\n")
        let pass = await send(session, "PASS secret")
        XCTAssertEqual(pass, "-ERR [AUTH] authentication failed\r\n")
    }

    func testPassWithoutUser() async {
        let session = makeSession()
        let pass = await send(session, "PASS secret")
        XCTAssertEqual(pass, "-ERR send USER first\r\n")
    }

    func testTemporarilyLockedAccountGetsSysTemp() async {
        let strict = LoginThrottleConfiguration(initialDelay: .zero, maximumDelay: .zero, maximumFailuresPerAccount: 2)
        authenticator = Authenticator(store: store, logger: logger, throttleConfiguration: strict)
        let session = makeSession()
        for _ in 0..<2 {
            await send(session, "USER \(Self.address)")
            let wrong = await send(session, "PASS wrong")
            XCTAssertEqual(wrong, "-ERR [AUTH] authentication failed\r\n")
        }
        await send(session, "USER \(Self.address)")
        let locked = await send(session, "PASS secret")
        XCTAssertEqual(locked, "-ERR [SYS/TEMP] too many failed logins, try again later\r\n")
    }

    // MARK: AUTH

    func testAuthPlainWithInitialResponse() async {
        let session = makeSession()
        let reply = await send(session, "AUTH PLAIN \(plain(Self.address, Self.password))")
        XCTAssertEqual(reply, "+OK maildrop has 3 messages (\(totalSize) octets)\r\n")
        let stat = await send(session, "STAT")
        XCTAssertEqual(stat, "+OK 3 \(totalSize)\r\n")
    }

    func testAuthPlainWithoutInitialResponse() async {
        let session = makeSession()
        let challenge = await send(session, "auth plain")
        XCTAssertEqual(challenge, "+ \r\n")
        let reply = await send(session, plain(Self.address, Self.password))
        XCTAssertTrue(reply.hasPrefix("+OK maildrop has 3 messages"), reply)
    }

    func testAuthPlainWithSameAuthorizationIdentity() async {
        let session = makeSession()
        let reply = await send(session, "AUTH PLAIN \(plain(Self.address, Self.password, authzid: Self.address))")
        XCTAssertTrue(reply.hasPrefix("+OK maildrop"), reply)
    }

    func testAuthPlainWithOtherAuthorizationIdentityIsRefused() async {
        let session = makeSession()
        let reply = await send(session, "AUTH PLAIN \(plain(Self.address, Self.password, authzid: "bob@example.org"))")
        XCTAssertEqual(reply, "-ERR [AUTH] authorization identity not permitted\r\n")
        XCTAssertFalse(locks.isLocked(account.id))
    }

    func testAuthPlainWrongPassword() async {
        let session = makeSession()
        let reply = await send(session, "AUTH PLAIN \(plain(Self.address, "nope"))")
        XCTAssertEqual(reply, "-ERR [AUTH] authentication failed\r\n")
    }

    func testAuthLogin() async {
        let session = makeSession()
        let first = await send(session, "AUTH LOGIN")
        XCTAssertEqual(first, "+ VXNlcm5hbWU6\r\n")
        let second = await send(session, base64(Self.address))
        XCTAssertEqual(second, "+ UGFzc3dvcmQ6\r\n")
        let reply = await send(session, base64(Self.password))
        XCTAssertTrue(reply.hasPrefix("+OK maildrop has 3 messages"), reply)
    }

    func testAuthLoginWithInitialResponse() async {
        let session = makeSession()
        let first = await send(session, "AUTH LOGIN \(base64(Self.address))")
        XCTAssertEqual(first, "+ UGFzc3dvcmQ6\r\n")
        let reply = await send(session, base64(Self.password))
        XCTAssertTrue(reply.hasPrefix("+OK maildrop"), reply)
    }

    func testAuthCancel() async {
        let session = makeSession()
        await send(session, "AUTH LOGIN")
        let cancelled = await send(session, "*")
        XCTAssertEqual(cancelled, "-ERR authentication cancelled\r\n")
        // Back in AUTHORIZATION: a command is parsed as a command again.
        let capa = await send(session, "CAPA")
        XCTAssertTrue(capa.hasPrefix("+OK Capability list follows\r\n"))
    }

    func testAuthBadBase64() async {
        let session = makeSession()
        let initial = await send(session, "AUTH PLAIN !!!notbase64")
        XCTAssertEqual(initial, "-ERR malformed authentication exchange\r\n")
        await send(session, "AUTH PLAIN")
        let continued = await send(session, "@@@@")
        XCTAssertEqual(continued, "-ERR malformed authentication exchange\r\n")
        let malformedPlain = await send(session, "AUTH PLAIN \(base64("no separators"))")
        XCTAssertEqual(malformedPlain, "-ERR malformed authentication exchange\r\n")
        XCTAssertFalse(locks.isLocked(account.id))
    }

    func testAuthUnknownMechanismAndList() async {
        let session = makeSession()
        let unknown = await send(session, "AUTH CRAM-MD5")
        XCTAssertEqual(unknown, "-ERR unsupported SASL mechanism\r\n")
        let list = await send(session, "AUTH")
        XCTAssertEqual(list, "+OK SASL mechanisms follow\r\nPLAIN\r\nLOGIN\r\n.\r\n")
    }

    func testAuthContinuationLineMayExceedCommandBound() async {
        let session = makeSession()
        await send(session, "AUTH PLAIN")
        // A long but valid PLAIN message (authzid = username) over 255 octets.
        let longUser = String(repeating: "x", count: 300) + "@example.org"
        let reply = await send(session, plain(longUser, "pw", authzid: longUser))
        XCTAssertEqual(reply, "-ERR [AUTH] authentication failed\r\n")
    }

    // MARK: Cleartext rule

    func testCleartextLoginRefusedOnRemotePlainConnection() async {
        let session = makeSession(connection: Self.remoteCleartext)
        let refusal = "-ERR [AUTH] plaintext authentication disallowed on non-secure connections, use STLS first\r\n"
        let user = await send(session, "USER \(Self.address)")
        XCTAssertEqual(user, refusal)
        let pass = await send(session, "PASS \(Self.password)")
        XCTAssertEqual(pass, "-ERR send USER first\r\n")
        let auth = await send(session, "AUTH PLAIN \(plain(Self.address, Self.password))")
        XCTAssertEqual(auth, refusal)
        let list = await send(session, "AUTH")
        XCTAssertEqual(list, "+OK SASL mechanisms follow\r\n.\r\n")
        XCTAssertFalse(locks.isLocked(account.id))
    }

    func testCleartextAllowedByConfiguration() async {
        let session = makeSession(configuration(allowCleartext: true), connection: Self.remoteCleartext)
        await send(session, "USER \(Self.address)")
        let pass = await send(session, "PASS \(Self.password)")
        XCTAssertTrue(pass.hasPrefix("+OK maildrop"), pass)
    }

    func testLoginOnImplicitTLS() async {
        let session = makeSession(connection: Self.remoteTLS)
        let reply = await send(session, "AUTH PLAIN \(plain(Self.address, Self.password))")
        XCTAssertTrue(reply.hasPrefix("+OK maildrop"), reply)
    }

    // MARK: STLS (RFC 2595 §4)

    func testSTLSThenLogin() async {
        let session = makeSession(connection: Self.remoteCleartext)
        await send(session, "USER \(Self.address)")
        let stls = await output(session, "STLS")
        XCTAssertEqual(String(decoding: stls.bytes, as: UTF8.self), "+OK begin TLS negotiation\r\n")
        XCTAssertEqual(stls.action, .startTLS)
        var upgraded = Self.remoteCleartext
        upgraded.isTLS = true
        session.tlsStarted(upgraded)
        let capa = await send(session, "CAPA")
        XCTAssertFalse(capa.contains("STLS"))
        XCTAssertTrue(capa.contains("\r\nUSER\r\n"))
        let again = await output(session, "STLS")
        XCTAssertEqual(String(decoding: again.bytes, as: UTF8.self), "-ERR TLS already active\r\n")
        XCTAssertEqual(again.action, .none)
        // PASS without a USER given after TLS started is refused.
        let pass = await send(session, "PASS \(Self.password)")
        XCTAssertEqual(pass, "-ERR send USER first\r\n")
        await send(session, "USER \(Self.address)")
        let login = await send(session, "PASS \(Self.password)")
        XCTAssertTrue(login.hasPrefix("+OK maildrop"), login)
    }

    func testSTLSNotOfferedOrAfterLogin() async {
        let noSTLS = makeSession(configuration(offersSTLS: false))
        let refused = await output(noSTLS, "STLS")
        XCTAssertEqual(String(decoding: refused.bytes, as: UTF8.self), "-ERR STLS not available\r\n")
        XCTAssertEqual(refused.action, .none)
        let session = await loggedInSession()
        let late = await output(session, "STLS")
        XCTAssertEqual(String(decoding: late.bytes, as: UTF8.self), "-ERR STLS is not valid after login\r\n")
        XCTAssertEqual(late.action, .none)
        let tls = makeSession(connection: Self.remoteTLS)
        let onTLS = await send(tls, "STLS")
        XCTAssertEqual(onTLS, "-ERR TLS already active\r\n")
    }

    // MARK: Wrong state

    func testTransactionCommandsBeforeLogin() async {
        let session = makeSession()
        for command in ["STAT", "LIST", "RETR 1", "DELE 1", "NOOP", "RSET", "TOP 1 1", "UIDL"] {
            let reply = await send(session, command)
            let name = command.split(separator: " ")[0]
            XCTAssertEqual(reply, "-ERR \(name) is not valid before login\r\n")
        }
    }

    func testAuthorizationCommandsAfterLogin() async {
        let session = await loggedInSession()
        for command in ["USER x", "PASS y", "AUTH PLAIN", "AUTH"] {
            let reply = await send(session, command)
            let name = command.split(separator: " ")[0]
            XCTAssertEqual(reply, "-ERR \(name) is not valid after login\r\n")
        }
    }
}
