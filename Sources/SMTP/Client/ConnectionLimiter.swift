// Bounds the client's simultaneous connections, in total and per
// destination host, so a large queue neither exhausts file descriptors nor
// floods one remote server. Waiters are served in arrival order, skipping
// those whose host is still at its limit.
//
// With connection reuse the limiter also holds the parked (idle)
// connections, which keep their slots: a delivery for the same host, port,
// TLS policy and credentials takes a parked connection instead of a slot,
// and a connection parked while such a delivery waits is handed to it
// directly. A parked connection is closed for a waiter only when that frees
// a slot the waiter can use: a waiter for the same host with another key,
// or one for another host when the global limit is reached.

/// A counting semaphore keyed by host, with a global count on top, and the
/// parked connections that hold some of its slots.
actor ConnectionLimiter {
    private struct Waiter {
        var id: UInt64
        var host: String
        /// Which parked connection the waiter can use (nil: none, a fresh one only).
        var key: SMTPPoolKey?
        var continuation: CheckedContinuation<SMTPPooledConnection?, any Error>
    }

    private struct Idle {
        var connection: SMTPPooledConnection
        var generation: UInt64
    }

    let maxTotal: Int
    let maxPerHost: Int
    private var total = 0
    private var perHost: [String: Int] = [:]
    private var waiters: [Waiter] = []
    private var nextID: UInt64 = 0
    private var idle: [Idle] = []
    private var generation: UInt64 = 0
    private var parkingClosed = false

    init(maxTotal: Int, maxPerHost: Int) {
        self.maxTotal = max(1, maxTotal)
        self.maxPerHost = max(1, maxPerHost)
    }

    /// Connections held now, parked ones included (for tests).
    var activeCount: Int { total }

    /// Parked connections now (for tests).
    var idleCount: Int { idle.count }

    /// Waits for a slot for `host`, or for a parked connection for `key`
    /// (returned; it holds its slot already). Nil means a slot was taken:
    /// every such call needs one `release`. Throws `CancellationError` when
    /// the task is cancelled while waiting.
    @discardableResult
    func acquire(host: String, key: SMTPPoolKey? = nil) async throws -> SMTPPooledConnection? {
        try Task.checkCancellation()
        if let key, let index = idle.lastIndex(where: { $0.connection.key == key }) {
            return idle.remove(at: index).connection
        }
        if canStart(host) {
            take(host)
            return nil
        }
        // A parked connection for another destination gives its slot when
        // that lets this delivery start; its owner releases the slot when closed.
        if let index = idle.firstIndex(where: { $0.connection.key.host == host })
            ?? idle.firstIndex(where: { _ in evictionHelps(host) }) {
            idle.remove(at: index).connection.finish()
        }
        let id = nextID
        nextID += 1
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                waiters.append(Waiter(id: id, host: host, key: key, continuation: continuation))
            }
        } onCancel: {
            Task { await self.cancelWaiter(id) }
        }
    }

    /// Whether a caller waits for a slot now.
    var hasWaiters: Bool { !waiters.isEmpty }

    /// Takes a slot for `host` when one is free now; never waits.
    func tryAcquire(host: String) -> Bool {
        guard canStart(host) else { return false }
        take(host)
        return true
    }

    func release(host: String) {
        total -= 1
        let count = (perHost[host] ?? 1) - 1
        perHost[host] = count > 0 ? count : nil
        wakeWaiters()
    }

    /// What became of a connection offered for further transactions.
    enum Parking: Sendable, Equatable {
        /// Given to a delivery that waited for its destination.
        case handedOver
        /// Parked until `expire(generation)` or a delivery takes it.
        case parked(generation: UInt64)
        /// Not kept (a waiter needs the slot, or parking is closed): close it.
        case refused
    }

    /// Offers a connection whose transaction ended cleanly.
    func park(_ connection: SMTPPooledConnection) -> Parking {
        guard !parkingClosed else { return .refused }
        // The first waiter in line that this connection can serve gets it:
        // directly when it is for the same destination, else its slot.
        for index in waiters.indices {
            let waiter = waiters[index]
            if waiter.key == connection.key {
                waiters.remove(at: index).continuation.resume(returning: connection)
                return .handedOver
            }
            if waiter.host == connection.key.host || evictionHelps(waiter.host) { return .refused }
        }
        generation += 1
        idle.append(Idle(connection: connection, generation: generation))
        return .parked(generation: generation)
    }

    /// Finishes a connection still parked since `park` gave `generation` (idle timeout).
    func expire(_ generation: UInt64) {
        guard let index = idle.firstIndex(where: { $0.generation == generation }) else { return }
        idle.remove(at: index).connection.finish()
    }

    /// Finishes every parked connection and parks no more (shutdown).
    func closeParking() {
        parkingClosed = true
        for entry in idle { entry.connection.finish() }
        idle = []
    }

    private func canStart(_ host: String) -> Bool {
        total < maxTotal && perHost[host, default: 0] < maxPerHost
    }

    /// Whether closing a connection to another host would let a delivery
    /// to `host` start: only when the global limit is what stops it.
    private func evictionHelps(_ host: String) -> Bool {
        total >= maxTotal && perHost[host, default: 0] < maxPerHost
    }

    private func take(_ host: String) {
        total += 1
        perHost[host, default: 0] += 1
    }

    private func wakeWaiters() {
        var index = 0
        while index < waiters.count && total < maxTotal {
            if canStart(waiters[index].host) {
                let waiter = waiters.remove(at: index)
                take(waiter.host)
                waiter.continuation.resume(returning: nil)
            } else {
                index += 1
            }
        }
    }

    private func cancelWaiter(_ id: UInt64) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        waiters.remove(at: index).continuation.resume(throwing: CancellationError())
    }
}
