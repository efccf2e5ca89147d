// Connection reuse: after a clean transaction a connection may wait, for a
// short idle time, for the next transaction to the same destination
// (RFC 5321 §3.3 allows any number of transactions in one session), which
// saves the connect, greeting, EHLO, TLS and AUTH round trips when a queue
// holds many messages for one domain. The task that owns the connection
// keeps it; the pool only hands transactions to it.

import NIOCore

/// Which parked connections may serve a transaction: same host, port, TLS
/// policy and credentials.
struct SMTPPoolKey: Sendable, Hashable {
    var host: String
    var port: Int
    var policy: OutboundTLSPolicy
    var credentials: SMTPClientCredentials?
}

/// One transaction handed to a parked connection, and where its outcome goes
/// (nil: the connection turned out to be dead before MAIL was answered, so
/// the caller opens a fresh one).
struct SMTPPooledJob: Sendable {
    var transaction: OutboundTransaction
    var reply: CheckedContinuation<SMTPAttemptOutcome?, Never>
}

/// The handle of a connection that can take further transactions.
final class SMTPPooledConnection: Sendable {
    let key: SMTPPoolKey
    let jobs: AsyncStream<SMTPPooledJob>
    private let input: AsyncStream<SMTPPooledJob>.Continuation

    init(key: SMTPPoolKey) {
        self.key = key
        (jobs, input) = AsyncStream.makeStream(of: SMTPPooledJob.self)
    }

    /// Runs `transaction` on this connection; nil when it could not be used.
    func submit(_ transaction: OutboundTransaction) async -> SMTPAttemptOutcome? {
        await withCheckedContinuation { continuation in
            let job = SMTPPooledJob(transaction: transaction, reply: continuation)
            if case .terminated = input.yield(job) { continuation.resume(returning: nil) }
        }
    }

    /// Tells the owning task to QUIT and close.
    func finish() { input.finish() }
}

/// Parks connections (in the limiter, which holds their slots) for at most
/// `idleTimeout`, and closes them all at shutdown.
actor SMTPConnectionPool {
    let idleTimeout: TimeAmount
    /// Holds the parked connections and hands them to waiting deliveries.
    private let limiter: ConnectionLimiter
    private var closed = false
    private var owners = 0
    private var closeWaiters: [CheckedContinuation<Void, Never>] = []

    init(idleTimeout: TimeAmount, limiter: ConnectionLimiter) {
        self.idleTimeout = idleTimeout
        self.limiter = limiter
    }

    /// Idle connections now (for tests).
    var idleCount: Int {
        get async { await limiter.idleCount }
    }

    /// Offers a connection for the next transaction to its destination: a
    /// delivery waiting for it gets it at once, else it waits `idleTimeout`
    /// (finished unless taken), unless a waiting delivery needs its slot.
    func park(_ connection: SMTPPooledConnection) async {
        guard !closed else {
            connection.finish()
            return
        }
        switch await limiter.park(connection) {
        case .handedOver:
            return
        case .refused:
            connection.finish()
        case let .parked(parked):
            let limiter = self.limiter
            let nanoseconds = UInt64(max(0, idleTimeout.nanoseconds))
            Task {
                try? await Task.sleep(nanoseconds: nanoseconds)
                await limiter.expire(parked)
            }
        }
    }

    /// Finishes every idle connection, parks no more, and returns when
    /// every connection that could have been parked is closed, or after
    /// `closeWait` (a transaction still running finishes on its own).
    func close(closeWait: TimeAmount = .seconds(10)) async {
        closed = true
        await limiter.closeParking()
        guard owners > 0 else { return }
        let nanoseconds = UInt64(max(0, closeWait.nanoseconds))
        Task {
            try? await Task.sleep(nanoseconds: nanoseconds)
            self.resumeCloseWaiters()
        }
        await withCheckedContinuation { closeWaiters.append($0) }
    }

    /// A task that owns a connection which may be parked starts…
    func register() { owners += 1 }

    /// …and ends.
    func unregister() {
        owners -= 1
        if owners == 0 { resumeCloseWaiters() }
    }

    private func resumeCloseWaiters() {
        for waiter in closeWaiters { waiter.resume() }
        closeWaiters = []
    }
}
