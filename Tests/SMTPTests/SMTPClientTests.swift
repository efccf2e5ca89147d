// NIOSMTPClient against ScriptedSMTPServer on loopback: what goes on the
// wire (pipelining, parameters, dot-stuffing), per-recipient outcomes,
// falling back to the next host, SIZE/8BITMIME/SMTPUTF8 refusals, TLS per
// policy, AUTH, timeouts, malformed replies and the connection bounds.
import Foundation
import Logging
import MailStore
import NIOCore
import NIOPosix
import NIOSSL
import XCTest
@testable import SMTP

/// The loopback setting of the client tests: an event loop group, scripted
/// servers stopped after each test, and helpers to deliver and read outcomes.
class SMTPClientTestCase: XCTestCase {
    var group: MultiThreadedEventLoopGroup!
    var servers: [ScriptedSMTPServer] = []
    var reusingClients: [NIOSMTPClient] = []

    override func setUp() {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    }

    override func tearDown() async throws {
        for client in reusingClients { await client.closeIdleConnections() }
        reusingClients = []
        for server in servers { await server.stop() }
        servers = []
        try await group.shutdownGracefully()
    }

    // MARK: - Helpers

    static let localhost = DNSAddress.v4(127, 0, 0, 1)
    static let roomy = SMTPClientTimeouts(connect: .seconds(10), greeting: .seconds(10), command: .seconds(10),
                                                  dataInitiation: .seconds(10), dataTermination: .seconds(10))

    func start(_ behaviour: ScriptedBehaviour = ScriptedBehaviour()) async throws -> ScriptedSMTPServer {
        let server = try await ScriptedSMTPServer.start(behaviour, group: group)
        servers.append(server)
        return server
    }

    func host(_ name: String, _ server: ScriptedSMTPServer) -> DeliveryHost {
        DeliveryHost(name: name, port: server.port, addresses: [Self.localhost])
    }

    func client(_ timeouts: SMTPClientTimeouts = roomy, maxConnections: Int = 20, perHost: Int = 4,
                        trustRoots: NIOSSLTrustRoots = .default, idle: TimeAmount? = nil) -> NIOSMTPClient {
        var logger = Logger(label: "tern.test.smtp-client")
        logger.logLevel = .critical
        let client = NIOSMTPClient(heloName: "client.test", group: group, timeouts: timeouts,
                                   maxConnections: maxConnections, maxConnectionsPerHost: perHost, logger: logger,
                                   trustRoots: trustRoots, idleConnectionTimeout: idle)
        if idle != nil { reusingClients.append(client) }
        return client
    }

    func transaction(_ recipients: [String], body: String = "Subject: hi\r\n\r\nhello\r\n",
                             bodyType: OutboundBodyType = .sevenBit, smtpUTF8: Bool = false) -> OutboundTransaction {
        OutboundTransaction(sender: "alice@example.org", recipients: recipients.map { OutboundTransactionRecipient(address: $0) },
                            body: Array(body.utf8), bodyType: bodyType, smtpUTF8: smtpUTF8)
    }

    func deliver(_ transaction: OutboundTransaction, to hosts: [DeliveryHost], tls: OutboundTLSPolicy = .none,
                         credentials: SMTPClientCredentials? = nil, client: NIOSMTPClient? = nil) async -> OutboundAttemptResult {
        await (client ?? self.client()).deliver(transaction, hosts: hosts, tls: tls, credentials: credentials)
    }

    func status(_ outcome: RecipientDeliveryOutcome?) -> String? {
        switch outcome {
        case let .delivered(reply)?: return "delivered \(reply.code)"
        case let .permanentFailure(status, _)?: return "permanent \(status)"
        case let .temporaryFailure(status, _)?: return "temporary \(status)"
        case nil: return nil
        }
    }

