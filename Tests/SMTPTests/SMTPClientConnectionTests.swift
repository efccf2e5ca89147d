// NIOSMTPClient's connection bounds (in total, per host) and connection
// reuse (parking, RSET before reuse, stale and expired connections, eviction).
import Foundation
import Logging
import MailStore
import NIOCore
import NIOPosix
import NIOSSL
import XCTest
@testable import SMTP

final class SMTPClientConnectionTests: SMTPClientTestCase {
    // MARK: - Connection bounds

    func testConnectionsPerHostAreBounded() async throws {
        let server = try await start()
        let bounded = client(maxConnections: 10, perHost: 1)
        let target = host("mx.test", server)
        let results = await withTaskGroup(of: OutboundAttemptResult.self) { group in
            for index in 0..<4 {
                let message = transaction(["r\(index)@mx.test"])
                group.addTask { await bounded.deliver(message, hosts: [target], tls: .none, credentials: nil) }
            }
            var results: [OutboundAttemptResult] = []
            for await result in group { results.append(result) }
            return results
        }
        XCTAssertEqual(results.flatMap { $0.outcomes.values.map { status($0) } }, Array(repeating: "delivered 250", count: 4))
        XCTAssertEqual(server.recording.connections, 4)
        XCTAssertEqual(server.recording.maxOpenConnections, 1)
    }

    func testConnectionLimiterServesWaitersInOrderAndHonoursCancellation() async throws {
        let limiter = ConnectionLimiter(maxTotal: 1, maxPerHost: 1)
        try await limiter.acquire(host: "a")
        let waiting = Task { try await limiter.acquire(host: "b") }
        let cancelled = Task { try await limiter.acquire(host: "c") }
        cancelled.cancel()
        do {
            _ = try await cancelled.value
            XCTFail("a cancelled waiter got a slot")
        } catch {
            XCTAssertTrue(error is CancellationError)
        }
        await limiter.release(host: "a")
        _ = try await waiting.value
        let active = await limiter.activeCount
        XCTAssertEqual(active, 1)
        await limiter.release(host: "b")
        let none = await limiter.activeCount
        XCTAssertEqual(none, 0)
    }

    func testTheLimiterHandsParkedConnectionsToTheSameDestinationAndEvictsOnlyForTheGlobalLimit() async throws {
        let limiter = ConnectionLimiter(maxTotal: 2, maxPerHost: 1)
        let keyA = SMTPPoolKey(host: "a", port: 25, policy: .none, credentials: nil)
        let keyB = SMTPPoolKey(host: "b", port: 25, policy: .none, credentials: nil)
        try await limiter.acquire(host: "a", key: keyA)
        try await limiter.acquire(host: "b", key: keyB)
        // A waiter for a's destination gets a's connection when it is parked, not a new slot.
        let waiterA = Task { try await limiter.acquire(host: "a", key: keyA) }
        try await waitForWaiter(limiter)
        let connectionA = SMTPPooledConnection(key: keyA)
        let handed = await limiter.park(connectionA)
        XCTAssertEqual(handed, .handedOver)
        let got = try await waiterA.value
        XCTAssertTrue(got === connectionA)
        // Nobody waits: parked; taken again by the same destination without a slot.
        guard case .parked = await limiter.park(connectionA) else { return XCTFail("not parked") }
        let again = try await limiter.acquire(host: "a", key: keyA)
        XCTAssertTrue(again === connectionA)
        guard case .parked = await limiter.park(connectionA) else { return XCTFail("not parked") }
        // Another host at the global limit: the parked connection is closed for it, and it waits for the slot.
        let waiterC = Task { try await limiter.acquire(host: "c") }
        try await waitForWaiter(limiter)
        let idle = await limiter.idleCount
        XCTAssertEqual(idle, 0)
        let stale = await connectionA.submit(transaction(["x@a"]))
        XCTAssertNil(stale, "the evicted connection takes no transaction")
        await limiter.release(host: "a")
        let slot = try await waiterC.value
        XCTAssertNil(slot, "a fresh slot")
        // b's connection, parked while a waits at the global limit: refused, so its slot goes to that waiter.
        let waiterA2 = Task { try await limiter.acquire(host: "a", key: keyA) }
        try await waitForWaiter(limiter)
        let refused = await limiter.park(SMTPPooledConnection(key: keyB))
        XCTAssertEqual(refused, .refused)
        await limiter.release(host: "b")
        let slotA = try await waiterA2.value
        XCTAssertNil(slotA)
        let active = await limiter.activeCount
        XCTAssertEqual(active, 2)
    }

    // MARK: - Connection reuse

