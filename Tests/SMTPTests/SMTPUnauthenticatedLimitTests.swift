import Foundation
import XCTest
import MailCore
@testable import SMTP

/// Mail from SMTP clients that have not authenticated (MX): a smaller
/// message size (SIZE says so before AUTH), and a bound per remote address
/// on the message data held in memory at once (`452 4.3.1` past it, the
/// data dropped, not buffered).
final class SMTPUnauthenticatedLimitTests: SMTPSessionTestCase {
    private func mx(maxMessageSize: Int = 100_000, unauthenticated: Int? = 20_000,
                    inFlight: InFlightMessageBytes? = nil) -> SMTPConfiguration {
        var configuration = configuration(.mx, maxMessageSize: maxMessageSize)
        configuration.maxUnauthenticatedMessageSize = unauthenticated
        configuration.inFlight = inFlight
        configuration.requireTLSForAuth = false
        return configuration
    }

    /// A message of about `size` octets: lines of 70 characters.
    private func body(_ size: Int) -> String {
        let line = String(repeating: "x", count: 70) + "\r\n"
        return "Subject: big\r\n\r\n" + String(repeating: line, count: max(1, size / line.utf8.count))
    }

    func testSizeBeforeAndAfterAuthentication() async {
        let session = makeSession(mx())
        var reply = await send(session, "EHLO client.example\r\n")
        XCTAssertTrue(reply.contains("250-SIZE 20000\r\n"), reply)
        // RFC 1870 §6.1: a declared size over the limit is refused at MAIL.
        reply = await send(session, "MAIL FROM:<a@client.example> SIZE=30000\r\n")
        XCTAssertEqual(codes(reply), ["552 5.3.4"])
        reply = await send(session, "AUTH PLAIN \(plain("alice@example.org", Self.password))\r\n")
        XCTAssertEqual(codes(reply), ["235 2.7.0"])
        reply = await send(session, "EHLO client.example\r\n")
        XCTAssertTrue(reply.contains("250-SIZE 100000\r\n"), "the full size after AUTH: \(reply)")
        reply = await send(session, "MAIL FROM:<alice@example.org> SIZE=30000\r\n")
        XCTAssertEqual(codes(reply), ["250 2.1.0"])
    }

    func testTrustedNetworksAndSubmissionGetTheFullSize() async {
        let trusted = makeSession(mx(), connection: Self.trusted)
        var reply = await send(trusted, "EHLO relay.example\r\n")
        XCTAssertTrue(reply.contains("250-SIZE 100000\r\n"), reply)
        var submission = mx()
        submission.mode = .submission
        let user = makeSession(submission, connection: Self.loopback)
        reply = await send(user, "EHLO laptop\r\n")
        XCTAssertTrue(reply.contains("250-SIZE 100000\r\n"), "submission needs AUTH before MAIL anyway: \(reply)")
    }

    func testUnauthenticatedDataOverItsSizeGets552AndIsNotDelivered() async throws {
        let session = await greetedSession(mx())
        var reply = await send(session, "MAIL FROM:<a@client.example>\r\nRCPT TO:<alice@example.org>\r\nDATA\r\n")
        XCTAssertEqual(codes(reply), ["250 2.1.0", "250 2.1.5", "354"])
        reply = await send(session, body(30_000) + ".\r\n")
        XCTAssertEqual(codes(reply), ["552 5.3.4"])
        let stored = try await inbox(alice)
        XCTAssertTrue(stored.isEmpty)
        // The session goes on: a small message is delivered.
        reply = await send(session, "MAIL FROM:<a@client.example>\r\nRCPT TO:<alice@example.org>\r\nDATA\r\n"
            + body(1_000) + ".\r\n")
        XCTAssertEqual(codes(reply), ["250 2.1.0", "250 2.1.5", "354", "250 2.0.0"])
    }

