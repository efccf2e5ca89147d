import Foundation
import NIOCore
import NIOEmbedded
import XCTest
@testable import Server

/// The connection budgets: per-address bounds refuse, full pools evict the
/// longest-idle connection that has not logged in, a flood on one protocol
/// never touches another's connections.
final class ConnectionRegistryTests: XCTestCase {
    private let start = NIODeadline.now()

    private func registry(total: Int = 100, perAddress: Int = 100,
                          imap: ConnectionBudget? = nil, pop3: ConnectionBudget? = nil,
                          listeners: [ListenerConfiguration] = []) -> ConnectionRegistry {
        var limits = Limits(maxConnections: total, maxConnectionsPerAddress: perAddress, idleTimeoutSeconds: 600,
                            maxMessageSize: 1 << 20, shutdownGraceSeconds: 1)
        for (name, budget) in [(ListenerProtocol.imap, imap), (.pop3, pop3)] {
            guard let budget else { continue }
            limits.protocols[name] = ConnectionBudgetSettings(
                maxConnections: budget.maxConnections, maxConnectionsPerAddress: budget.maxConnectionsPerAddress,
                maxUnauthenticated: budget.maxUnauthenticated,
                maxUnauthenticatedPerAddress: budget.maxUnauthenticatedPerAddress,
                maxConnectionsPerUserAndAddress: budget.maxConnectionsPerUserAndAddress)
        }
        return ConnectionRegistry(budgets: .init(limits: limits, listeners: listeners), idPrefix: "t")
    }

    private func place(_ address: String, _ protocolName: ListenerProtocol = .imap,
                       listener: Int = 0) -> ConnectionRegistry.Placement {
        .init(protocolName: protocolName, listener: listener, address: address, localPort: 143)
    }

    /// Admits a connection at `seconds` after the test's start; returns its token (nil when refused) and the evicted.
    @discardableResult
    private func admit(_ registry: ConnectionRegistry, _ placement: ConnectionRegistry.Placement, at seconds: Int64,
                       channel: EmbeddedChannel = EmbeddedChannel()) -> (UInt64?, [any Channel], ConnectionRegistry.Admission) {
        let (admission, evicted) = registry.admit(channel, at: placement, now: start + .seconds(seconds))
        if case .admitted(let token, _) = admission { return (token, evicted, admission) }
        return (nil, evicted, admission)
    }

    func testPerAddressBoundsRefuseAndReleaseFreesTheSlot() {
        let budget = ConnectionBudget(maxConnections: 50, maxConnectionsPerAddress: 3, maxUnauthenticated: 50,
                                      maxUnauthenticatedPerAddress: 2)
        let registry = registry(imap: budget)
        let (first, _, _) = admit(registry, place("10.0.0.1"), at: 0)
        let (second, _, _) = admit(registry, place("10.0.0.1"), at: 1)
        // Two waiting for a login from one address: the third is refused, not evicting anyone.
        let (refused, evicted, admission) = admit(registry, place("10.0.0.1"), at: 2)
        XCTAssertNil(refused)
        XCTAssertTrue(evicted.isEmpty)
        XCTAssertEqual(admission, .refused(.tooManyFromAddress))
        // A login frees a pre-login slot; the total per address (3) still bounds.
        registry.setAccount(token: first!, account: "a@example.org")
        let (third, _, _) = admit(registry, place("10.0.0.1"), at: 3)
        XCTAssertNotNil(third)
        registry.setAccount(token: third!, account: "b@example.org")
        XCTAssertEqual(admit(registry, place("10.0.0.1"), at: 4).2, .refused(.tooManyFromAddress))
        // Another address is not affected; a release frees the slot.
        XCTAssertNotNil(admit(registry, place("10.0.0.2"), at: 5).0)
        registry.release(token: second!)
        registry.release(token: second!)  // twice: no effect
        XCTAssertNotNil(admit(registry, place("10.0.0.1"), at: 6).0)
        XCTAssertEqual(registry.count, 4)
        XCTAssertEqual(registry.counts(of: .imap).unauthenticated, 2)
    }

