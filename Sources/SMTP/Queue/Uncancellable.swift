/// Runs `operation` to its end even when the calling task is cancelled.
///
/// The runner records outcomes this way: the store's async writes give up
/// on cancellation, and a recipient the remote already accepted must be
/// recorded `delivered` even during shutdown, or it would be sent again
/// after the restart.
func uncancellable<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    try await Task { try await operation() }.value
}
