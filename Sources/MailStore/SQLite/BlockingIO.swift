import Foundation

/// Runs blocking work (file I/O, a long SQLite read) off the Swift
/// concurrency pool, whose few threads (one per core) every connection
/// shares: one hop to a thread of this queue and one back.
enum BlockingIO {
    static let queue = DispatchQueue(label: "tern.mailstore.blocking-io", attributes: .concurrent)

    /// Runs `work` on `queue` (by default a concurrent one shared by the store).
    static func run<T: Sendable>(on queue: DispatchQueue = BlockingIO.queue,
                                 _ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try work() })
            }
        }
    }
}