    func testFullPreLoginPoolEvictsTheLongestIdleNotTheBusyNorTheLoggedIn() {
        let budget = ConnectionBudget(maxConnections: 10, maxConnectionsPerAddress: 10, maxUnauthenticated: 3,
                                      maxUnauthenticatedPerAddress: 10)
        let registry = registry(imap: budget)
        let channels = (0..<4).map { _ in EmbeddedChannel() }
        let (a, _, _) = admit(registry, place("192.0.2.1"), at: 0, channel: channels[0])
        let (b, _, _) = admit(registry, place("192.0.2.2"), at: 1, channel: channels[1])
        let (c, _, _) = admit(registry, place("192.0.2.3"), at: 2, channel: channels[2])
        // a is the oldest but runs a command (a slow login); b read something last at 5 s.
        registry.noteActivity(token: a!, busy: true, now: start + .seconds(3))
        registry.noteActivity(token: b!, busy: false, now: start + .seconds(5))
        let (d, evicted, _) = admit(registry, place("192.0.2.4"), at: 6, channel: channels[3])
        XCTAssertNotNil(d)
        XCTAssertEqual(evicted.count, 1)
        XCTAssertTrue(evicted.first === channels[2], "c (idle since 2 s) is evicted, not busy a nor b (active at 5 s)")
        XCTAssertEqual(registry.counts(of: .imap).unauthenticated, 3)
        XCTAssertFalse(registry.snapshot().contains { $0.id == "t-3" }, "an evicted connection is not listed")
        _ = c
        // Logged-in connections are never evicted: with b and d logged in and a busy, nothing can go.
        registry.setAccount(token: b!, account: "b@example.org")
        registry.setAccount(token: d!, account: "d@example.org")
        let (e, none, _) = admit(registry, place("192.0.2.5"), at: 7)
        XCTAssertNotNil(e, "logging in freed pre-login slots")
        XCTAssertTrue(none.isEmpty)
        let (f, _, _) = admit(registry, place("192.0.2.6"), at: 8)
        XCTAssertNotNil(f)
        // Pre-login pool full again (a busy, e, f): e is the longest idle.
        let (g, evictedAgain, _) = admit(registry, place("192.0.2.7"), at: 9)
        XCTAssertNotNil(g)
        XCTAssertEqual(evictedAgain.count, 1)
        // Everyone busy: refused.
        registry.noteActivity(token: f!, busy: true)
        registry.noteActivity(token: g!, busy: true)
        XCTAssertEqual(admit(registry, place("192.0.2.8"), at: 10).2, .refused(.tooManyConnections))
    }

    func testProtocolTotalReservesNothingForLateComersWhenAllLoggedIn() {
        let budget = ConnectionBudget(maxConnections: 2, maxConnectionsPerAddress: 10, maxUnauthenticated: 2,
                                      maxUnauthenticatedPerAddress: 10)
        let registry = registry(imap: budget)
        for index in 0..<2 {
            let (token, _, _) = admit(registry, place("198.51.100.\(index)"), at: Int64(index))
            registry.setAccount(token: token!, account: "user\(index)@example.org")
        }
        XCTAssertEqual(admit(registry, place("198.51.100.9"), at: 5).2, .refused(.tooManyConnections))
        // POP3 has its own budget.
        XCTAssertNotNil(admit(registry, place("198.51.100.9", .pop3), at: 6).0)
    }

    /// When only the server's total is full, the protocol with the most
    /// connections waiting for a login gives one up: an IMAP flood never
    /// evicts a POP3 client.
    func testServerTotalEvictsFromTheFloodedProtocol() {
        let roomy = ConnectionBudget(maxConnections: 50, maxConnectionsPerAddress: 50, maxUnauthenticated: 50,
                                     maxUnauthenticatedPerAddress: 50)
        let registry = registry(total: 5, imap: roomy, pop3: roomy)
        let pop3Channel = EmbeddedChannel()
        admit(registry, place("127.0.0.1", .pop3), at: 0, channel: pop3Channel)
        var imapChannels: [EmbeddedChannel] = []
        for index in 0..<4 {
            let channel = EmbeddedChannel()
            imapChannels.append(channel)
            admit(registry, place("203.0.113.\(index)"), at: Int64(1 + index), channel: channel)
        }
        // The server is full; a new POP3 client evicts the oldest IMAP one, not the older POP3 one.
        let (pop3, evicted, _) = admit(registry, place("127.0.0.2", .pop3), at: 10)
        XCTAssertNotNil(pop3)
        XCTAssertTrue(evicted.first === imapChannels[0])
        // So does the next IMAP flood connection (IMAP still holds the most).
        let (_, evictedByFlood, _) = admit(registry, place("203.0.113.99"), at: 11)
        XCTAssertTrue(evictedByFlood.first === imapChannels[1])
        XCTAssertEqual(registry.counts(of: .pop3).total, 2)
        XCTAssertEqual(registry.count, 5)
    }

