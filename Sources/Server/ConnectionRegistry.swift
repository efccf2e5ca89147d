import NIOCore

/// Every open connection of the server: enforces the total and per-address
/// limits, hands out connection ids, and finds the channels to tell (then
/// force-close) at shutdown.
final class ConnectionRegistry: Sendable {
    enum Admission: Equatable {
        case admitted(token: UInt64, connectionID: String)
        case tooManyConnections
        case tooManyFromAddress
        case shuttingDown
    }

    private struct State {
        var nextToken: UInt64 = 0
        var channels: [UInt64: any Channel] = [:]
        var perAddress: [String: Int] = [:]
        var shuttingDown = false
    }

    let maxConnections: Int
    let maxConnectionsPerAddress: Int
    private let state = LockedBox(State())

    init(maxConnections: Int, maxConnectionsPerAddress: Int) {
        self.maxConnections = maxConnections
        self.maxConnectionsPerAddress = maxConnectionsPerAddress
    }

    func admit(_ channel: any Channel, address: String) -> Admission {
        state.withLock { state in
            if state.shuttingDown { return .shuttingDown }
            if state.channels.count >= maxConnections { return .tooManyConnections }
            if state.perAddress[address, default: 0] >= maxConnectionsPerAddress { return .tooManyFromAddress }
            state.nextToken += 1
            state.channels[state.nextToken] = channel
            state.perAddress[address, default: 0] += 1
            return .admitted(token: state.nextToken, connectionID: Self.connectionID(state.nextToken))
        }
    }

    func release(token: UInt64, address: String) {
        state.withLock { state in
            guard state.channels.removeValue(forKey: token) != nil else { return }
            let left = state.perAddress[address, default: 1] - 1
            state.perAddress[address] = left > 0 ? left : nil
        }
    }

    var count: Int { state.withLock { $0.channels.count } }

    /// Refuses new connections from now on; returns the open ones.
    func beginShutdown() -> [any Channel] {
        state.withLock { state in
            state.shuttingDown = true
            return Array(state.channels.values)
        }
    }

    var openChannels: [any Channel] { state.withLock { Array($0.channels.values) } }

    /// Short, unique within the process: "c1", "c2", … in base 36.
    static func connectionID(_ token: UInt64) -> String { "c" + String(token, radix: 36) }
}
