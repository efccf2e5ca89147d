// The queue runner's RFC 3464 notices: bounces, delay warnings, success
// notices as NOTIFY asks, none for the null sender, and hostile remote text.
import Foundation
import Logging
import MailCore
import MailStore
import Synchronization
import XCTest
@testable import SMTP

final class QueueRunnerNoticeTests: QueueRunnerTestCase {
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

    func testNotifySuccessToARemoteWithoutDSNGivesARelayedNotice() async throws {
        transport.offerDSN(false)
        try await enqueue(["bob@remote.test", "quiet@remote.test"], notify: .success)
        _ = try await store.enqueueOutbound(OutboundMessageDraft(
            sender: "alice@example.org", recipients: [.init(address: "other@remote.test")], body: Self.body()))
        await runner().runOnce()
        let reports = try await reports()
        XCTAssertEqual(reports.count, 1, "one notice for the message that asked, none for the other")
        let report = try XCTUnwrap(reports.first)
        // RFC 3461 §6.2.2: the remote could not be told NOTIFY, so Tern reports "relayed".
        XCTAssertEqual(report.fields("Action"), ["relayed", "relayed"])
        XCTAssertEqual(report.fields("Status"), ["2.0.0", "2.0.0"])
        XCTAssertEqual(report.header("Subject"), "Successful Mail Delivery Report")
        XCTAssertEqual(report.returnedPartType, "text/rfc822-headers", "success notices carry the header only")
    }

    func testNotifySuccessToARemoteOfferingDSNLeavesTheNoticeToTheRemote() async throws {
        transport.offerDSN()
        transport.answer("gone@remote.test", with: FakeOutboundTransport.noSuchUser)
        let message = try await enqueue(["bob@remote.test", "gone@remote.test"], notify: [.success, .failure])
        await runner().runOnce(now: message.createdAt)
        let reports = try await reports()
        XCTAssertEqual(reports.count, 1, "only the bounce: the remote sends the success notice itself")
        let report = try XCTUnwrap(reports.first)
        XCTAssertEqual(report.fields("Action"), ["failed"])
        XCTAssertEqual(report.fields("Final-Recipient"), ["rfc822; gone@remote.test"])
        XCTAssertEqual(transport.calls.first?.transaction.recipients.first?.notify, [.success, .failure])
        let queue = try await store.queuedMessages()
        XCTAssertTrue(queue.isEmpty)
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
}