    func testAConnectionIsReusedForTheNextTransactionToTheSameHost() async throws {
        let server = try await start()
        let reusing = client(idle: .seconds(60))
        let first = await deliver(transaction(["a@mx.test"]), to: [host("mx.test", server)], client: reusing)
        let second = await deliver(transaction(["b@mx.test"], body: "second\r\n"), to: [host("mx.test", server)],
                                   client: reusing)
        XCTAssertEqual(status(first.outcomes["a@mx.test"]), "delivered 250")
        XCTAssertEqual(status(second.outcomes["b@mx.test"]), "delivered 250")
        XCTAssertFalse(first.reusedConnection)
        XCTAssertTrue(second.reusedConnection)
        XCTAssertEqual(second.remoteMTA, "mx.test [127.0.0.1]")
        await reusing.closeIdleConnections()
        XCTAssertEqual(server.recording.connections, 1)
        XCTAssertEqual(server.recording.lines.map { String($0.prefix(4)) },
                       ["EHLO", "MAIL", "RCPT", "DATA", "MAIL", "RCPT", "DATA", "QUIT"])
        XCTAssertEqual(server.recording.messages.last, Array("second\r\n".utf8))
    }

    func testAnOpenTransactionIsResetBeforeReuse() async throws {
        var behaviour = ScriptedBehaviour()
        behaviour.rule = { $0 == "RCPT TO:<nobody@mx.test>" ? .text("550 5.1.1 nobody") : nil }
        let server = try await start(behaviour)
        let reusing = client(idle: .seconds(60))
        let refused = await deliver(transaction(["nobody@mx.test"]), to: [host("mx.test", server)], client: reusing)
        XCTAssertEqual(status(refused.outcomes["nobody@mx.test"]), "permanent 5.1.1")
        let sent = await deliver(transaction(["a@mx.test"]), to: [host("mx.test", server)], client: reusing)
        XCTAssertEqual(status(sent.outcomes["a@mx.test"]), "delivered 250")
        XCTAssertTrue(sent.reusedConnection)
        XCTAssertEqual(server.recording.lines.map { String($0.prefix(4)) },
                       ["EHLO", "MAIL", "RCPT", "RSET", "MAIL", "RCPT", "DATA"])
    }

    func testAConnectionClosedWhileIdleIsReplacedByAFreshOne() async throws {
        var behaviour = ScriptedBehaviour()
        behaviour.dataEnd = .textThenClose("250 2.0.0 ok, and goodbye")
        let server = try await start(behaviour)
        let reusing = client(idle: .seconds(60))
        let first = await deliver(transaction(["a@mx.test"]), to: [host("mx.test", server)], client: reusing)
        XCTAssertEqual(status(first.outcomes["a@mx.test"]), "delivered 250")
        let second = await deliver(transaction(["b@mx.test"]), to: [host("mx.test", server)], client: reusing)
        XCTAssertEqual(status(second.outcomes["b@mx.test"]), "delivered 250")
        XCTAssertFalse(second.reusedConnection)
        XCTAssertEqual(server.recording.connections, 2)
        XCTAssertEqual(server.recording.messages.count, 2)
    }

    func testAnIdleConnectionExpires() async throws {
        let server = try await start()
        let reusing = client(idle: .milliseconds(50))
        _ = await deliver(transaction(["a@mx.test"]), to: [host("mx.test", server)], client: reusing)
        // Bounded wait for the QUIT of the expired connection.
        for _ in 0..<200 where server.recording.lines.last != "QUIT" {
            try await Task.sleep(nanoseconds: 25_000_000)
        }
        XCTAssertEqual(server.recording.lines.last, "QUIT")
        let second = await deliver(transaction(["b@mx.test"]), to: [host("mx.test", server)], client: reusing)
        XCTAssertFalse(second.reusedConnection)
        XCTAssertEqual(server.recording.connections, 2)
    }

    func testWaitingDeliveriesToTheSameHostTakeTheParkedConnections() async throws {
        var slow = ScriptedBehaviour()
        slow.dataEnd = .delayed(.milliseconds(20), "250 2.0.0 queued")
        let server = try await start(slow)
        let reusing = client(maxConnections: 10, perHost: 2, idle: .seconds(600))
        let target = host("mx.test", server)
        let jobs = (0..<12).map { (transaction(["r\($0)@mx.test"]), target) }
        let results = try await deliverAll(jobs, client: reusing)
        XCTAssertEqual(results.count, 12)
        XCTAssertEqual(results.flatMap { $0.outcomes.values.map { status($0) } },
                       Array(repeating: "delivered 250", count: 12))
        // Waiters get the parked connections: never more than the per-host limit, no connection per message.
        XCTAssertLessThanOrEqual(server.recording.connections, 2)
        XCTAssertGreaterThanOrEqual(results.filter(\.reusedConnection).count, 10)
        XCTAssertEqual(server.recording.messages.count, 12)
    }