    func diagnostic(_ outcome: RecipientDeliveryOutcome?) -> String {
        switch outcome {
        case let .delivered(reply)?: return reply.description
        case let .permanentFailure(_, diagnostic)?, let .temporaryFailure(_, diagnostic)?: return diagnostic
        case nil: return ""
        }
    }

}

final class SMTPClientTests: SMTPClientTestCase {
    // MARK: - Plain delivery

    func testPipelinedDeliveryWithParametersAndDotStuffing() async throws {
        // The server answers MAIL only once the RCPTs are in: only a pipelining client gets through.
        var behaviour = ScriptedBehaviour()
        behaviour.requirePipelinedMail = true
        let server = try await start(behaviour)
        let body = "Subject: dots\r\n\r\n.hidden line\r\nmiddle\r\n..two\r\n.\r\nlast line without CRLF"
        var message = OutboundTransaction(
            sender: "alice@example.org",
            recipients: [
                OutboundTransactionRecipient(address: "bob@mx.test", notify: [.success, .failure],
                                             originalRecipient: OriginalRecipientAddress(addressType: "rfc822",
                                                                                         address: "bob+x=y@old.test")),
                OutboundTransactionRecipient(address: "carol@mx.test"),
            ],
            body: Array(body.utf8), bodyType: .eightBitMIME, ret: .headers, envelopeID: "id 1+2")
        message.smtpUTF8 = false
        let result = await deliver(message, to: [host("mx.test", server)])

        XCTAssertEqual(status(result.outcomes["bob@mx.test"]), "delivered 250")
        XCTAssertEqual(status(result.outcomes["carol@mx.test"]), "delivered 250")
        XCTAssertEqual(result.outcomes.count, 2)
        guard case let .delivered(reply)? = result.outcomes["bob@mx.test"] else { return XCTFail() }
        XCTAssertEqual(reply, SMTPClientReply(code: 250, enhancedStatus: "2.0.0", text: "queued as 42"))
        XCTAssertEqual(result.remoteMTA, "mx.test [127.0.0.1]")
        XCTAssertNil(result.tlsVersion)
        XCTAssertTrue(result.remoteOffersDSN)
        XCTAssertEqual(server.recording.lines, [
            "EHLO client.test",
            "MAIL FROM:<alice@example.org> SIZE=\(body.utf8.count) BODY=8BITMIME RET=HDRS ENVID=id+201+2B2",
            "RCPT TO:<bob@mx.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob+2Bx+3Dy@old.test",
            "RCPT TO:<carol@mx.test>",
            "DATA",
            "QUIT",
        ])
        XCTAssertEqual(server.recording.commands.filter(\.pipelined).map(\.line),
                       ["RCPT TO:<bob@mx.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob+2Bx+3Dy@old.test",
                        "RCPT TO:<carol@mx.test>"])
        let expected = "Subject: dots\r\n\r\n..hidden line\r\nmiddle\r\n...two\r\n..\r\nlast line without CRLF\r\n"
        XCTAssertEqual(server.recording.messages, [Array(expected.utf8)])
    }

    func testWithoutPipeliningCommandsGoOneByOneAndNoDSNParameters() async throws {
        var behaviour = ScriptedBehaviour()
        behaviour.extensions = ["SIZE 0", "8BITMIME", "ENHANCEDSTATUSCODES"]
        let server = try await start(behaviour)
        var message = transaction(["bob@mx.test", "carol@mx.test"])
        message.ret = .full
        message.envelopeID = "abc"
        message.recipients[0].notify = .never
        let result = await deliver(message, to: [host("mx.test", server)])
        XCTAssertEqual(status(result.outcomes["bob@mx.test"]), "delivered 250")
        XCTAssertEqual(status(result.outcomes["carol@mx.test"]), "delivered 250")
        XCTAssertFalse(result.remoteOffersDSN)
        XCTAssertEqual(server.recording.lines, [
            "EHLO client.test", "MAIL FROM:<alice@example.org> SIZE=\(message.body.count)",
            "RCPT TO:<bob@mx.test>", "RCPT TO:<carol@mx.test>", "DATA", "QUIT",
        ])
        XCTAssertEqual(server.recording.commands.filter(\.pipelined), [])
    }

