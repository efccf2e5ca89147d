/// A bound on the octets that work of one kind may hold in memory at
/// once, across every task: a task asks for what it needs and waits
/// (first come, first served) until that much is free. Whatever is asked
/// for, at most `limit` is taken, so one piece of work larger than the
/// whole budget still runs — alone.
///
/// The store parses the MIME structure of an arriving message from the
/// whole body in memory (`ParsedMessage.parse` works on bytes); this keeps
/// twenty concurrent 30 MB deliveries from holding 600 MB at once.
public actor MemoryBudget {
    public let limit: Int
    private var inUse = 0
    private var waiters: [(octets: Int, continuation: CheckedContinuation<Void, Never>)] = []

    public init(limit: Int) {
        precondition(limit > 0, "a memory budget needs room")
        self.limit = limit
    }

    /// Runs `work` once `octets` (at most `limit`) are free, and frees them after.
    public func withOctets<T: Sendable>(_ octets: Int, _ work: @Sendable () async throws -> T) async throws -> T {
        let taken = max(0, min(octets, limit))
        await take(taken)
        defer { give(taken) }
        return try await work()
    }

    /// Octets taken now (for tests).
    public var octetsInUse: Int { inUse }

    /// Tasks waiting now (for tests).
    public var waitingCount: Int { waiters.count }

    private func take(_ octets: Int) async {
        if waiters.isEmpty && inUse + octets <= limit {
            inUse += octets
            return
        }
        await withCheckedContinuation { waiters.append((octets, $0)) }
    }

    private func give(_ octets: Int) {
        inUse -= octets
        // First come, first served: a big request is not overtaken forever.
        while let first = waiters.first, inUse + first.octets <= limit {
            waiters.removeFirst()
            inUse += first.octets
            first.continuation.resume()
        }
    }
}
