import Logging
import MailStore
import SMTP

/// The outbound queue runner as the server runs it: built from the
/// configuration, started after the listeners are bound, stopped at shutdown.
struct OutboundDelivery: Sendable {
    let configuration: TernConfiguration
    let store: any MailStore
    let logger: Logger

    /// Runs the queue runner until the task is cancelled (server shutdown).
    func run() async {}
}