    func testListenerBudgetEvictsOnlyFromThatListener() {
        let listeners = [ListenerConfiguration(protocolName: .imap, address: "127.0.0.1", port: 143, tls: .starttls,
                                               maxConnections: 2),
                         ListenerConfiguration(protocolName: .imap, address: "127.0.0.1", port: 993, tls: .implicit)]
        let registry = registry(listeners: listeners)
        let other = EmbeddedChannel()
        admit(registry, place("192.0.2.1", listener: 1), at: 0, channel: other)
        let first = EmbeddedChannel()
        admit(registry, place("192.0.2.2", listener: 0), at: 1, channel: first)
        admit(registry, place("192.0.2.3", listener: 0), at: 2)
        let (_, evicted, _) = admit(registry, place("192.0.2.4", listener: 0), at: 3)
        XCTAssertEqual(evicted.count, 1)
        XCTAssertTrue(evicted.first === first, "the listener's own longest idle, not the other listener's older one")
        XCTAssertNotNil(admit(registry, place("192.0.2.5", listener: 1), at: 4).0)
    }

    func testSnapshotAccountsTLSAndKickTargets() {
        let registry = registry()
        let (imap, _, _) = admit(registry, place("192.0.2.1"), at: 0)
        let (pop3, _, _) = admit(registry, place("192.0.2.2", .pop3), at: 1)
        admit(registry, place("192.0.2.3"), at: 2)
        registry.setAccount(token: imap!, account: "Alice@example.org")
        registry.setAccount(token: pop3!, account: "alice@example.org")
        registry.setTLS(token: pop3!)
        let snapshot = registry.snapshot()
        XCTAssertEqual(snapshot.map(\.id), ["t-1", "t-2", "t-3"])
        XCTAssertEqual(snapshot.map(\.protocolName), ["imap", "pop3", "imap"])
        XCTAssertEqual(snapshot.map(\.account), ["Alice@example.org", "alice@example.org", nil])
        XCTAssertEqual(snapshot.map(\.isTLS), [false, true, false])
        XCTAssertEqual(snapshot.map(\.remoteAddress), ["192.0.2.1", "192.0.2.2", "192.0.2.3"])
        XCTAssertEqual(registry.channels(ofAccount: "ALICE@example.org").count, 2)
        XCTAssertEqual(registry.channels(ofAccount: "bob@example.org").count, 0)
        // Logging out (SMTP after STARTTLS forgets AUTH) moves it back to the pre-login pool.
        registry.setAccount(token: imap!, account: nil)
        XCTAssertEqual(registry.counts(of: .imap).unauthenticated, 2)
    }

    func testLoweredBudgetsApplyToNewConnections() {
        let registry = registry()
        for index in 0..<3 { admit(registry, place("192.0.2.\(index)"), at: Int64(index)) }
        var budgets = registry.budgets
        budgets.protocols[.imap] = ConnectionBudget(maxConnections: 2, maxConnectionsPerAddress: 2,
                                                    maxUnauthenticated: 1, maxUnauthenticatedPerAddress: 1)
        registry.apply(budgets)
        XCTAssertEqual(registry.count, 3, "open connections stay")
        // Over the new pre-login budget: the newcomer evicts until it fits.
        let (token, evicted, _) = admit(registry, place("192.0.2.9"), at: 10)
        XCTAssertNotNil(token)
        XCTAssertEqual(evicted.count, 3)
        XCTAssertEqual(registry.counts(of: .imap).total, 1)
    }

    func testShutdownRefusesAndReturnsEveryChannel() {
        let registry = registry()
        admit(registry, place("192.0.2.1"), at: 0)
        admit(registry, place("192.0.2.2", .pop3), at: 0)
        XCTAssertEqual(registry.beginShutdown().count, 2)
        XCTAssertEqual(admit(registry, place("192.0.2.9"), at: 1).2, .refused(.shuttingDown))
    }

