import Foundation
import NIOCore

/// Every open connection of the server: enforces the connection budgets,
/// hands out connection ids, knows who is logged in where (`tern who`,
/// `tern kick`), and finds the channels to tell (then force-close) at shutdown.
///
/// Budgets nest: a listener's (optional) within its protocol's within the
/// server's. A new connection is refused when its address is at a
/// per-address bound. When a pool it needs is full, it evicts the
/// connection of that pool that has not logged in and has been idle longest
/// — not one in the middle of a command — (Dovecot's "Connection queue
/// full"), so idle sockets piling up cannot lock new users out; with nothing
/// to evict it is refused. When only the server's total is full, the victim
/// comes from the protocol holding the most connections that have not logged
/// in, so a flood on one protocol never evicts another's clients.
final class ConnectionRegistry: Sendable {
    /// The budgets in effect (see `Limits` and `ConnectionBudget`).
    struct Budgets: Sendable, Equatable {
        var maxConnections: Int
        var maxConnectionsPerAddress: Int
        var protocols: [ListenerProtocol: ConnectionBudget]
        /// Listener index → its `max_connections`, for the listeners that have one.
        var listeners: [Int: Int]

        init(limits: Limits, listeners: [ListenerConfiguration]) {
            maxConnections = limits.maxConnections
            maxConnectionsPerAddress = limits.maxConnectionsPerAddress
            protocols = Dictionary(uniqueKeysWithValues: ListenerProtocol.allCases.map { ($0, limits.budget(for: $0)) })
            self.listeners = [:]
            for (index, listener) in listeners.enumerated() {
                if let max = listener.maxConnections { self.listeners[index] = max }
            }
        }

        func budget(for protocolName: ListenerProtocol) -> ConnectionBudget {
            protocols[protocolName] ?? ConnectionBudget(
                maxConnections: maxConnections, maxConnectionsPerAddress: maxConnectionsPerAddress,
                maxUnauthenticated: maxConnections, maxUnauthenticatedPerAddress: maxConnectionsPerAddress)
        }
    }

    /// Where a connection arrived.
    struct Placement: Sendable, Equatable {
        var protocolName: ListenerProtocol
        /// The listener's index in its `ListenerSet`.
        var listener: Int
        var address: String
        var localPort: Int
    }

    enum Refusal: Equatable, Sendable {
        /// A pool is full and none of its connections can be evicted.
        case tooManyConnections
        /// The address is at one of its bounds.
        case tooManyFromAddress
        case shuttingDown
    }

    enum Admission: Equatable, Sendable {
        case admitted(token: UInt64, connectionID: String)
        case refused(Refusal)
    }

    private struct Entry {
        let channel: any Channel
        let id: String
        let placement: Placement
        let since: Date
        var account: String?
        var isTLS = false
        var lastActivity: NIODeadline
        /// Running a command: not idle, so never evicted.
        var busy = false
        /// Holds its slots; false once evicted (it closes soon).
        var counted = true
    }

    private struct Counts {
        var total = 0
        var unauthenticated = 0
    }

    private struct AddressKey: Hashable {
        var protocolName: ListenerProtocol
        var address: String
    }

    private struct State {
        var budgets: Budgets
        var nextToken: UInt64 = 0
        var entries: [UInt64: Entry] = [:]
        var total = 0
        var perAddress: [String: Int] = [:]
        var perProtocol: [ListenerProtocol: Counts] = [:]
        var perProtocolAddress: [AddressKey: Counts] = [:]
        var perListener: [Int: Int] = [:]
        /// Counted connections that have not logged in, by protocol.
        var unauthenticated: [ListenerProtocol: Set<UInt64>] = [:]
        var shuttingDown = false
    }

    /// Starts every connection id of this process; differs between starts.
    let idPrefix: String
    private let state: LockedBox<State>

    init(budgets: Budgets, idPrefix: String = ConnectionRegistry.startPrefix()) {
        self.idPrefix = idPrefix
        state = LockedBox(State(budgets: budgets))
    }

