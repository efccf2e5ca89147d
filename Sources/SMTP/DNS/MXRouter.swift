// Where to deliver mail for a domain (RFC 5321 §5.1): the static transport
// map first, then the smarthost, then DNS: MX records in preference order
// with a random order among equal preferences, the domain's own A/AAAA
// records when it has no MX (the implicit MX), and RFC 7505 null MX as a
// permanent "accepts no mail".
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One server to try, with the addresses to connect to.
public struct DeliveryHost: Sendable, Hashable {
    /// The MX exchange, transport-map or smarthost host (or an address literal).
    public var name: String
    public var port: Int
    /// In the order to try them.
    public var addresses: [DNSAddress]
    public init(name: String, port: Int, addresses: [DNSAddress]) {
        self.name = name
        self.port = port
        self.addresses = addresses
    }
}

/// A `host:port` given in the configuration (transport map or smarthost).
public struct RelayDestination: Sendable, Hashable {
    /// A host name or an IP address (IPv6 with or without brackets).
    public var host: String
    public var port: Int
    public init(host: String, port: Int = 25) {
        self.host = host
        self.port = port
    }
}

/// The outcome of routing one domain.
public enum MXRoute: Sendable, Hashable {
    /// The hosts to try, most preferred first (never empty).
    case hosts([DeliveryHost])
    /// RFC 7505 §3 null MX: the domain accepts no mail (bounce, 5.1.10).
    case nullMX
    /// The domain does not exist (bounce, 5.1.2).
    case domainNotFound
    /// Neither a usable MX nor an address (RFC 5321 §5.1: an error; bounce, 5.4.4).
    case noUsableHost
    /// DNS could not answer now: retry later.
    case temporaryFailure(String)

    /// RFC 3463 enhanced status for a permanent outcome, nil otherwise.
    public var permanentStatus: String? {
        switch self {
        case .nullMX: return "5.1.10"
        case .domainNotFound: return "5.1.2"
        case .noUsableHost: return "5.4.4"
        case .hosts, .temporaryFailure: return nil
        }
    }
}

public struct MXRouter: Sendable {
    public var resolver: any DNSResolver
    /// Domain → destination. A key starting with "." matches subdomains.
    public var transportMap: [String: RelayDestination]
    /// Every domain not in the transport map goes here when set (Postfix `relayhost`).
    public var smarthost: RelayDestination?
    /// The SMTP port for MX hosts.
    public var port: Int
    /// MX records considered at most (a huge RRset is cut off).
    public var maxHosts: Int
    /// Orders the hosts of one preference; random by default (RFC 5321 §5.1).
    public var shuffle: @Sendable ([DeliveryHost]) -> [DeliveryHost]

    public init(resolver: any DNSResolver, transportMap: [String: RelayDestination] = [:],
                smarthost: RelayDestination? = nil, port: Int = 25, maxHosts: Int = 16,
                shuffle: @escaping @Sendable ([DeliveryHost]) -> [DeliveryHost] = { $0.shuffled() }) {
        self.resolver = resolver
        self.transportMap = Dictionary(transportMap.map { (DNSMessage.normalized($0.key), $0.value) },
                                       uniquingKeysWith: { first, _ in first })
        self.smarthost = smarthost
        self.port = port
        self.maxHosts = maxHosts
        self.shuffle = shuffle
    }

    /// The hosts for mail to `domain` (the part after "@").
    public func route(_ domain: String) async -> MXRoute {
        let domain = DNSMessage.normalized(domain)
        if let destination = transportDestination(for: domain) ?? smarthost {
            return await relayRoute(destination)
        }
        // RFC 5321 §4.1.3: an address literal needs no lookup.
        if let literal = MXRouter.addressLiteral(domain) {
            return .hosts([DeliveryHost(name: domain, port: port, addresses: [literal])])
        }
        switch await resolver.mx(domain) {
        case .nameNotFound:
            return .domainNotFound
        case let .temporaryFailure(reason):
            return .temporaryFailure(reason)
        case .noData:
            // RFC 5321 §5.1: no MX, the domain itself is the implicit MX.
            switch await resolver.addresses(domain) {
            case let .found(addresses):
                return .hosts([DeliveryHost(name: domain, port: port, addresses: addresses)])
            case .nameNotFound: return .domainNotFound
            case .noData: return .noUsableHost
            case let .temporaryFailure(reason): return .temporaryFailure(reason)
            }
        case let .found(records):
            return await mxRoute(records)
        }
    }