    /// Two sessions from one address sending at once: the one that would
    /// take the address past its bound is dropped as it arrives and answered
    /// `452 4.3.1`; the other is delivered; the count returns to zero.
    func testDataInFlightFromOneAddressIsBounded() async throws {
        let inFlight = InFlightMessageBytes(limitPerAddress: 25_000)
        let first = await greetedSession(mx(inFlight: inFlight))
        let second = await greetedSession(mx(inFlight: inFlight))
        for session in [first, second] {
            let reply = await send(session, "MAIL FROM:<a@client.example>\r\nRCPT TO:<alice@example.org>\r\nDATA\r\n")
            XCTAssertEqual(codes(reply), ["250 2.1.0", "250 2.1.5", "354"])
        }
        let part = body(15_000)
        await send(first, part)
        XCTAssertGreaterThan(inFlight.held(address: Self.remote.remoteAddress), 14_000)
        await send(second, part)
        XCTAssertLessThanOrEqual(inFlight.held(address: Self.remote.remoteAddress), 25_000)
        var reply = await send(second, "more\r\n.\r\n")
        XCTAssertEqual(codes(reply), ["452 4.3.1"])
        reply = await send(first, ".\r\n")
        XCTAssertEqual(codes(reply), ["250 2.0.0"])
        XCTAssertEqual(inFlight.held(address: Self.remote.remoteAddress), 0)
        let stored = try await inbox(alice)
        XCTAssertEqual(stored.count, 1)
        // Another address has its own bound.
        let elsewhere = await greetedSession(mx(inFlight: inFlight), connection: Self.remoteTLS.with(address: "192.0.2.99"))
        reply = await send(elsewhere, "MAIL FROM:<a@client.example>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\n"
            + part + ".\r\n")
        XCTAssertEqual(codes(reply), ["250 2.1.0", "250 2.1.5", "354", "250 2.0.0"])
        // Not counted as errors: a 452 is the server's condition, not the client's.
        XCTAssertEqual(second.errorCount, 0)
    }

    /// BDAT (RFC 3030) declares each chunk's size: a chunk that does not fit
    /// is refused at once with `452 4.3.1` (its octets read and dropped),
    /// and the transaction ends.
    func testBDATChunkOverTheInFlightBoundIsRefused() async throws {
        let inFlight = InFlightMessageBytes(limitPerAddress: 10_000)
        let holder = await greetedSession(mx(inFlight: inFlight))
        var reply = await send(holder, "MAIL FROM:<a@client.example>\r\nRCPT TO:<alice@example.org>\r\nBDAT 8000\r\n"
            + String(repeating: "y", count: 8000))
        XCTAssertEqual(codes(reply), ["250 2.1.0", "250 2.1.5", "250 2.0.0"])
        XCTAssertEqual(inFlight.held(address: Self.remote.remoteAddress), 8000)
        let other = await greetedSession(mx(inFlight: inFlight))
        reply = await send(other, "MAIL FROM:<a@client.example>\r\nRCPT TO:<alice@example.org>\r\nBDAT 5000 LAST\r\n"
            + String(repeating: "z", count: 5000))
        XCTAssertEqual(codes(reply), ["250 2.1.0", "250 2.1.5", "452 4.3.1"])
        XCTAssertEqual(inFlight.held(address: Self.remote.remoteAddress), 8000)
        reply = await send(other, "BDAT 10 LAST\r\n0123456789")
        XCTAssertEqual(codes(reply), ["503 5.5.1"], "the refused chunk ended the transaction")
        // The holder finishes; its octets are released.
        reply = await send(holder, "BDAT 4 LAST\r\nabcd")
        XCTAssertEqual(codes(reply), ["250 2.0.0"])
        XCTAssertEqual(inFlight.held(address: Self.remote.remoteAddress), 0)
    }

    func testClosedSessionReleasesItsOctets() async {
        let inFlight = InFlightMessageBytes(limitPerAddress: 100_000)
        let session = await greetedSession(mx(inFlight: inFlight))
        await send(session, "MAIL FROM:<a@client.example>\r\nRCPT TO:<alice@example.org>\r\nDATA\r\n" + body(5_000))
        XCTAssertGreaterThan(inFlight.held(address: Self.remote.remoteAddress), 4_000)
        session.connectionClosed()
        XCTAssertEqual(inFlight.held(address: Self.remote.remoteAddress), 0)
    }

    func testInFlightCounterNeverGrowsPastItsBound() {
        let inFlight = InFlightMessageBytes(limitPerAddress: 100)
        XCTAssertTrue(inFlight.update(address: "a", from: 0, to: 60))
        XCTAssertFalse(inFlight.update(address: "a", from: 0, to: 41))
        XCTAssertTrue(inFlight.update(address: "a", from: 0, to: 40))
        XCTAssertTrue(inFlight.update(address: "b", from: 0, to: 100))
        XCTAssertTrue(inFlight.update(address: "a", from: 60, to: 0), "shrinking always works")
        XCTAssertEqual(inFlight.held(address: "a"), 40)
        XCTAssertTrue(inFlight.update(address: "a", from: 40, to: 0))
        XCTAssertEqual(inFlight.held(address: "a"), 0)
    }
}

private extension ConnectionInfo {
    func with(address: String) -> ConnectionInfo {
        ConnectionInfo(id: id, remoteAddress: address, localPort: localPort, isTLS: isTLS,
                       tlsDescription: tlsDescription)
    }
}
