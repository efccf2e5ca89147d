// The outbound queue runner over a real SQLiteMailStore in a temporary
// directory, with a fake DNS resolver and a fake transport (no network).
// Time is passed to `runOnce(now:)`, so retries days apart run at once.
import Foundation
import Logging
import MailCore
import MailStore
import Synchronization
import XCTest
@testable import SMTP

final class QueueRunnerTests: XCTestCase {
    let logger = Logger(label: "queue-test", factory: { _ in SwiftLogNoOpLogHandler() })
    var directory: URL!
    var store: SQLiteMailStore!
    var dns: FakeDNSResolver!
    var transport: FakeOutboundTransport!
    var observer: CountingQueueObserver!
    var alice: Account!

    override func setUp() async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("queue-tests-\(UUID().uuidString)")
        store = try SQLiteMailStore(directory: directory.path, logger: logger)
        try await store.addDomain("example.org")
        alice = try await store.createAccount(address: "alice@example.org", passwordHash: "x")
        dns = FakeDNSResolver()
        dns.addMailDomain("remote.test", address: .v4(127, 0, 0, 2))
        dns.addMailDomain("other.test", address: .v4(127, 0, 0, 3))
        dns.addNullMX("null.test")
        transport = FakeOutboundTransport()
        observer = CountingQueueObserver()
    }

    override func tearDown() async throws {
        try? await store?.close()
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }

    // MARK: Helpers

    func runner(_ configure: (inout OutboundConfiguration) -> Void = { _ in }, smarthost: RelayDestination? = nil,
                transportMap: [String: RelayDestination] = [:], dkim: DKIMKeyStore? = nil,
                transport: FakeOutboundTransport? = nil) -> QueueRunner {
        var configuration = OutboundConfiguration(hostName: "mx.example.org")
        configure(&configuration)
        let router = MXRouter(resolver: dns, transportMap: transportMap, smarthost: smarthost, shuffle: { $0 })
        return QueueRunner(store: store, router: router, transport: transport ?? self.transport,
                           configuration: configuration, dkimKeys: dkim, observer: observer, logger: logger)
    }

    static func body(from: String = "alice@example.org", subject: String = "Hello") -> [UInt8] {
        Array("From: Alice <\(from)>\r\nTo: someone@remote.test\r\nSubject: \(subject)\r\n"
            .appending("Message-ID: <m1@example.org>\r\n\r\nHi there.\r\n").utf8)
    }

    @discardableResult
    func enqueue(_ recipients: [String], sender: String = "alice@example.org", notify: DSNNotifyConditions? = nil,
                 user: String? = nil, body: [UInt8] = QueueRunnerTests.body(), ret: DSNReturnContent? = nil,
                 envelopeID: String? = nil) async throws -> QueuedMessage {
        try await store.enqueueOutbound(OutboundMessageDraft(
            sender: sender, recipients: recipients.map { .init(address: $0, notify: notify) }, ret: ret,
            envelopeID: envelopeID, authenticatedUser: user, body: body))
    }

    func recipient(_ message: QueuedMessage, _ address: String) async throws -> QueuedRecipient? {
        try await store.queuedMessage(id: message.id)?.recipients.first { $0.address == address }
    }

    func inbox(_ account: Account) async throws -> [[UInt8]] {
        let inbox = try await store.mailbox(accountID: account.id, name: "INBOX")!
        var bodies: [[UInt8]] = []
        for record in try await store.messages(mailboxID: inbox.id) {
            bodies.append(try await store.messageBody(mailboxID: inbox.id, uid: record.uid))
        }
        return bodies
    }

    /// The notifications in alice's INBOX, parsed.
    func reports() async throws -> [DeliveryReport] {
        try await inbox(alice).map { try DeliveryReport($0) }
    }

    // MARK: Routing and grouping

    func testTwoDomainsAreTwoTransactions() async throws {
        let message = try await enqueue(["bob@remote.test", "carol@other.test"])
        await runner().runOnce()
        let calls = transport.calls.sorted { $0.recipients[0] < $1.recipients[0] }
        XCTAssertEqual(calls.map(\.recipients), [["bob@remote.test"], ["carol@other.test"]])
        XCTAssertEqual(calls.map { $0.hosts.map(\.name) }, [["mx.remote.test"], ["mx.other.test"]])
        XCTAssertEqual(calls.map { $0.hosts.first?.port }, [25, 25])
        XCTAssertEqual(calls.map(\.transaction.sender), ["alice@example.org", "alice@example.org"])
        XCTAssertEqual(calls.map(\.tls), [.opportunistic, .opportunistic])
        XCTAssertNil(calls[0].credentials)
        XCTAssertEqual(observer.counts, .init(delivered: 2, bounced: 0, deferred: 0))
        // Both delivered: the finished message is removed after the pass.
        let left = try await store.queuedMessage(id: message.id)
        XCTAssertNil(left)
        let notices = try await inbox(alice)
        XCTAssertTrue(notices.isEmpty, "no success notice unless NOTIFY asks")
    }

    func testRecipientsOfOneDomainShareOneTransactionWithTheirParameters() async throws {
        let body = Array("From: alice@example.org\r\nSubject: caf\u{E9}\r\n\r\n8-bit \u{E9}\r\n".utf8)
        let draft = OutboundMessageDraft(
            sender: "alice@example.org",
            recipients: [.init(address: "a@remote.test", notify: [.success, .failure]),
                         .init(address: "b@REMOTE.test",
                               originalRecipient: OriginalRecipientAddress(addressType: "rfc822", address: "x@y.test")),
                         .init(address: "c@remote.test.")],
            ret: .headers, envelopeID: "env-1", smtpUTF8: true, bodyType: .eightBitMIME, body: body)
        _ = try await store.enqueueOutbound(draft)
        await runner().runOnce()
        XCTAssertEqual(transport.calls.count, 1)
        let transaction = try XCTUnwrap(transport.calls.first?.transaction)
        XCTAssertEqual(transaction.recipients.map(\.address), ["a@remote.test", "b@REMOTE.test", "c@remote.test."])
        XCTAssertEqual(transaction.recipients[0].notify, [.success, .failure])
        XCTAssertEqual(transaction.recipients[1].originalRecipient?.address, "x@y.test")
        XCTAssertEqual(transaction.body, body, "relayed unchanged: not signed, not rewritten")
        XCTAssertEqual(transaction.bodyType, .eightBitMIME)
        XCTAssertTrue(transaction.smtpUTF8)
        XCTAssertEqual(transaction.ret, .headers)
        XCTAssertEqual(transaction.envelopeID, "env-1")
        XCTAssertEqual(dns.questions.filter { $0.hasPrefix("MX") }, ["MX remote.test"])
    }

    func testEachDomainIsRoutedOncePerPass() async throws {
        for index in 0..<4 { try await enqueue(["u\(index)@remote.test"]) }
        await runner { $0.concurrentDeliveries = 2 }.runOnce()
        XCTAssertEqual(transport.calls.count, 4)
        XCTAssertEqual(dns.questions, ["MX remote.test", "A mx.remote.test"])
        XCTAssertEqual(observer.counts.delivered, 4)
    }

    func testRecipientIsMarkedDeliveringDuringTheAttempt() async throws {
        let states = Mutex<[QueuedRecipientState]>([])
        let store = self.store!
        let watching = FakeOutboundTransport { _ in
            let message = try? await store.queuedMessages().first
            states.withLock { $0 += message?.recipients.map(\.state) ?? [] }
        }
        try await enqueue(["bob@remote.test"])
        await runner(transport: watching).runOnce()
        XCTAssertEqual(states.withLock { $0 }, [.delivering])
    }

    func testSmarthostGetsItsTLSModeAndCredentialsOthersTheirPolicy() async throws {
        let credentials = SMTPClientCredentials(username: "relay-user", password: "pw")
        try await enqueue(["bob@remote.test", "x@mapped.test"])
        await runner({
            $0.smarthostTLS = .implicit
            $0.smarthostCredentials = credentials
            $0.tlsPolicies = ["mapped.test": .requireVerified]
        }, smarthost: RelayDestination(host: "127.0.0.9", port: 465),
           transportMap: ["mapped.test": RelayDestination(host: "127.0.0.8", port: 2525)]).runOnce()
        let byRecipient = Dictionary(uniqueKeysWithValues: transport.calls.map { ($0.recipients[0], $0) })
        let smart = try XCTUnwrap(byRecipient["bob@remote.test"])
        XCTAssertEqual(smart.hosts.map(\.port), [465])
        XCTAssertEqual(smart.tls, .implicit)
        XCTAssertEqual(smart.credentials, credentials)
        let mapped = try XCTUnwrap(byRecipient["x@mapped.test"])
        XCTAssertEqual(mapped.hosts.map(\.port), [2525])
        XCTAssertEqual(mapped.tls, .requireVerified)
        XCTAssertNil(mapped.credentials, "credentials go to the smarthost only")
        XCTAssertTrue(dns.questions.isEmpty, "IP addresses need no lookup")
    }

    // MARK: Retries

    func testTemporaryFailureIsRetriedAfter5Then10Then20MinutesUpToTheCap() async throws {
        transport.answerEveryone(with: FakeOutboundTransport.greylisted)
        let message = try await enqueue(["bob@remote.test"])
        let runner = runner { $0.maxRetryInterval = 1500 }
        let t0 = message.createdAt
        var now = t0
        for (attempt, interval) in [300.0, 600, 1200, 1500, 1500].enumerated() {
            await runner.runOnce(now: now)
            let state = try await XCTUnwrapAsync(await recipient(message, "bob@remote.test"))
            XCTAssertEqual(state.state, .queued)
            XCTAssertEqual(state.attempts, attempt + 1)
            XCTAssertEqual(state.nextAttemptAt.timeIntervalSince1970, now.timeIntervalSince1970 + interval,
                           accuracy: 0.01)
            XCTAssertEqual(state.lastError, "mx.remote.test [127.0.0.2]: 451 4.7.1 greylisted, try later")
            // Not due a moment before its time.
            await runner.runOnce(now: state.nextAttemptAt.addingTimeInterval(-1))
            XCTAssertEqual(transport.calls.count, attempt + 1)
            now = state.nextAttemptAt
        }
        XCTAssertEqual(observer.counts, .init(delivered: 0, bounced: 0, deferred: 5))
        let notices = try await inbox(alice)
        XCTAssertTrue(notices.isEmpty)
    }

    func testDeliveredRecipientIsNeverSentAgain() async throws {
        transport.answer("slow@remote.test", with: FakeOutboundTransport.greylisted)
        let message = try await enqueue(["fast@remote.test", "slow@remote.test"])
        let runner = runner()
        await runner.runOnce(now: message.createdAt)
        transport.answerEveryone(with: FakeOutboundTransport.accepted)
        await runner.runOnce(now: message.createdAt.addingTimeInterval(300))
        XCTAssertEqual(transport.calls.map(\.recipients), [["fast@remote.test", "slow@remote.test"],
                                                           ["slow@remote.test"]])
        let left = try await store.queuedMessage(id: message.id)
        XCTAssertNil(left)
    }

    func testDNSFailureAndMissingOutcomesAreTemporary() async throws {
        dns.setMX("flaky.test", .temporaryFailure("SERVFAIL"))
        let message = try await enqueue(["a@flaky.test", "b@remote.test"])
        transport.omitOutcomes()
        await runner().runOnce(now: message.createdAt)
        let flaky = try await XCTUnwrapAsync(await recipient(message, "a@flaky.test"))
        XCTAssertEqual(flaky.state, .queued)
        XCTAssertEqual(flaky.lastError, "cannot look up flaky.test: SERVFAIL")
        let remote = try await XCTUnwrapAsync(await recipient(message, "b@remote.test"))
        XCTAssertEqual(remote.state, .queued)
        XCTAssertEqual(remote.lastError, "mx.remote.test [127.0.0.2]: no outcome reported for this recipient")
        XCTAssertEqual(transport.calls.map(\.recipients), [["b@remote.test"]])
    }

    func testGivingUpBouncesWith447IntoTheLocalSendersInbox() async throws {
        transport.answerEveryone(with: FakeOutboundTransport.greylisted)
        let message = try await enqueue(["bob@remote.test"], envelopeID: "env-7")
        let runner = runner { $0.giveUpAfter = 3600; $0.delayWarningAfter = 7200 }
        await runner.runOnce(now: message.createdAt)
        await runner.runOnce(now: message.createdAt.addingTimeInterval(3600))
        let reports = try await reports()
        XCTAssertEqual(reports.count, 1)
        let report = try XCTUnwrap(reports.first)
        XCTAssertEqual(report.field("Final-Recipient"), "rfc822; bob@remote.test")
        XCTAssertEqual(report.field("Action"), "failed")
        XCTAssertEqual(report.field("Status"), "4.4.7")
        XCTAssertEqual(report.field("Original-Envelope-Id"), "env-7")
        XCTAssertEqual(report.field("Remote-MTA"), "dns; mx.remote.test")
        XCTAssertTrue(report.field("Diagnostic-Code")?.contains("451 4.7.1 greylisted") ?? false)
        XCTAssertEqual(report.header("Return-Path"), "<>")
        XCTAssertEqual(report.header("To"), "<alice@example.org>")
        XCTAssertTrue(report.returnedMessage.contains("Subject: Hello"))
        XCTAssertEqual(observer.counts, .init(delivered: 0, bounced: 1, deferred: 1))
        let queue = try await store.queuedMessages()
        XCTAssertTrue(queue.isEmpty, "the failed message is removed and the notice went to the INBOX")
    }

    // MARK: Bounces

    func testPermanentFailuresOfOneMessageBounceAtOnceInOneNotice() async throws {
        transport.answer("gone@remote.test", with: FakeOutboundTransport.noSuchUser)
        transport.answer("gone@other.test", with: FakeOutboundTransport.noSuchUser)
        let message = try await enqueue(["gone@remote.test", "here@remote.test", "gone@other.test"])
        await runner().runOnce(now: message.createdAt)
        let reports = try await reports()
        XCTAssertEqual(reports.count, 1)
        let report = try XCTUnwrap(reports.first)
        XCTAssertEqual(Set(report.fields("Final-Recipient")), ["rfc822; gone@remote.test", "rfc822; gone@other.test"])
        XCTAssertEqual(report.fields("Status"), ["5.1.1", "5.1.1"])
        XCTAssertEqual(report.fields("Diagnostic-Code"), ["smtp; 550 5.1.1 no such user", "smtp; 550 5.1.1 no such user"])
        XCTAssertFalse(report.statusText.contains("here@remote.test"))
        let gone = try await store.queuedMessages()
        XCTAssertTrue(gone.isEmpty)
        XCTAssertEqual(observer.counts, .init(delivered: 1, bounced: 2, deferred: 0))
    }

    func testNullMXAndMissingDomainBounceWithoutAConnection() async throws {
        let message = try await enqueue(["x@null.test", "y@missing.test", "nodomain"])
        await runner().runOnce(now: message.createdAt)
        XCTAssertTrue(transport.calls.isEmpty)
        let report = try await XCTUnwrapAsync(try await reports().first)
        let statuses = Dictionary(uniqueKeysWithValues: zip(report.fields("Final-Recipient"), report.fields("Status")))
        XCTAssertEqual(statuses, ["rfc822; x@null.test": "5.1.10", "rfc822; y@missing.test": "5.1.2",
                                  "rfc822; nodomain": "5.1.3"])
    }

    func testNullSenderGetsNoNotice() async throws {
        transport.answerEveryone(with: FakeOutboundTransport.noSuchUser)
        let message = try await enqueue(["gone@remote.test", "x@null.test"], sender: "")
        await runner().runOnce(now: message.createdAt)
        let notices = try await inbox(alice)
        XCTAssertTrue(notices.isEmpty)
        let queue = try await store.queuedMessages()
        XCTAssertTrue(queue.isEmpty, "failed, removed, and no notice queued")
        XCTAssertEqual(observer.counts.bounced, 2)
    }

    func testNotifyNeverAndNotifySuccessOnlySuppressTheBounce() async throws {
        transport.answerEveryone(with: FakeOutboundTransport.noSuchUser)
        let never = try await enqueue(["a@remote.test"], notify: .never)
        let successOnly = try await enqueue(["b@remote.test"], notify: .success)
        await runner().runOnce(now: max(never.createdAt, successOnly.createdAt))
        let notices = try await inbox(alice)
        XCTAssertTrue(notices.isEmpty)
        XCTAssertEqual(observer.counts.bounced, 2)
    }

    func testNotifySuccessGivesADeliveredNotice() async throws {
        try await enqueue(["bob@remote.test", "quiet@remote.test"], notify: .success)
        _ = try await store.enqueueOutbound(OutboundMessageDraft(
            sender: "alice@example.org", recipients: [.init(address: "other@remote.test")], body: Self.body()))
        await runner().runOnce()
        let reports = try await reports()
        XCTAssertEqual(reports.count, 1, "one notice for the message that asked, none for the other")
        let report = try XCTUnwrap(reports.first)
        XCTAssertEqual(report.fields("Action"), ["delivered", "delivered"])
        XCTAssertEqual(report.fields("Status"), ["2.0.0", "2.0.0"])
        XCTAssertEqual(report.header("Subject"), "Successful Mail Delivery Report")
        XCTAssertEqual(report.returnedPartType, "text/rfc822-headers", "success notices carry the header only")
    }

    func testDelayWarningIsSentOnce() async throws {
        transport.answerEveryone(with: FakeOutboundTransport.greylisted)
        let message = try await enqueue(["bob@remote.test"])
        let runner = runner { $0.delayWarningAfter = 3600; $0.giveUpAfter = 86400 }
        await runner.runOnce(now: message.createdAt)
        var count = try await inbox(alice).count
        XCTAssertEqual(count, 0, "not late yet")
        await runner.runOnce(now: message.createdAt.addingTimeInterval(4000))
        let reports = try await reports()
        XCTAssertEqual(reports.count, 1)
        XCTAssertEqual(reports.first?.field("Action"), "delayed")
        XCTAssertEqual(reports.first?.field("Status"), "4.7.1")
        XCTAssertNotNil(reports.first?.field("Will-Retry-Until"))
        // Later deferrals warn no more.
        for _ in 0..<3 {
            let next = try await XCTUnwrapAsync(await recipient(message, "bob@remote.test")).nextAttemptAt
            await runner.runOnce(now: next)
        }
        count = try await inbox(alice).count
        XCTAssertEqual(count, 1)
        XCTAssertEqual(transport.calls.count, 5)
    }

    func testRemoteSenderGetsTheNoticeThroughTheQueueAndItsFailureIsNotAnswered() async throws {
        transport.answerEveryone(with: FakeOutboundTransport.noSuchUser)
        let message = try await enqueue(["gone@remote.test"], sender: "someone@other.test")
        let runner = runner()
        await runner.runOnce(now: message.createdAt)
        let queued = try await store.queuedMessages()
        XCTAssertEqual(queued.count, 1)
        let notice = try XCTUnwrap(queued.first)
        XCTAssertEqual(notice.sender, "", "notifications use the null reverse-path")
        XCTAssertEqual(notice.recipients.map(\.address), ["someone@other.test"])
        XCTAssertEqual(notice.recipients.first?.notify, .never)
        // The runner sends it like any mail; its own failure is not answered.
        await runner.runOnce(now: message.createdAt.addingTimeInterval(1))
        XCTAssertEqual(transport.calls.last?.transaction.sender, "")
        XCTAssertEqual(transport.calls.last?.recipients, ["someone@other.test"])
        let after = try await store.queuedMessages()
        XCTAssertTrue(after.isEmpty)
    }

    func testHostileRemoteTextCannotInjectHeadersIntoTheNotice() async throws {
        transport.answerEveryone(with: .permanentFailure(status: "5.7.1",
                                                         diagnostic: "550 5.7.1 no\r\nBcc: victim@example.org\r\n\r\nX"))
        let message = try await enqueue(["gone@remote.test"])
        await runner().runOnce(now: message.createdAt)
        let report = try await XCTUnwrapAsync(try await reports().first)
        XCTAssertNil(report.header("Bcc"))
        XCTAssertFalse(report.statusText.contains("\r\nBcc:"))
        XCTAssertEqual(report.field("Status"), "5.7.1")
    }

    func testOversizedBounceReturnsTheHeaderAndAnUnstorableOneKeepsTheRecipient() async throws {
        try await store.close()
        store = try SQLiteMailStore(directory: directory.appendingPathComponent("small").path, logger: logger,
                                    maximumMessageSize: 4000)
        transport.answerEveryone(with: FakeOutboundTransport.noSuchUser)
        // RET=FULL, but the whole message inside the notice would pass the bound.
        let big = Self.body() + Array(String(repeating: "x", count: 3000).utf8) + [13, 10]
        let message = try await enqueue(["gone@remote.test"], sender: "someone@other.test", body: big, ret: .full)
        await runner().runOnce(now: message.createdAt)
        let notice = try await XCTUnwrapAsync(try await store.queuedMessages().first { $0.sender == "" })
        let report = try DeliveryReport(try await store.queuedMessageBody(id: notice.id))
        XCTAssertEqual(report.returnedPartType, "text/rfc822-headers")
        XCTAssertEqual(report.field("Status"), "5.1.1")

        // Even the header alone is too large: the recipient waits for its notice.
        let filler = String(repeating: "y", count: 3800)
        let huge = try await enqueue(["gone2@remote.test"], sender: "someone@other.test",
                                     body: Array("From: a@other.test\r\nX-Filler: \(filler)\r\n\r\nhi\r\n".utf8))
        await runner().runOnce(now: huge.createdAt)
        let waiting = try await XCTUnwrapAsync(await recipient(huge, "gone2@remote.test"))
        XCTAssertEqual(waiting.state, .queued)
        XCTAssertTrue(waiting.lastError?.contains("failure notice not yet sent") ?? false, "\(waiting)")
        XCTAssertGreaterThan(waiting.nextAttemptAt, huge.createdAt)
        // At the give-up time it fails even without its notice (no endless retries).
        await runner { $0.giveUpAfter = 60 }.runOnce(now: huge.createdAt.addingTimeInterval(3600))
        let failed = try await store.queuedMessage(id: huge.id)
        XCTAssertNil(failed, "failed and removed")
    }

    // MARK: DKIM

    func testAuthenticatedMailIsSignedOnceAndVerifies() async throws {
        let keys = DKIMKeyStore(dataDirectory: directory.path)
        let key = try DKIMPrivateKey.generate(.ed25519)
        try keys.save(key, domain: "example.org", selector: "s1")
        try await enqueue(["bob@remote.test", "carol@other.test"], user: "alice@example.org")
        await runner(dkim: keys).runOnce()
        let bodies = transport.calls.map(\.transaction.body)
        XCTAssertEqual(bodies.count, 2)
        XCTAssertEqual(bodies[0], bodies[1], "signed once per message")
        let signed = try XCTUnwrap(bodies.first)
        XCTAssertTrue(signed.starts(with: Array("DKIM-Signature:".utf8)))
        XCTAssertEqual(try DKIMTestVerifier.verify(signed, key: key.publicKey), .pass)
        let tags = DKIMTestVerifier.tags(ofField: String(decoding: signed, as: UTF8.self))
        XCTAssertEqual(tags["d"], "example.org")
        XCTAssertEqual(tags["s"], "s1")
        XCTAssertEqual(Array(signed.suffix(Self.body().count)), Self.body())
    }

    func testRelayedMailAndForeignFromAreNotSignedByTheWrongDomain() async throws {
        let keys = DKIMKeyStore(dataDirectory: directory.path)
        try keys.save(try DKIMPrivateKey.generate(.ed25519), domain: "example.org", selector: "s1")
        try keys.save(try DKIMPrivateKey.generate(.ed25519), domain: "bank.test", selector: "s1")
        // Relayed (no authenticated user): unchanged.
        try await enqueue(["a@remote.test"])
        // Authenticated, but From names a domain the user does not own:
        // signed for the sender's domain only.
        try await enqueue(["b@remote.test"], user: "alice@example.org", body: Self.body(from: "ceo@bank.test"))
        await runner(dkim: keys).runOnce()
        let byRecipient = Dictionary(uniqueKeysWithValues: transport.calls.map { ($0.recipients[0], $0.transaction.body) })
        XCTAssertEqual(byRecipient["a@remote.test"], Self.body())
        let forged = try XCTUnwrap(byRecipient["b@remote.test"])
        XCTAssertEqual(DKIMTestVerifier.tags(ofField: String(decoding: forged, as: UTF8.self))["d"], "example.org")
    }

    func testAuthenticatedMailWithoutKeyOrFromGoesOutUnsigned() async throws {
        let keys = DKIMKeyStore(dataDirectory: directory.path)
        try keys.save(try DKIMPrivateKey.generate(.ed25519), domain: "example.org", selector: "s1")
        let noFrom = Array("Subject: no author\r\n\r\nbody\r\n".utf8)
        try await enqueue(["a@remote.test"], user: "alice@example.org", body: noFrom)
        try await enqueue(["b@remote.test"], sender: "x@nokey.test", user: "x@nokey.test",
                          body: Self.body(from: "x@nokey.test"))
        await runner(dkim: keys).runOnce()
        let byRecipient = Dictionary(uniqueKeysWithValues: transport.calls.map { ($0.recipients[0], $0.transaction.body) })
        XCTAssertEqual(byRecipient["a@remote.test"], noFrom)
        XCTAssertEqual(byRecipient["b@remote.test"], Self.body(from: "x@nokey.test"))
    }

    func testEveryAttemptIsLoggedLikePostfix() async throws {
        let lines = LogLines()
        let logger = Logger(label: "queue-log") { _ in CapturingLogHandler(lines: lines) }
        transport.answer("later@remote.test", with: FakeOutboundTransport.greylisted)
        transport.answer("gone@remote.test", with: FakeOutboundTransport.noSuchUser)
        let message = try await enqueue(["ok@remote.test", "later@remote.test", "gone@remote.test"])
        let router = MXRouter(resolver: dns, shuffle: { $0 })
        let runner = QueueRunner(store: store, router: router, transport: transport,
                                 configuration: OutboundConfiguration(hostName: "mx.example.org"), dkimKeys: nil,
                                 logger: logger)
        await runner.runOnce(now: message.createdAt)
        let logged = lines.all
        func line(_ recipient: String) -> String? { logged.first { $0.contains("to=<\(recipient)>") } }
        XCTAssertEqual(line("ok@remote.test"), "\(message.id): to=<ok@remote.test>, relay=mx.remote.test [127.0.0.2], "
            + "delay=0, attempts=1, dsn=2.0.0, status=sent (250 2.0.0 queued as 42)")
        XCTAssertTrue(line("later@remote.test")?.contains("dsn=4.7.1, status=deferred (mx.remote.test") ?? false)
        XCTAssertTrue(line("gone@remote.test")?.contains("dsn=5.1.1, status=bounced (") ?? false)
    }

    // MARK: Running

    func testInterruptedDeliveriesAreRequeuedAtStartAndWakeStartsAPass() async throws {
        let message = try await enqueue(["bob@remote.test"])
        try await store.updateRecipient(queueID: message.id, address: "bob@remote.test", state: .delivering,
                                        lastError: nil, nextAttemptAt: nil)
        await runner().runOnce()
        XCTAssertTrue(transport.calls.isEmpty, "an interrupted recipient is not due until requeued")

        let attempted = AsyncStream.makeStream(of: [String].self)
        let signalling = FakeOutboundTransport { attempted.continuation.yield($0.recipients.map(\.address)) }
        let runner = runner({ $0.pollInterval = 3600 }, transport: signalling)
        let task = Task { await runner.run() }
        var iterator = attempted.stream.makeAsyncIterator()
        let first = await iterator.next()
        XCTAssertEqual(first, ["bob@remote.test"])
        // A new message is seen at once after wake(), not after the poll interval.
        try await enqueue(["carol@other.test"])
        runner.wake()
        let second = await iterator.next()
        XCTAssertEqual(second, ["carol@other.test"])
        task.cancel()
        await task.value  // run() returns on cancellation
        let left = try await store.queuedMessages()
        XCTAssertTrue(left.allSatisfy { $0.isFinished })
    }
}

