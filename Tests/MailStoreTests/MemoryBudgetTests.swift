import Synchronization
import XCTest
@testable import MailStore

/// `MemoryBudget`: work never holds more than the limit at once, work
/// larger than the limit runs alone, and waiters are served in order.
final class MemoryBudgetTests: XCTestCase {
    /// Octets held by running work now, and the most ever held at once.
    final class Peak: Sendable {
        private let state = Mutex((now: 0, most: 0, order: [Int]()))
        func enter(_ octets: Int, id: Int) {
            state.withLock { state in
                state.now += octets
                state.most = max(state.most, state.now)
                state.order.append(id)
            }
        }
        func leave(_ octets: Int) { state.withLock { $0.now -= octets } }
        var most: Int { state.withLock { $0.most } }
        var order: [Int] { state.withLock { $0.order } }
    }

    func testConcurrentWorkStaysWithinTheLimit() async throws {
        let budget = MemoryBudget(limit: 100)
        let peak = Peak()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for id in 0..<12 {
                group.addTask {
                    let octets = [60, 30, 45][id % 3]
                    _ = try await budget.withOctets(octets) {
                        peak.enter(octets, id: id)
                        try await Task.sleep(nanoseconds: 2_000_000)
                        peak.leave(octets)
                    }
                }
            }
            try await group.waitForAll()
        }
        XCTAssertLessThanOrEqual(peak.most, 100)
        XCTAssertEqual(peak.order.count, 12, "all ran")
        let inUse = await budget.octetsInUse
        XCTAssertEqual(inUse, 0)
    }

    func testWorkLargerThanTheLimitRunsAlone() async throws {
        let budget = MemoryBudget(limit: 100)
        let peak = Peak()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for id in 0..<4 {
                group.addTask {
                    let octets = id == 1 ? 1_000 : 50
                    _ = try await budget.withOctets(octets) {
                        peak.enter(min(octets, 100), id: id)
                        try await Task.sleep(nanoseconds: 2_000_000)
                        peak.leave(min(octets, 100))
                    }
                }
            }
            try await group.waitForAll()
        }
        XCTAssertLessThanOrEqual(peak.most, 100, "the big one counts as the whole budget")
    }

    func testWaitersAreServedInOrderAndErrorsFreeTheirShare() async throws {
        let budget = MemoryBudget(limit: 100)
        let peak = Peak()
        let holder = Task { try await budget.withOctets(100) { try await Task.sleep(nanoseconds: 50_000_000) } }
        while await budget.octetsInUse < 100 { await Task.yield() }
        // A big waiter first, then small ones: none of them overtakes it.
        let big = Task { try await budget.withOctets(90) { peak.enter(0, id: 0) } }
        while await budget.waitingCount < 1 { await Task.yield() }
        let small = Task { try await budget.withOctets(5) { peak.enter(0, id: 1) } }
        while await budget.waitingCount < 2 { await Task.yield() }
        try await holder.value
        try await big.value
        try await small.value
        XCTAssertEqual(peak.order, [0, 1])
        struct Failure: Error {}
        do {
            _ = try await budget.withOctets(100) { throw Failure() }
            XCTFail("the error is passed on")
        } catch is Failure {}
        let inUse = await budget.octetsInUse
        XCTAssertEqual(inUse, 0, "a failed piece of work gives its octets back")
    }
}
