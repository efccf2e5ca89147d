import NIOCore

/// Runs a connection's task on its channel's event loop (SE-0417 task
/// executor preference), so that reading a command, running it and
/// writing the reply take no thread hop: the bytes arrive on the event
/// loop, the session runs there, and its writes go straight into the
/// channel. Without it every command crosses from the event loop to the
/// concurrency pool and back, two thread wake-ups that cost more than
/// most commands themselves.
///
/// Work that may take long leaves the loop on its own: password hashing
/// (`Authenticator`), DNS (`SystemDNSResolver`), file I/O, long store
/// reads and message parsing (`BlockingIO` in MailStore).
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        eventLoop.execute {
            job.runSynchronously(on: executor)
        }
    }
}