    func testDuplicateRecipientIsSentOnce() async throws {
        let server = try await start()
        let result = await deliver(transaction(["bob@mx.test", "bob@mx.test"]), to: [host("mx.test", server)])
        XCTAssertEqual(status(result.outcomes["bob@mx.test"]), "delivered 250")
        XCTAssertEqual(server.recording.lines.filter { $0.hasPrefix("RCPT") }, ["RCPT TO:<bob@mx.test>"])
    }

    func testAddressesThatWouldInjectCommandsAreNeverSent() async throws {
        let server = try await start()
        let evil = "evil@mx.test>\r\nRSET"
        let result = await deliver(transaction(["bob@mx.test", evil]), to: [host("mx.test", server)])
        XCTAssertEqual(status(result.outcomes[evil]), "permanent 5.1.3")
        XCTAssertEqual(status(result.outcomes["bob@mx.test"]), "delivered 250")
        XCTAssertFalse(server.recording.lines.contains { $0.contains("evil") || $0 == "RSET" })

        var badSender = transaction(["bob@mx.test"])
        badSender.sender = "a@b> SIZE=1"
        let refused = await deliver(badSender, to: [host("mx.test", server)])
        XCTAssertEqual(status(refused.outcomes["bob@mx.test"]), "permanent 5.1.7")
    }

    // MARK: - Replies per recipient and at DATA

    func testRecipientRepliesMixed() async throws {
        var behaviour = ScriptedBehaviour()
        behaviour.rule = { line in
            switch line {
            case "RCPT TO:<unknown@mx.test>": return .text("550-5.1.1 no such user\r\n550 5.1.1 here")
            case "RCPT TO:<full@mx.test>": return .text("452 4.2.2 mailbox full")
            case "RCPT TO:<later@mx.test>": return .text("450 try later")
            case "RCPT TO:<denied@mx.test>": return .text("553 denied")
            default: return nil
            }
        }
        let server = try await start(behaviour)
        let recipients = ["ok@mx.test", "unknown@mx.test", "full@mx.test", "later@mx.test", "denied@mx.test"]
        let result = await deliver(transaction(recipients), to: [host("mx.test", server)])
        XCTAssertEqual(recipients.map { status(result.outcomes[$0]) }, [
            "delivered 250", "permanent 5.1.1", "temporary 4.2.2", "temporary 4.0.0", "permanent 5.0.0",
        ])
        XCTAssertEqual(diagnostic(result.outcomes["unknown@mx.test"]),
                       "550 5.1.1 no such user here (in reply to RCPT TO:<unknown@mx.test>)")
        XCTAssertEqual(server.recording.messages.count, 1)
    }

    func testNoRecipientAcceptedSendsNoData() async throws {
        var behaviour = ScriptedBehaviour()
        behaviour.rule = { $0.hasPrefix("RCPT") ? .text("550 5.1.1 no") : nil }
        let server = try await start(behaviour)
        let result = await deliver(transaction(["a@mx.test", "b@mx.test"]), to: [host("mx.test", server)])
        XCTAssertEqual(status(result.outcomes["a@mx.test"]), "permanent 5.1.1")
        XCTAssertEqual(status(result.outcomes["b@mx.test"]), "permanent 5.1.1")
        XCTAssertFalse(server.recording.lines.contains("DATA"))
        XCTAssertEqual(server.recording.lines.last, "QUIT")
    }

