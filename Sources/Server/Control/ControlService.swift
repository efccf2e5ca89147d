import Accounts

/// What the control socket's requests do, over the running server's
/// listeners and login throttle.
struct ControlService: Sendable {
    let listeners: ListenerSet
    let throttle: LoginThrottle

    func respond(to request: ControlRequest) async -> ControlResponse {
        switch request {
        case .who(let protocolName):
            if let protocolName, ListenerProtocol(rawValue: protocolName) == nil {
                return .error("unknown protocol \"\(protocolName)\" (expected imap, pop3, smtp or submission)")
            }
            return .connections(listeners.connections().filter { protocolName == nil || $0.protocolName == protocolName })
        case .kick(let account):
            return .kicked(listeners.kick(account: account))
        case .throttleList:
            return .throttle(await throttle.entries())
        case .throttleClear(let target):
            // An IP address clears that address; anything else is an account name.
            if ConfigurationReader.isIPAddress(target) {
                return .cleared(await throttle.clear(address: target))
            }
            return .cleared(await throttle.clear(account: target))
        }
    }
}