    /// The transport-map entry for `domain`: exact, then the nearest ".parent".
    func transportDestination(for domain: String) -> RelayDestination? {
        if let exact = transportMap[domain] { return exact }
        var labels = domain.split(separator: ".")[...]
        while !labels.isEmpty {
            if let entry = transportMap["." + labels.joined(separator: ".")] { return entry }
            labels = labels.dropFirst()
        }
        return nil
    }

    /// A transport-map or smarthost destination: an address, or a name's A/AAAA (no MX lookup).
    func relayRoute(_ destination: RelayDestination) async -> MXRoute {
        if let literal = MXRouter.ipAddress(destination.host) {
            return .hosts([DeliveryHost(name: destination.host, port: destination.port, addresses: [literal])])
        }
        switch await resolver.addresses(destination.host) {
        case let .found(addresses):
            return .hosts([DeliveryHost(name: destination.host, port: destination.port, addresses: addresses)])
        case let .temporaryFailure(reason):
            return .temporaryFailure(reason)
        case .nameNotFound, .noData:
            // A configuration error, not the recipient's fault: keep the mail.
            return .temporaryFailure("relay host \(destination.host) has no address")
        }
    }

    /// RFC 5321 §5.1 with RFC 7505 §3: order by preference, shuffle equals,
    /// resolve each exchange; unusable exchanges are skipped.
    func mxRoute(_ records: [MXRecord]) async -> MXRoute {
        if records.count == 1, records[0].isNull { return .nullMX }
        // A "." next to real MX records is not a null MX; it is skipped.
        let usable = records.filter { !$0.isNull }.sorted { $0.preference < $1.preference }.prefix(maxHosts)
        guard !usable.isEmpty else { return .nullMX }
        var hosts: [DeliveryHost] = []
        var temporaryFailure: String? = nil
        var seen: Set<String> = []
        var index = usable.startIndex
        while index < usable.endIndex {
            let preference = usable[index].preference
            var group: [DeliveryHost] = []
            while index < usable.endIndex && usable[index].preference == preference {
                let exchange = DNSMessage.normalized(usable[index].exchange)
                index += 1
                guard seen.insert(exchange).inserted else { continue }
                if let literal = MXRouter.ipAddress(exchange) {
                    // Not allowed by RFC 7505 / RFC 5321 §5.1, but harmless to honour.
                    group.append(DeliveryHost(name: exchange, port: port, addresses: [literal]))
                    continue
                }
                switch await resolver.addresses(exchange) {
                case let .found(addresses):
                    group.append(DeliveryHost(name: exchange, port: port, addresses: addresses))
                case let .temporaryFailure(reason):
                    temporaryFailure = temporaryFailure ?? reason
                case .nameNotFound, .noData:
                    break
                }
            }
            hosts += group.count > 1 ? shuffle(group) : group
        }
        if !hosts.isEmpty { return .hosts(hosts) }
        if let temporaryFailure { return .temporaryFailure(temporaryFailure) }
        return .noUsableHost
    }

    /// RFC 5321 §4.1.3 address literal "[1.2.3.4]" or "[IPv6:...]".
    static func addressLiteral(_ domain: String) -> DNSAddress? {
        guard domain.hasPrefix("["), domain.hasSuffix("]") else { return nil }
        var inner = String(domain.dropFirst().dropLast())
        if inner.lowercased().hasPrefix("ipv6:") { inner = String(inner.dropFirst(5)) }
        return ipAddress(inner)
    }

    /// An IPv4 or IPv6 address in text form (IPv6 optionally in brackets).
    static func ipAddress(_ text: String) -> DNSAddress? {
        var text = text
        if text.hasPrefix("["), text.hasSuffix("]") { text = String(text.dropFirst().dropLast()) }
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            let bytes = withUnsafeBytes(of: &v4) { Array($0) }
            return .v4(bytes[0], bytes[1], bytes[2], bytes[3])
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            return .v6(withUnsafeBytes(of: &v6) { Array($0) })
        }
        return nil
    }
}
