/// The routes of one pass: each domain is looked up once per pass however
/// many messages go there (concurrent askers share the lookup), so a
/// queue of many messages to one domain costs one MX resolution.
actor RouteCache {
    private let router: MXRouter
    private var routes: [String: Task<MXRoute, Never>] = [:]

    init(router: MXRouter) {
        self.router = router
    }

    func route(_ domain: String) async -> MXRoute {
        if let known = routes[domain] { return await known.value }
        let router = self.router
        let lookup = Task { await router.route(domain) }
        routes[domain] = lookup
        return await lookup.value
    }
}

/// How the client talks to the destination of one domain.
struct DestinationPolicy: Sendable, Hashable {
    var tls: OutboundTLSPolicy
    var credentials: SMTPClientCredentials?
    /// The route is the smarthost (Postfix `relayhost`).
    var viaSmarthost: Bool

    /// The same choice `MXRouter.route` makes: a transport-map entry wins,
    /// then the smarthost, then DNS. Smarthost mail uses the smarthost's
    /// TLS mode and credentials; other mail the domain's TLS policy or the
    /// default, and never credentials (RFC 4954 AUTH only to our relay).
    static func forDomain(_ domain: String, router: MXRouter,
                          configuration: OutboundConfiguration) -> DestinationPolicy {
        let normalized = DNSMessage.normalized(domain)
        if router.transportDestination(for: normalized) == nil, router.smarthost != nil {
            return DestinationPolicy(tls: configuration.smarthostTLS, credentials: configuration.smarthostCredentials,
                                     viaSmarthost: true)
        }
        let tls = configuration.tlsPolicies[normalized]
            ?? configuration.tlsPolicies.first { DNSMessage.normalized($0.key) == normalized }?.value
            ?? configuration.defaultTLS
        return DestinationPolicy(tls: tls, credentials: nil, viaSmarthost: false)
    }
}
