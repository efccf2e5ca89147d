// The queue runner's deliveries: routing and grouping per domain, retries
// on the schedule, giving up, the log lines and the running loop.
import Foundation
import Logging
import MailCore
import MailStore
import Synchronization
import XCTest
@testable import SMTP

final class QueueRunnerTests: QueueRunnerTestCase {
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
        XCTAssertEqual(line("ok@remote.test"), "\(message.id): from=<alice@example.org>, to=<ok@remote.test>, "
            + "message-id=<m1@example.org>, size=\(message.size), relay=mx.remote.test [127.0.0.2]:25, "
            + "conn=new, delay=0, attempts=1, dsn=2.0.0, status=sent (250 2.0.0 queued as 42)")
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