    /// Admits a connection or says why not; the channels returned were
    /// evicted to make room and must be told to close (`CloseReason.evicted`).
    func admit(_ channel: any Channel, at placement: Placement,
               now: NIODeadline = .now()) -> (Admission, evicted: [any Channel]) {
        state.withLock { state in
            if state.shuttingDown { return (.refused(.shuttingDown), []) }
            let budget = state.budgets.budget(for: placement.protocolName)
            let key = AddressKey(protocolName: placement.protocolName, address: placement.address)
            let fromAddress = state.perProtocolAddress[key] ?? Counts()
            if state.perAddress[placement.address, default: 0] >= state.budgets.maxConnectionsPerAddress
                || fromAddress.total >= budget.maxConnectionsPerAddress
                || fromAddress.unauthenticated >= budget.maxUnauthenticatedPerAddress {
                return (.refused(.tooManyFromAddress), [])
            }
            var evicted: [any Channel] = []
            while let pool = Self.fullPool(for: placement, budget: budget, in: state) {
                guard let victim = Self.victim(in: pool, for: placement, state: state) else {
                    return (.refused(.tooManyConnections), evicted)
                }
                Self.uncount(victim, in: &state)
                if let channel = state.entries[victim]?.channel { evicted.append(channel) }
            }
            state.nextToken += 1
            let token = state.nextToken
            let id = "\(idPrefix)-\(String(token, radix: 36))"
            state.entries[token] = Entry(channel: channel, id: id, placement: placement, since: Date(),
                                         lastActivity: now)
            state.total += 1
            state.perAddress[placement.address, default: 0] += 1
            state.perProtocol[placement.protocolName, default: Counts()].total += 1
            state.perProtocol[placement.protocolName, default: Counts()].unauthenticated += 1
            state.perProtocolAddress[key, default: Counts()].total += 1
            state.perProtocolAddress[key, default: Counts()].unauthenticated += 1
            state.perListener[placement.listener, default: 0] += 1
            state.unauthenticated[placement.protocolName, default: []].insert(token)
            return (.admitted(token: token, connectionID: id), evicted)
        }
    }

    /// The connection ended.
    func release(token: UInt64) {
        state.withLock { state in
            Self.uncount(token, in: &state)
            state.entries[token] = nil
        }
    }

    /// The connection starts (`busy`) or finished (`!busy`) work for its
    /// client; either way it was active now.
    func noteActivity(token: UInt64, busy: Bool, now: NIODeadline = .now()) {
        state.withLock { state in
            state.entries[token]?.lastActivity = now
            state.entries[token]?.busy = busy
        }
    }

    /// The session logged in as `account` (nil: it is no longer logged in);
    /// moves the connection between the pre-login and logged-in pools.
    func setAccount(token: UInt64, account: String?) {
        state.withLock { state in Self.setAccount(token, account, in: &state) }
    }

    private static func setAccount(_ token: UInt64, _ account: String?, in state: inout State) {
        guard var entry = state.entries[token], (entry.account == nil) != (account == nil) else {
            state.entries[token]?.account = account
            return
        }
        entry.account = account
        state.entries[token] = entry
        guard entry.counted else { return }
        let change = account == nil ? 1 : -1
        let placement = entry.placement
        state.perProtocol[placement.protocolName, default: Counts()].unauthenticated += change
        state.perProtocolAddress[AddressKey(protocolName: placement.protocolName, address: placement.address),
                                 default: Counts()].unauthenticated += change
        if account == nil {
            state.unauthenticated[placement.protocolName, default: []].insert(token)
        } else {
            state.unauthenticated[placement.protocolName]?.remove(token)
        }
    }

    /// Logs the connection in as `account` when the account has fewer than
    /// the protocol's `maxConnectionsPerUserAndAddress` logged-in
    /// connections from the connection's address; false (nothing changed)
    /// otherwise. One lock: two connections racing for the last place
    /// cannot both get it.
    func admitLogin(token: UInt64, account: String) -> Bool {
        state.withLock { state -> Bool in
            guard let entry = state.entries[token] else { return false }
            let limit = state.budgets.budget(for: entry.placement.protocolName).maxConnectionsPerUserAndAddress
            let name = account.lowercased()
            let others = state.entries.values.filter { other in
                other.counted && other.id != entry.id && other.account?.lowercased() == name
                    && other.placement.protocolName == entry.placement.protocolName
                    && other.placement.address == entry.placement.address
            }.count
            guard others < limit else { return false }
            Self.setAccount(token, account, in: &state)
            return true
        }
    }

    func setTLS(token: UInt64) {
        state.withLock { $0.entries[token]?.isTLS = true }
    }

    /// Budgets for the connections admitted from now on; open ones stay.
    func apply(_ budgets: Budgets) {
        state.withLock { $0.budgets = budgets }
    }

    var budgets: Budgets { state.withLock { $0.budgets } }

    /// Connections holding a slot (evicted ones that are still closing are not counted).
    var count: Int { state.withLock { $0.total } }

    /// Connections of `protocolName` holding a slot, and how many of them have not logged in.
    func counts(of protocolName: ListenerProtocol) -> (total: Int, unauthenticated: Int) {
        state.withLock { state in
            let counts = state.perProtocol[protocolName] ?? Counts()
            return (counts.total, counts.unauthenticated)
        }
    }

    /// The open connections, oldest first (`tern who`).
    func snapshot() -> [ConnectionSnapshot] {
        state.withLock { state in
            state.entries.sorted { $0.key < $1.key }.compactMap { _, entry in
                guard entry.counted else { return nil }
                return ConnectionSnapshot(id: entry.id, protocolName: entry.placement.protocolName.rawValue,
                                          remoteAddress: entry.placement.address,
                                          localPort: entry.placement.localPort, account: entry.account,
                                          isTLS: entry.isTLS, connectedSince: entry.since)
            }
        }
    }

    /// The channels of the connections logged in as `account` (without regard to case).
    func channels(ofAccount account: String) -> [any Channel] {
        let name = account.lowercased()
        return state.withLock { state in
            state.entries.values.filter { $0.counted && $0.account?.lowercased() == name }.map(\.channel)
        }
    }

