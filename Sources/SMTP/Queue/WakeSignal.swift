import Foundation
import Synchronization

/// Lets the runner sleep until woken, a timeout passes or its task is
/// cancelled, whichever comes first. A wake-up while nobody waits is kept,
/// so the next wait returns at once (a message queued during a pass is not
/// left for the next poll).
final class WakeSignal: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
        /// Identifies the current wait, so a late timer cannot end a later one.
        var waitID = 0
        var expiredID = -1
    }

    private let state = Mutex(State())

    /// Wakes the waiter, or the next wait.
    func signal() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.pending = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Returns after a signal, `timeout` seconds, or cancellation.
    func wait(timeout: TimeInterval) async {
        let id = state.withLock { state -> Int in
            state.waitID += 1
            return state.waitID
        }
        let timer = Task { [weak self] in
            try? await Task.sleep(nanoseconds: UInt64(max(0, timeout) * 1_000_000_000))
            self?.expire(id)
        }
        defer { timer.cancel() }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.pending || state.expiredID == id || Task.isCancelled {
                        state.pending = false
                        return true
                    }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            self.expire(id)
        }
    }

    /// Ends wait `id` if it is still waiting, or marks it expired.
    private func expire(_ id: Int) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard state.waitID == id else { return nil }
            guard let waiter = state.waiter else {
                state.expiredID = id
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }
}