// MARK: - Test helpers

final class CountingQueueObserver: QueueRunnerObserver {
    struct Counts: Equatable { var delivered = 0, bounced = 0, deferred = 0 }
    private let state = Mutex(Counts())
    var counts: Counts { state.withLock { $0 } }
    func recipientDelivered() { state.withLock { $0.delivered += 1 } }
    func recipientBounced() { state.withLock { $0.bounced += 1 } }
    func recipientDeferred() { state.withLock { $0.deferred += 1 } }
}

struct NotAReport: Error { var text: String }

/// An RFC 3464 report as found in a mailbox, checked to be
/// multipart/report; report-type=delivery-status with three parts.
struct DeliveryReport {
    let bytes: [UInt8]
    let header: MessageHeader
    /// The message/delivery-status part.
    let statusText: String
    let returnedPartType: String
    let returnedMessage: String

    init(_ bytes: [UInt8]) throws {
        self.bytes = bytes
        header = MessageHeader.parse(bytes)
        let root = ParsedMessage.parse(bytes).root
        guard root.type == "multipart", root.subtype == "report",
              root.parameters.first(where: { $0.name.lowercased() == "report-type" })?.value == "delivery-status",
              root.parts.count == 3, root.parts[1].type == "message", root.parts[1].subtype == "delivery-status"
        else { throw NotAReport(text: String(decoding: bytes.prefix(600), as: UTF8.self)) }
        func text(_ part: MIMEPart) -> String {
            String(decoding: bytes[part.bodyOffset..<min(bytes.count, part.bodyOffset + part.bodySize)], as: UTF8.self)
        }
        statusText = text(root.parts[1])
        returnedPartType = "\(root.parts[2].type)/\(root.parts[2].subtype)"
        returnedMessage = text(root.parts[2])
    }

    func header(_ name: String) -> String? { header[name] }

    /// Every value of a delivery-status field, in order.
    func fields(_ name: String) -> [String] {
        statusText.components(separatedBy: "\r\n").compactMap { line in
            guard line.lowercased().hasPrefix(name.lowercased() + ":") else { return nil }
            return line.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces)
        }
    }

    func field(_ name: String) -> String? { fields(name).first }
}

/// `XCTUnwrap` for a value produced by an async expression.
func XCTUnwrapAsync<T>(_ value: @autoclosure () async throws -> T?, file: StaticString = #filePath,
                       line: UInt = #line) async throws -> T {
    let result = try await value()
    return try XCTUnwrap(result, file: file, line: line)
}

/// Keeps each log message (without metadata) for the log-line test.
final class LogLines: Sendable {
    private let lines = Mutex<[String]>([])
    var all: [String] { lines.withLock { $0 } }
    func append(_ line: String) { lines.withLock { $0.append(line) } }
}

struct CapturingLogHandler: LogHandler {
    let lines: LogLines
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String,
             file: String, function: String, line: UInt) {
        lines.append(message.description)
    }
}