    /// Refuses new connections from now on; returns the open ones.
    func beginShutdown() -> [any Channel] {
        state.withLock { state in
            state.shuttingDown = true
            return state.entries.values.map(\.channel)
        }
    }

    var openChannels: [any Channel] { state.withLock { $0.entries.values.map(\.channel) } }

    // MARK: Pools

    private enum Pool {
        case listener(Int)
        case protocolName(ListenerProtocol)
        case server
    }

    /// The smallest pool a new connection at `placement` needs a slot in and finds full.
    private static func fullPool(for placement: Placement, budget: ConnectionBudget, in state: State) -> Pool? {
        if let max = state.budgets.listeners[placement.listener],
           state.perListener[placement.listener, default: 0] >= max {
            return .listener(placement.listener)
        }
        let counts = state.perProtocol[placement.protocolName] ?? Counts()
        if counts.total >= budget.maxConnections || counts.unauthenticated >= budget.maxUnauthenticated {
            return .protocolName(placement.protocolName)
        }
        if state.total >= state.budgets.maxConnections { return .server }
        return nil
    }

    /// The longest-idle connection of `pool` that has not logged in and is not running a command.
    private static func victim(in pool: Pool, for placement: Placement, state: State) -> UInt64? {
        func longestIdle(_ protocolName: ListenerProtocol, listener: Int? = nil) -> UInt64? {
            var best: (token: UInt64, lastActivity: NIODeadline)?
            for token in state.unauthenticated[protocolName] ?? [] {
                guard let entry = state.entries[token], !entry.busy else { continue }
                if let listener, entry.placement.listener != listener { continue }
                if best == nil || entry.lastActivity < best!.lastActivity { best = (token, entry.lastActivity) }
            }
            return best?.token
        }
        switch pool {
        case .listener(let index):
            return longestIdle(placement.protocolName, listener: index)
        case .protocolName(let protocolName):
            return longestIdle(protocolName)
        case .server:
            // The protocol with the most connections waiting for a login pays; on a tie, the newcomer's own.
            let ordered = ListenerProtocol.allCases.sorted { left, right in
                let leftCount = state.unauthenticated[left]?.count ?? 0
                let rightCount = state.unauthenticated[right]?.count ?? 0
                if leftCount != rightCount { return leftCount > rightCount }
                return left == placement.protocolName && right != placement.protocolName
            }
            for protocolName in ordered {
                if let token = longestIdle(protocolName) { return token }
            }
            return nil
        }
    }

    /// Gives up the connection's slots (it was evicted or ended).
    private static func uncount(_ token: UInt64, in state: inout State) {
        guard var entry = state.entries[token], entry.counted else { return }
        entry.counted = false
        state.entries[token] = entry
        let placement = entry.placement
        let key = AddressKey(protocolName: placement.protocolName, address: placement.address)
        let unauthenticated = entry.account == nil ? 1 : 0
        state.total -= 1
        decrement(&state.perAddress, placement.address)
        decrement(&state.perListener, placement.listener)
        state.perProtocol[placement.protocolName]?.total -= 1
        state.perProtocol[placement.protocolName]?.unauthenticated -= unauthenticated
        state.perProtocolAddress[key]?.total -= 1
        state.perProtocolAddress[key]?.unauthenticated -= unauthenticated
        if state.perProtocolAddress[key]?.total == 0 { state.perProtocolAddress[key] = nil }
        state.unauthenticated[placement.protocolName]?.remove(token)
    }

    private static func decrement<Key: Hashable>(_ counts: inout [Key: Int], _ key: Key) {
        let left = counts[key, default: 1] - 1
        counts[key] = left > 0 ? left : nil
    }

    // MARK: Connection ids

    /// The start of 2025, from which `startPrefix` counts.
    private static let prefixEpoch = Date(timeIntervalSince1970: 1_735_689_600)

    /// Tenths of a second since 2025 in base 36 ("2q4k1b"): six characters
    /// until 2093, and different for every start of the server, so a
    /// connection id ("2q4k1b-1f") names one connection across restarts.
    static func startPrefix(now: Date = Date()) -> String {
        let tenths = max(0, Int64((now.timeIntervalSince(prefixEpoch) * 10).rounded(.down)))
        return String(tenths, radix: 36)
    }
}

/// A connection's entry in the registry, as its connection loop updates it.
struct RegisteredConnection: Sendable {
    let registry: ConnectionRegistry
    let token: UInt64

    /// A command from the client is being handled: not idle.
    func working() { registry.noteActivity(token: token, busy: true) }
    /// Waiting for the client again.
    func waiting() { registry.noteActivity(token: token, busy: false) }
    func loggedIn(as account: String?) { registry.setAccount(token: token, account: account) }
    func admitLogin(_ account: String) -> Bool { registry.admitLogin(token: token, account: account) }
    func tlsStarted() { registry.setTLS(token: token) }
}
