import Dispatch
import Foundation

/// The signals the server acts on.
enum ServerSignal: Sendable, Equatable {
    /// SIGTERM or SIGINT: shut down gracefully.
    case terminate(Int32)
    /// SIGHUP: reload the configuration file (and the certificate files),
    /// reopen the log file.
    case reload
    /// SIGUSR1: reopen the log file (logrotate).
    case reopenLogs
}

/// Turns SIGTERM, SIGINT, SIGHUP and SIGUSR1 into an async stream (dispatch signal
/// sources, the default actions ignored while watching).
final class SignalWatcher: @unchecked Sendable {
    let signals: AsyncStream<ServerSignal>
    private let sources: [any DispatchSourceSignal]

    init() {
        let (stream, continuation) = AsyncStream.makeStream(of: ServerSignal.self)
        signals = stream
        var sources: [any DispatchSourceSignal] = []
        for (number, event) in [(SIGTERM, ServerSignal.terminate(SIGTERM)), (SIGINT, .terminate(SIGINT)),
                                (SIGHUP, .reload), (SIGUSR1, .reopenLogs)] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { continuation.yield(event) }
            source.resume()
            sources.append(source)
        }
        self.sources = sources
    }

    /// Stops watching and restores the default actions.
    func cancel() {
        for source in sources { source.cancel() }
        for number in [SIGTERM, SIGINT, SIGHUP, SIGUSR1] { signal(number, SIG_DFL) }
    }
}