    func testDefaultBudgetsReserveFourFifthsForLoggedInUsers() {
        let limits = TernConfiguration.localDefaults.limits
        let imap = limits.budget(for: .imap)
        XCTAssertEqual(imap, ConnectionBudget(maxConnections: 1000, maxConnectionsPerAddress: 500,
                                              maxUnauthenticated: 200, maxUnauthenticatedPerAddress: 100))
        // MX clients never log in: their whole budget.
        XCTAssertEqual(limits.budget(for: .smtp).maxUnauthenticated, 1000)
        XCTAssertEqual(limits.budget(for: .smtp).maxUnauthenticatedPerAddress, 50)
        // Set keys win; a pre-login bound never exceeds its total.
        var custom = limits
        custom.protocols[.pop3] = ConnectionBudgetSettings(maxConnections: 40, maxUnauthenticated: 400)
        XCTAssertEqual(custom.budget(for: .pop3), ConnectionBudget(maxConnections: 40, maxConnectionsPerAddress: 500,
                                                                   maxUnauthenticated: 40,
                                                                   maxUnauthenticatedPerAddress: 100))
        // A smaller [limits] value bounds MX too.
        custom.maxConnectionsPerAddress = 20
        XCTAssertEqual(custom.budget(for: .smtp).maxConnectionsPerAddress, 20)
    }

    /// Connection ids carry a prefix from the start time: two starts, even
    /// a tenth of a second apart, never share an id.
    func testConnectionIDsDifferAcrossStarts() {
        let now = Date()
        let first = ConnectionRegistry.startPrefix(now: now)
        let second = ConnectionRegistry.startPrefix(now: now.addingTimeInterval(0.1))
        XCTAssertNotEqual(first, second)
        XCTAssertLessThanOrEqual(first.count, 7)
        XCTAssertTrue(first.allSatisfy { $0.isLetter || $0.isNumber })
        let registry = ConnectionRegistry(budgets: self.registry().budgets)
        guard case .admitted(_, let id) = registry.admit(EmbeddedChannel(), at: place("192.0.2.1")).0 else {
            return XCTFail("refused")
        }
        XCTAssertTrue(id.hasPrefix(registry.idPrefix + "-"), id)
        XCTAssertEqual(id, "\(registry.idPrefix)-1")
    }

    /// Dovecot's mail_max_userip_connections: an account logs in at most
    /// `maxConnectionsPerUserAndAddress` times from one address per
    /// protocol; other addresses, protocols and accounts are not affected,
    /// and a release frees the place.
    func testLoginsPerUserAndAddressAreBounded() {
        let budget = ConnectionBudget(maxConnections: 50, maxConnectionsPerAddress: 50, maxUnauthenticated: 50,
                                      maxUnauthenticatedPerAddress: 50, maxConnectionsPerUserAndAddress: 2)
        let registry = registry(imap: budget, pop3: budget)
        let tokens = (0..<4).map { admit(registry, place("10.0.0.1"), at: Int64($0)).0! }
        XCTAssertTrue(registry.admitLogin(token: tokens[0], account: "a@example.org"))
        XCTAssertTrue(registry.admitLogin(token: tokens[1], account: "A@example.org"))
        XCTAssertFalse(registry.admitLogin(token: tokens[2], account: "a@example.org"), "third from one address")
        XCTAssertEqual(registry.counts(of: .imap).unauthenticated, 2, "the refused one is still waiting to log in")
        XCTAssertTrue(registry.admitLogin(token: tokens[2], account: "b@example.org"), "another account")
        let elsewhere = admit(registry, place("10.0.0.2"), at: 5).0!
        XCTAssertTrue(registry.admitLogin(token: elsewhere, account: "a@example.org"), "another address")
        let pop3 = admit(registry, place("10.0.0.1", .pop3), at: 6).0!
        XCTAssertTrue(registry.admitLogin(token: pop3, account: "a@example.org"), "another protocol")
        registry.release(token: tokens[0])
        XCTAssertTrue(registry.admitLogin(token: tokens[3], account: "a@example.org"), "a place freed")
    }

    /// The shipped defaults: an office behind NAT (hundreds of IMAP
    /// connections from one address) fits; MX clients keep Postfix's 50;
    /// ten logins per user and address, as Dovecot.
    func testDefaultBudgets() {
        let limits = TernConfiguration.localDefaults.limits
        XCTAssertEqual(limits.budget(for: .imap).maxConnectionsPerAddress, 500)
        XCTAssertEqual(limits.budget(for: .imap).maxUnauthenticatedPerAddress, 100)
        XCTAssertEqual(limits.budget(for: .imap).maxConnectionsPerUserAndAddress, 10)
        XCTAssertEqual(limits.budget(for: .smtp).maxConnectionsPerAddress, 50)
    }
}
