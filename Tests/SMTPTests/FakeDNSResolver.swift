// A DNS resolver for the queue runner's tests: answers from tables, counts
// questions, never touches the network. (DNSResolverTests use a real
// dnsmasq; the runner's tests need failures on demand instead.)
import Foundation
import Synchronization
@testable import SMTP

final class FakeDNSResolver: DNSResolver {
    private struct State {
        var mx: [String: DNSLookupResult<MXRecord>] = [:]
        var addresses: [String: DNSLookupResult<DNSAddress>] = [:]
        var questions: [String] = []
    }

    private let state = Mutex(State())

    /// Every question asked, as "MX name" or "A name".
    var questions: [String] { state.withLock { $0.questions } }

    func setMX(_ domain: String, _ result: DNSLookupResult<MXRecord>) {
        state.withLock { $0.mx[domain.lowercased()] = result }
    }

    func setAddresses(_ host: String, _ result: DNSLookupResult<DNSAddress>) {
        state.withLock { $0.addresses[host.lowercased()] = result }
    }

    /// `domain` with one MX "mx.<domain>" at `address`.
    func addMailDomain(_ domain: String, address: DNSAddress) {
        setMX(domain, .found([MXRecord(preference: 10, exchange: "mx.\(domain)")]))
        setAddresses("mx.\(domain)", .found([address]))
    }

    /// RFC 7505: `domain` accepts no mail.
    func addNullMX(_ domain: String) {
        setMX(domain, .found([MXRecord(preference: 0, exchange: "")]))
    }

    func mx(_ domain: String) async -> DNSLookupResult<MXRecord> {
        state.withLock {
            $0.questions.append("MX \(domain)")
            return $0.mx[domain.lowercased()] ?? .nameNotFound
        }
    }

    func addresses(_ host: String) async -> DNSLookupResult<DNSAddress> {
        state.withLock {
            $0.questions.append("A \(host)")
            return $0.addresses[host.lowercased()] ?? .nameNotFound
        }
    }

    func txt(_ name: String) async -> DNSLookupResult<String> {
        .noData
    }
}