    func test552AtTheEndOfDataFailsTheAcceptedRecipients() async throws {
        var behaviour = ScriptedBehaviour()
        behaviour.rule = { $0 == "RCPT TO:<gone@mx.test>" ? .text("550 5.1.1 gone") : nil }
        behaviour.dataEnd = .text("552 5.3.4 message too big for me")
        let server = try await start(behaviour)
        let result = await deliver(transaction(["a@mx.test", "gone@mx.test"]), to: [host("mx.test", server)])
        XCTAssertEqual(status(result.outcomes["a@mx.test"]), "permanent 5.3.4")
        XCTAssertEqual(status(result.outcomes["gone@mx.test"]), "permanent 5.1.1")
        XCTAssertTrue(diagnostic(result.outcomes["a@mx.test"]).hasPrefix("552 5.3.4 message too big for me"))
    }

    func test451AtTheEndOfDataIsTemporary() async throws {
        var behaviour = ScriptedBehaviour()
        behaviour.dataEnd = .text("451 4.3.0 local trouble")
        let server = try await start(behaviour)
        let result = await deliver(transaction(["a@mx.test"]), to: [host("mx.test", server)])
        XCTAssertEqual(status(result.outcomes["a@mx.test"]), "temporary 4.3.0")
    }

    func testRefusedDataCommand() async throws {
        var behaviour = ScriptedBehaviour()
        behaviour.rule = { $0 == "DATA" ? .text("554 5.5.0 no data for you") : nil }
        let server = try await start(behaviour)
        let result = await deliver(transaction(["a@mx.test"]), to: [host("mx.test", server)])
        XCTAssertEqual(status(result.outcomes["a@mx.test"]), "permanent 5.5.0")
        XCTAssertEqual(server.recording.messages, [])
    }

    func testRefusedSenderFailsEveryRecipient() async throws {
        var behaviour = ScriptedBehaviour()
        behaviour.rule = { $0.hasPrefix("MAIL") ? .text("550 5.7.1 not from you") : ($0.hasPrefix("RCPT") ? .text("503 5.5.1 MAIL first") : nil) }
        let server = try await start(behaviour)
        let result = await deliver(transaction(["a@mx.test", "b@mx.test"]), to: [host("mx.test", server)])
        XCTAssertEqual(status(result.outcomes["a@mx.test"]), "permanent 5.7.1")
        XCTAssertEqual(status(result.outcomes["b@mx.test"]), "permanent 5.7.1")
        XCTAssertFalse(server.recording.lines.contains("DATA"))

        var deferring = ScriptedBehaviour()
        deferring.rule = { $0.hasPrefix("MAIL") ? .text("451 4.7.1 greylisted") : nil }
        let second = try await start(deferring)
        let deferred = await deliver(transaction(["a@mx.test"]), to: [host("mx.test", second)])
        XCTAssertEqual(status(deferred.outcomes["a@mx.test"]), "temporary 4.7.1")
    }

    // MARK: - EHLO and HELO

    func testRefusedEHLOFallsBackToHELO() async throws {
        var behaviour = ScriptedBehaviour()
        behaviour.rule = { $0.hasPrefix("EHLO") ? .text("502 5.5.1 what is EHLO") : nil }
        let server = try await start(behaviour)
        let result = await deliver(transaction(["a@mx.test"]), to: [host("mx.test", server)])
        XCTAssertEqual(status(result.outcomes["a@mx.test"]), "delivered 250")
        XCTAssertEqual(Array(server.recording.lines.prefix(4)),
                       ["EHLO client.test", "HELO client.test", "MAIL FROM:<alice@example.org>", "RCPT TO:<a@mx.test>"])
    }

    func testRefusedEHLOAndHELOArePermanent() async throws {
        var behaviour = ScriptedBehaviour()
        behaviour.rule = { $0.hasPrefix("EHLO") || $0.hasPrefix("HELO") ? .text("550 5.7.1 go away") : nil }
        let server = try await start(behaviour)
        let result = await deliver(transaction(["a@mx.test"]), to: [host("mx.test", server)])
        XCTAssertEqual(status(result.outcomes["a@mx.test"]), "permanent 5.7.1")
    }

    // MARK: - Several hosts (RFC 5321 §5.1)

