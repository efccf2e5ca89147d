// Bounds the client's simultaneous connections, in total and per
// destination host, so a large queue neither exhausts file descriptors nor
// floods one remote server. Waiters are served in arrival order, skipping
// those whose host is still at its limit.

/// A counting semaphore keyed by host, with a global count on top.
actor ConnectionLimiter {
    private struct Waiter {
        var id: UInt64
        var host: String
        var continuation: CheckedContinuation<Void, any Error>
    }

    let maxTotal: Int
    let maxPerHost: Int
    private var total = 0
    private var perHost: [String: Int] = [:]
    private var waiters: [Waiter] = []
    private var nextID: UInt64 = 0

    init(maxTotal: Int, maxPerHost: Int) {
        self.maxTotal = max(1, maxTotal)
        self.maxPerHost = max(1, maxPerHost)
    }

    /// Connections held now (for tests).
    var activeCount: Int { total }

    /// Waits for a slot for `host`; throws `CancellationError` when the task
    /// is cancelled while waiting. Every successful call needs one `release`.
    /// `whenWaiting` runs (in a task of its own) once the caller is queued:
    /// it may free a slot, e.g. by closing an idle connection.
    func acquire(host: String, whenWaiting: (@Sendable () async -> Void)? = nil) async throws {
        try Task.checkCancellation()
        if canStart(host) {
            take(host)
            return
        }
        let id = nextID
        nextID += 1
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                waiters.append(Waiter(id: id, host: host, continuation: continuation))
                if let whenWaiting { Task { await whenWaiting() } }
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

    private func canStart(_ host: String) -> Bool {
        total < maxTotal && perHost[host, default: 0] < maxPerHost
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
                waiter.continuation.resume()
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
