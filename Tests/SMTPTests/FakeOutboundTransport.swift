// An outbound transport for the queue runner's tests: records every
// transaction and answers each recipient with a scripted outcome (250 by
// default), without any network.
import Foundation
import MailStore
import Synchronization
@testable import SMTP

final class FakeOutboundTransport: OutboundTransport {
    struct Call: Sendable {
        var transaction: OutboundTransaction
        var hosts: [DeliveryHost]
        var tls: OutboundTLSPolicy
        var credentials: SMTPClientCredentials?

        var recipients: [String] { transaction.recipients.map(\.address) }
    }

    static let accepted = RecipientDeliveryOutcome.delivered(SMTPClientReply(code: 250, enhancedStatus: "2.0.0",
                                                                             text: "queued as 42"))
    static let greylisted = RecipientDeliveryOutcome.temporaryFailure(status: "4.7.1",
                                                                      diagnostic: "451 4.7.1 greylisted, try later")
    static let noSuchUser = RecipientDeliveryOutcome.permanentFailure(status: "5.1.1",
                                                                      diagnostic: "550 5.1.1 no such user")

    private struct State {
        var calls: [Call] = []
        /// Per recipient address; recipients not listed get `fallback`.
        var outcomes: [String: RecipientDeliveryOutcome] = [:]
        var fallback: RecipientDeliveryOutcome = FakeOutboundTransport.accepted
        /// Leaves recipients out of the result (a transport bug).
        var omitOutcomes = false
        /// What the result says about the remote's DSN extension (RFC 3461).
        var remoteOffersDSN = false
    }

    private let state = Mutex(State())
    /// Runs inside each attempt, before it answers (e.g. to look at the store).
    let duringAttempt: (@Sendable (OutboundTransaction) async -> Void)?

    init(duringAttempt: (@Sendable (OutboundTransaction) async -> Void)? = nil) {
        self.duringAttempt = duringAttempt
    }

    var calls: [Call] { state.withLock { $0.calls } }

    func answer(_ address: String, with outcome: RecipientDeliveryOutcome) {
        state.withLock { $0.outcomes[address] = outcome }
    }

    func answerEveryone(with outcome: RecipientDeliveryOutcome) {
        state.withLock {
            $0.outcomes = [:]
            $0.fallback = outcome
        }
    }

    /// Results say the remote announced DSN (NOTIFY went along).
    func offerDSN(_ offered: Bool = true) {
        state.withLock { $0.remoteOffersDSN = offered }
    }

    func omitOutcomes() {
        state.withLock { $0.omitOutcomes = true }
    }

    func deliver(_ transaction: OutboundTransaction, hosts: [DeliveryHost], tls: OutboundTLSPolicy,
                 credentials: SMTPClientCredentials?) async -> OutboundAttemptResult {
        await duringAttempt?(transaction)
        return state.withLock { state in
            state.calls.append(Call(transaction: transaction, hosts: hosts, tls: tls, credentials: credentials))
            var outcomes: [String: RecipientDeliveryOutcome] = [:]
            if !state.omitOutcomes {
                for recipient in transaction.recipients {
                    outcomes[recipient.address] = state.outcomes[recipient.address] ?? state.fallback
                }
            }
            let host = hosts.first.map { "\($0.name) [\($0.addresses.first?.description ?? "?")]" }
            return OutboundAttemptResult(outcomes: outcomes, remoteMTA: host, remotePort: hosts.first?.port,
                                         remoteOffersDSN: state.remoteOffersDSN)
        }
    }
}