    func test421GreetingThenTheSecondHost() async throws {
        var busy = ScriptedBehaviour()
        busy.greeting = .text("421 4.3.2 too busy")
        let first = try await start(busy)
        let second = try await start()
        let result = await deliver(transaction(["a@mx.test"]), to: [host("mx1.test", first), host("mx2.test", second)])
        XCTAssertEqual(status(result.outcomes["a@mx.test"]), "delivered 250")
        XCTAssertEqual(result.remoteMTA, "mx2.test [127.0.0.1]")
        XCTAssertFalse(first.recording.lines.contains { $0.hasPrefix("MAIL") })
        XCTAssertEqual(second.recording.messages.count, 1)
    }

    func testRefusedConnectionThenTheNextAddressAndHost() async throws {
        let closed = try await ScriptedSMTPServer.closedPort(group: group)
        let server = try await start()
        // The same host with a dead address first, then a dead host, then a live one.
        let dead = DeliveryHost(name: "dead.test", port: closed, addresses: [Self.localhost, Self.localhost])
        let result = await deliver(transaction(["a@mx.test"]), to: [dead, host("mx.test", server)])
        XCTAssertEqual(status(result.outcomes["a@mx.test"]), "delivered 250")
        XCTAssertEqual(result.remoteMTA, "mx.test [127.0.0.1]")
    }

    func testARefusedConnectionIsDescribedPlainlyWithBalancedParentheses() async throws {
        let closed = try await ScriptedSMTPServer.closedPort(group: group)
        let dead = DeliveryHost(name: "dead.test", port: closed, addresses: [Self.localhost])
        let result = await deliver(transaction(["a@mx.test"]), to: [dead])
        let text = diagnostic(result.outcomes["a@mx.test"])
        XCTAssertEqual(status(result.outcomes["a@mx.test"]), "temporary 4.4.1")
        XCTAssertTrue(text.hasSuffix("connect to dead.test [127.0.0.1]:\(closed) failed: Connection refused (errno 111)"),
                      text)
        XCTAssertFalse(text.contains("error set"), text)
        var depth = 0
        for character in text {
            if character == "(" { depth += 1 }
            if character == ")" { depth -= 1 }
            XCTAssertGreaterThanOrEqual(depth, 0, text)
        }
        XCTAssertEqual(depth, 0, text)
    }

    func testSocketErrorsAreDescribedWithoutNIOsTypeNames() {
        XCTAssertEqual(SMTPClientErrorText.describe(IOError(errnoCode: ECONNRESET, reason: "read")),
                       "Connection reset by peer (errno 104)")
        XCTAssertEqual(SMTPClientErrorText.describe(ChannelError.connectTimeout(.seconds(30))), "timed out after 30 s")
        XCTAssertEqual(SMTPClientErrorText.describe(ChannelError.eof), "connection closed")
    }

    func testEveryHostFailingIsTemporary441NamingTheLastError() async throws {
        let closed = try await ScriptedSMTPServer.closedPort(group: group)
        var busy = ScriptedBehaviour()
        busy.greeting = .text("554 5.7.1 no service for you")
        let refusing = try await start(busy)
        let hosts = [DeliveryHost(name: "dead.test", port: closed, addresses: [Self.localhost]), host("mx.test", refusing)]
        let result = await deliver(transaction(["a@mx.test", "b@mx.test"]), to: hosts)
        XCTAssertEqual(status(result.outcomes["a@mx.test"]), "temporary 4.4.1")
        XCTAssertEqual(status(result.outcomes["b@mx.test"]), "temporary 4.4.1")
        XCTAssertTrue(diagnostic(result.outcomes["a@mx.test"]).contains("554 5.7.1 no service for you"),
                      diagnostic(result.outcomes["a@mx.test"]))

        let none = await deliver(transaction(["a@mx.test"]), to: [])
        XCTAssertEqual(status(none.outcomes["a@mx.test"]), "temporary 4.4.1")
    }

