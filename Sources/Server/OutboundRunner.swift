/// The outbound delivery of a running server as one task that a
/// configuration reload can replace: `restart` lets the running queue
/// runner finish the deliveries it started (cancellation stops it taking
/// new ones; outcomes are always recorded), then starts one with the new
/// settings. Only one runner works at a time.
final class OutboundRunner: Sendable {
    private struct State {
        var task: Task<Void, Never>?
        var stopped = false
    }

    private let state = LockedBox(State())

    /// Starts `delivery`, after the runner that is running now has stopped.
    func restart(with delivery: OutboundDelivery) {
        state.withLock { state in
            guard !state.stopped else { return }
            let previous = state.task
            previous?.cancel()
            state.task = Task {
                await previous?.value
                guard !Task.isCancelled else { return }
                await delivery.run()
            }
        }
    }

    /// Stops for good and returns once the runner has ended (shutdown).
    func stop() async {
        let task = state.withLock { state -> Task<Void, Never>? in
            state.stopped = true
            return state.task
        }
        task?.cancel()
        await task?.value
    }
}
