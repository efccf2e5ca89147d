import XCTest
import MailCore
import MailStore
@testable import SMTP

final class SMTPSubmissionTests: SMTPSessionTestCase {
    func submission(_ connection: ConnectionInfo = SMTPSessionTestCase.remoteTLS) async -> SMTPSession {
        await greetedSession(configuration(.submission), connection: connection)
    }

    func testAuthenticationRequiredBeforeMAIL() async throws {
        let session = await submission()
        let reply = await send(session, "MAIL FROM:<alice@example.org>\r\nRCPT TO:<bob@example.org>\r\n")
        XCTAssertEqual(codes(reply), ["530 5.7.0", "503 5.5.1"])
    }

    func testAuthPlainWithInitialResponseAndSubmission() async throws {
        let session = await submission()
        let auth = await send(session, "AUTH PLAIN \(plain("alice@example.org", Self.password))\r\n")
        XCTAssertEqual(auth, "235 2.7.0 Authentication successful\r\n")
        let again = await send(session, "AUTH PLAIN \(plain("alice@example.org", Self.password))\r\n")
        XCTAssertEqual(codes(again), ["503 5.5.1"])
        let reply = await send(session, "MAIL FROM:<alice@example.org>\r\nRCPT TO:<bob@example.org>\r\n"
                               + "RCPT TO:<someone@other.example>\r\nDATA\r\n" + Self.message + ".\r\n")
        XCTAssertEqual(codes(reply), ["250 2.1.0", "250 2.1.5", "250 2.1.5", "354", "250 2.0.0"])
        do { let value = try await inbox(bob).count; XCTAssertEqual(value, 1) }
        XCTAssertEqual(queue.entries.map { $0.recipients.map(\.address) }, [["someone@other.example"]])
    }

    func testAuthPlainWithoutInitialResponse() async throws {
        let session = await submission()
        let challenge = await send(session, "AUTH PLAIN\r\n")
        XCTAssertEqual(challenge, "334 \r\n")
        let reply = await send(session, plain("alice@example.org", Self.password) + "\r\n")
        XCTAssertEqual(reply, "235 2.7.0 Authentication successful\r\n")
    }

    func testAuthLogin() async throws {
        let session = await submission()
        var reply = await send(session, "AUTH LOGIN\r\n")
        XCTAssertEqual(reply, "334 VXNlcm5hbWU6\r\n")
        reply = await send(session, base64("alice@example.org") + "\r\n")
        XCTAssertEqual(reply, "334 UGFzc3dvcmQ6\r\n")
        reply = await send(session, base64(Self.password) + "\r\n")
        XCTAssertEqual(reply, "235 2.7.0 Authentication successful\r\n")
    }

    func testAuthFailuresAndCancel() async throws {
        let session = await submission()
        var reply = await send(session, "AUTH PLAIN \(plain("alice@example.org", "wrong"))\r\n")
        XCTAssertEqual(codes(reply), ["535 5.7.8"])
        reply = await send(session, "AUTH LOGIN\r\n*\r\n")
        XCTAssertEqual(codes(reply), ["334", "501 5.0.0"])
        reply = await send(session, "AUTH PLAIN !!!\r\n")
        XCTAssertEqual(codes(reply), ["501 5.5.2"])
        reply = await send(session, "AUTH CRAM-MD5\r\n")
        XCTAssertEqual(codes(reply), ["504 5.5.4"])
        reply = await send(session, "AUTH PLAIN \(base64("bob@example.org\0alice@example.org\0\(Self.password)"))\r\n")
        XCTAssertEqual(codes(reply), ["535 5.7.8"])
    }

    func testAuthNeedsTLSExceptOnLoopbackSubmission() async throws {
        // MX, cleartext: not offered, refused.
        let mx = await greetedSession(configuration(.mx), connection: Self.remote)
        var reply = await send(mx, "AUTH PLAIN \(plain("alice@example.org", Self.password))\r\n")
        XCTAssertEqual(codes(reply), ["538 5.7.11"])
        // MX on loopback: still TLS only.
        let mxLoopback = await greetedSession(configuration(.mx), connection: Self.loopback)
        reply = await send(mxLoopback, "AUTH PLAIN \(plain("alice@example.org", Self.password))\r\n")
        XCTAssertEqual(codes(reply), ["538 5.7.11"])
        // Submission, cleartext remote: refused; loopback: allowed and offered.
        let remote = await submission(Self.remote)
        reply = await send(remote, "AUTH PLAIN \(plain("alice@example.org", Self.password))\r\n")
        XCTAssertEqual(codes(reply), ["538 5.7.11"])
        let local = makeSession(configuration(.submission), connection: Self.loopback)
        let ehlo = await send(local, "EHLO c.example\r\n")
        XCTAssertTrue(ehlo.contains("250-AUTH PLAIN LOGIN\r\n"))
        reply = await send(local, "AUTH PLAIN \(plain("alice@example.org", Self.password))\r\n")
        XCTAssertEqual(codes(reply), ["235 2.7.0"])
    }

    func testSenderRestriction() async throws {
        let session = await submission()
        _ = await send(session, "AUTH PLAIN \(plain("alice@example.org", Self.password))\r\n")
        for (sender, expected) in [("<bob@example.org>", "553 5.7.1"), ("<>", "553 5.7.1"),
                                   ("<alice@other.example>", "553 5.7.1"), ("<anyone@catchall.example>", "553 5.7.1"),
                                   ("<friends@example.org>", "553 5.7.1")] {
            let reply = await send(session, "MAIL FROM:\(sender)\r\n")
            XCTAssertEqual(codes(reply), [expected], sender)
        }
        // Own address (any case), plus-address, and aliases pointing at alice.
        for sender in ["<ALICE@example.org>", "<alice+news@example.org>", "<info@example.org>", "<sales@example.org>"] {
            let reply = await send(session, "MAIL FROM:\(sender)\r\nRSET\r\n")
            XCTAssertEqual(codes(reply), ["250 2.1.0", "250 2.0.0"], sender)
        }
    }

    func testCommandsBeforeAuthenticationAreBounded() async throws {
        let session = makeSession(configuration(.submission), connection: Self.remoteTLS)
        var last = SMTPOutput(bytes: [])
        for _ in 0..<25 {
            last = await session.receive(Array("NOOP\r\n".utf8))
            if last.action == .close { break }
        }
        XCTAssertEqual(last.action, .close)
        XCTAssertTrue(last.text.hasPrefix("421 4.7.0 "), last.text)
    }
}