    // MARK: - What the server cannot take

    func testMessageLargerThanTheServersSizeIsRefusedBeforeSending() async throws {
        var behaviour = ScriptedBehaviour()
        behaviour.extensions = ["PIPELINING", "SIZE 100", "8BITMIME"]
        let server = try await start(behaviour)
        let result = await deliver(transaction(["a@mx.test"], body: String(repeating: "x", count: 200)),
                                   to: [host("mx.test", server)])
        XCTAssertEqual(status(result.outcomes["a@mx.test"]), "permanent 5.3.4")
        XCTAssertEqual(server.recording.lines, ["EHLO client.test", "QUIT"])
    }

    func testEightBitMessageToAServerWithout8BITMIME() async throws {
        var behaviour = ScriptedBehaviour()
        behaviour.extensions = ["PIPELINING", "SIZE 0"]
        let server = try await start(behaviour)
        let result = await deliver(transaction(["a@mx.test"], body: "Subject: é\r\n\r\nçà\r\n", bodyType: .eightBitMIME),
                                   to: [host("mx.test", server)])
        XCTAssertEqual(status(result.outcomes["a@mx.test"]), "permanent 5.6.3")
        XCTAssertFalse(server.recording.lines.contains { $0.hasPrefix("MAIL") })

        // A BINARYMIME message that has no binary octets goes as 8BITMIME; one with a NUL cannot go by DATA.
        let fits = try await start()
        let sent = await deliver(transaction(["a@mx.test"], body: "é\r\n", bodyType: .binaryMIME), to: [host("mx.test", fits)])
        XCTAssertEqual(status(sent.outcomes["a@mx.test"]), "delivered 250")
        XCTAssertTrue(fits.recording.lines.contains { $0.hasPrefix("MAIL") && $0.hasSuffix("BODY=8BITMIME") })
        let binary = await deliver(transaction(["a@mx.test"], body: "a\0b\r\n", bodyType: .binaryMIME), to: [host("mx.test", fits)])
        XCTAssertEqual(status(binary.outcomes["a@mx.test"]), "permanent 5.6.3")
    }

    func testSMTPUTF8MessageToAServerWithoutSMTPUTF8() async throws {
        var behaviour = ScriptedBehaviour()
        behaviour.extensions = ["PIPELINING", "8BITMIME"]
        let server = try await start(behaviour)
        let flagged = await deliver(transaction(["a@mx.test"], smtpUTF8: true), to: [host("mx.test", server)])
        XCTAssertEqual(status(flagged.outcomes["a@mx.test"]), "permanent 5.6.7")
        let utf8Address = await deliver(transaction(["jörg@mx.test"]), to: [host("mx.test", server)])
        XCTAssertEqual(status(utf8Address.outcomes["jörg@mx.test"]), "permanent 5.6.7")
        XCTAssertFalse(server.recording.lines.contains { $0.hasPrefix("MAIL") })

        let capable = try await start()
        let sent = await deliver(transaction(["jörg@mx.test"]), to: [host("mx.test", capable)])
        XCTAssertEqual(status(sent.outcomes["jörg@mx.test"]), "delivered 250")
        XCTAssertTrue(capable.recording.lines.contains { $0.hasPrefix("MAIL FROM:<alice@example.org>") && $0.hasSuffix(" SMTPUTF8") })
        XCTAssertTrue(capable.recording.lines.contains("RCPT TO:<jörg@mx.test>"))
    }

    // MARK: - Timeouts and hostile servers

    func testSilentGreetingTimesOut() async throws {
        var behaviour = ScriptedBehaviour()
        behaviour.greeting = .silence
        let server = try await start(behaviour)
        let tiny = SMTPClientTimeouts(connect: .seconds(5), greeting: .milliseconds(200), command: .milliseconds(200),
                                      dataInitiation: .milliseconds(200), dataTermination: .milliseconds(200))
        let result = await deliver(transaction(["a@mx.test"]), to: [host("mx.test", server)], client: client(tiny))
        XCTAssertEqual(status(result.outcomes["a@mx.test"]), "temporary 4.4.1")
        XCTAssertTrue(diagnostic(result.outcomes["a@mx.test"]).contains("timeout waiting for the greeting"))
    }