    func testAWaiterForAnotherHostGetsASlotWhileParkedConnectionsAreHandedOver() async throws {
        var slow = ScriptedBehaviour()
        slow.dataEnd = .delayed(.milliseconds(20), "250 2.0.0 queued")
        let first = try await start(slow)
        let second = try await start()
        let reusing = client(maxConnections: 2, perHost: 2, idle: .seconds(600))
        let busy = (0..<8).map { (transaction(["r\($0)@one.test"]), host("one.test", first)) }
        let results = try await deliverAll(busy + [(transaction(["b@two.test"]), host("two.test", second))],
                                           client: reusing, delayLast: .milliseconds(30))
        XCTAssertEqual(results.count, 9, "every delivery ended, the other host's included")
        XCTAssertEqual(Set(results.flatMap { $0.outcomes.values.compactMap { status($0) } }), ["delivered 250"])
        XCTAssertEqual(second.recording.messages.count, 1)
        XCTAssertEqual(first.recording.messages.count, 8)
        XCTAssertLessThanOrEqual(first.recording.maxOpenConnections + second.recording.maxOpenConnections, 3)
        XCTAssertLessThan(first.recording.connections, 8, "one.test's connections were reused")
    }

    func testAnIdleConnectionGivesItsSlotToAnotherHost() async throws {
        let first = try await start()
        let second = try await start()
        let reusing = client(maxConnections: 1, idle: .seconds(600))
        _ = await deliver(transaction(["a@one.test"]), to: [host("one.test", first)], client: reusing)
        let other = host("two.test", second)
        let message = transaction(["b@two.test"])
        // Guarded: without eviction the delivery would wait for the 600 s idle timeout.
        let result = try await withThrowingTaskGroup(of: OutboundAttemptResult?.self) { group in
            group.addTask { await reusing.deliver(message, hosts: [other], tls: .none, credentials: nil) }
            group.addTask {
                try await Task.sleep(nanoseconds: 30_000_000_000)
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first
        }
        XCTAssertEqual(status(result?.outcomes["b@two.test"]), "delivered 250")
        XCTAssertEqual(first.recording.lines.last, "QUIT")
    }

    func testABusyConnectionIsNotParkedWhileADeliveryWaits() async throws {
        var slow = ScriptedBehaviour()
        slow.dataEnd = .delayed(.milliseconds(300), "250 2.0.0 slowly queued")
        let first = try await start(slow)
        let second = try await start()
        let reusing = client(maxConnections: 1, idle: .seconds(600))
        let one = host("one.test", first)
        let two = host("two.test", second)
        let messageOne = transaction(["a@one.test"])
        let messageTwo = transaction(["b@two.test"])
        // Guarded: a connection parked in spite of the waiting delivery would hold the only slot for 600 s.
        let results = try await withThrowingTaskGroup(of: OutboundAttemptResult?.self) { group in
            group.addTask { await reusing.deliver(messageOne, hosts: [one], tls: .none, credentials: nil) }
            group.addTask {
                try await Task.sleep(nanoseconds: 100_000_000)
                return await reusing.deliver(messageTwo, hosts: [two], tls: .none, credentials: nil)
            }
            group.addTask {
                try await Task.sleep(nanoseconds: 30_000_000_000)
                return nil
            }
            var results: [OutboundAttemptResult] = []
            while results.count < 2, let result = try await group.next() {
                guard let result else { break }
                results.append(result)
            }
            group.cancelAll()
            return results
        }
        XCTAssertEqual(results.count, 2)
        XCTAssertEqual(Set(results.flatMap { $0.outcomes.values.compactMap { status($0) } }), ["delivered 250"])
    }

    /// Runs the deliveries at once (the last one `delayLast` later), guarded:
    /// a delivery left waiting for a slot ends the group after 30 s with
    /// fewer results instead of hanging.
    private func deliverAll(_ jobs: [(OutboundTransaction, DeliveryHost)], client: NIOSMTPClient,
                            delayLast: TimeAmount? = nil) async throws -> [OutboundAttemptResult] {
        try await withThrowingTaskGroup(of: OutboundAttemptResult?.self) { group in
            for (index, (message, target)) in jobs.enumerated() {
                let wait = index == jobs.count - 1 ? delayLast : nil
                group.addTask {
                    if let wait { try await Task.sleep(nanoseconds: UInt64(wait.nanoseconds)) }
                    return await client.deliver(message, hosts: [target], tls: .none, credentials: nil)
                }
            }
            group.addTask {
                try await Task.sleep(nanoseconds: 30_000_000_000)
                return nil
            }
            var results: [OutboundAttemptResult] = []
            while results.count < jobs.count, let result = try await group.next() {
                guard let result else { break }
                results.append(result)
            }
            group.cancelAll()
            return results
        }
    }

    /// Bounded wait until a task queued in the limiter.
    private func waitForWaiter(_ limiter: ConnectionLimiter) async throws {
        for _ in 0..<400 where !(await limiter.hasWaiters) {
            try await Task.sleep(nanoseconds: 5_000_000)
        }
        let waiting = await limiter.hasWaiters
        XCTAssertTrue(waiting)
    }
}