    func testSilenceAfterTheFinalDotIsTemporary() async throws {
        var behaviour = ScriptedBehaviour()
        behaviour.dataEnd = .silence
        let server = try await start(behaviour)
        var timeouts = Self.roomy
        timeouts.dataTermination = .milliseconds(300)
        let result = await deliver(transaction(["a@mx.test", "b@mx.test"]), to: [host("mx.test", server)],
                                   client: client(timeouts))
        XCTAssertEqual(status(result.outcomes["a@mx.test"]), "temporary 4.4.2")
        XCTAssertTrue(diagnostic(result.outcomes["b@mx.test"]).contains("timeout waiting for the reply to the end of data"))
        XCTAssertEqual(server.recording.messages.count, 1)
    }

    func testConnectionClosedInTheMiddleIsTemporary() async throws {
        var behaviour = ScriptedBehaviour()
        behaviour.rule = { $0 == "DATA" ? .close : nil }
        let server = try await start(behaviour)
        let result = await deliver(transaction(["a@mx.test"]), to: [host("mx.test", server)])
        XCTAssertEqual(status(result.outcomes["a@mx.test"]), "temporary 4.4.2")
    }

    func testMalformedGreetingGoesToTheNextHost() async throws {
        var garbage = ScriptedBehaviour()
        garbage.greeting = .raw(Array("hello, I am not SMTP\r\n".utf8))
        let first = try await start(garbage)
        let second = try await start()
        let result = await deliver(transaction(["a@mx.test"]), to: [host("mx1.test", first), host("mx2.test", second)])
        XCTAssertEqual(status(result.outcomes["a@mx.test"]), "delivered 250")
        let alone = await deliver(transaction(["a@mx.test"]), to: [host("mx1.test", first)])
        XCTAssertEqual(status(alone.outcomes["a@mx.test"]), "temporary 4.4.1")
        XCTAssertTrue(diagnostic(alone.outcomes["a@mx.test"]).contains("malformed reply line"))
    }

    func testMalformedAndOverlongRepliesInTheTransactionAreTemporary() async throws {
        var mixed = ScriptedBehaviour()
        mixed.rule = { $0.hasPrefix("RCPT") ? .raw(Array("250-ok\r\n251 another code\r\n".utf8)) : nil }
        let first = try await start(mixed)
        let result = await deliver(transaction(["a@mx.test"]), to: [host("mx.test", first)])
        XCTAssertEqual(status(result.outcomes["a@mx.test"]), "temporary 4.5.0")
        XCTAssertEqual(first.recording.messages.count, 0)

        var endless = ScriptedBehaviour()
        endless.rule = { $0.hasPrefix("MAIL") ? .raw(Array(("250 " + String(repeating: "x", count: 100_000)).utf8)) : nil }
        let second = try await start(endless)
        let overlong = await deliver(transaction(["a@mx.test"]), to: [host("mx.test", second)])
        XCTAssertEqual(status(overlong.outcomes["a@mx.test"]), "temporary 4.5.0")
        XCTAssertTrue(diagnostic(overlong.outcomes["a@mx.test"]).contains("longer than 4096"))

        var chatty = ScriptedBehaviour()
        chatty.rule = { $0.hasPrefix("MAIL") ? .raw(Array(String(repeating: "250-more\r\n", count: 500).utf8)) : nil }
        let third = try await start(chatty)
        let tooMany = await deliver(transaction(["a@mx.test"]), to: [host("mx.test", third)])
        XCTAssertEqual(status(tooMany.outcomes["a@mx.test"]), "temporary 4.5.0")
    }

}
