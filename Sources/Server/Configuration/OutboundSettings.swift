/// The `[outbound]` table: how the queue runner delivers mail for other
/// domains (DNS, relays, TLS, retries, connection limits). The names follow
/// Postfix where it has one (`relayhost`, `transport_maps`,
/// `smtp_tls_policy_maps`, `maximal_queue_lifetime`, `delay_warning_time`).
public struct OutboundSettings: Sendable, Equatable {
    /// The DNS server for MX/A/AAAA lookups (IPv4 and port); nil: the
    /// system's resolver configuration (/etc/resolv.conf).
    public var nameserver: HostPort?
    /// The SMTP port of MX hosts (25; tests use another).
    public var port: Int
    /// Every domain not in `transport` goes to this relay when set (Postfix `relayhost`).
    public var smarthost: HostPort?
    /// TLS with the smarthost: opportunistic, require-verified, implicit or none.
    public var smarthostTLS: String
    /// AUTH credentials for the smarthost (only sent over TLS).
    public var smarthostUsername: String?
    /// The password as written in the file; prefer `smarthostPasswordFile`.
    public var smarthostPassword: String?
    /// A file whose first line is the password, read when the server starts.
    public var smarthostPasswordFile: String?
    /// Domain (".domain" for its subdomains) → relay, lower-case (Postfix `transport_maps`).
    public var transport: [String: HostPort]
    /// Domain → TLS policy overriding `defaultTLS`, lower-case.
    public var tlsPolicy: [String: String]
    /// TLS with MX hosts: opportunistic (RFC 3207 §4), require-verified or none.
    public var defaultTLS: String
    public var firstRetrySeconds: Int
    public var maxRetrySeconds: Int
    public var giveUpAfterSeconds: Int
    public var delayWarningSeconds: Int
    public var pollSeconds: Int
    /// Outbound SMTP connections open at once, in total and to one host
    /// (Postfix default_destination_concurrency_limit is 20 too). Below
    /// `concurrentDeliveries`, deliveries to one busy host wait for a slot
    /// and idle connections are closed for them instead of being reused.
    public var maxConnections: Int
    public var maxConnectionsPerHost: Int
    /// Messages being delivered at once.
    public var concurrentDeliveries: Int
    /// Seconds a connection stays open after its transaction for the next
    /// one to the same host (Postfix smtp_connection_cache_time_limit); 0 closes it at once.
    public var idleConnectionSeconds: Int

    public init(nameserver: HostPort? = nil, port: Int = 25, smarthost: HostPort? = nil,
                smarthostTLS: String = "opportunistic", smarthostUsername: String? = nil,
                smarthostPassword: String? = nil, smarthostPasswordFile: String? = nil,
                transport: [String: HostPort] = [:], tlsPolicy: [String: String] = [:],
                defaultTLS: String = "opportunistic", firstRetrySeconds: Int = 300, maxRetrySeconds: Int = 4 * 3600,
                giveUpAfterSeconds: Int = 5 * 86400, delayWarningSeconds: Int = 4 * 3600, pollSeconds: Int = 5,
                maxConnections: Int = 50, maxConnectionsPerHost: Int = 20, concurrentDeliveries: Int = 20,
                idleConnectionSeconds: Int = 5) {
        self.nameserver = nameserver
        self.port = port
        self.smarthost = smarthost
        self.smarthostTLS = smarthostTLS
        self.smarthostUsername = smarthostUsername
        self.smarthostPassword = smarthostPassword
        self.smarthostPasswordFile = smarthostPasswordFile
        self.transport = transport
        self.tlsPolicy = tlsPolicy
        self.defaultTLS = defaultTLS
        self.firstRetrySeconds = firstRetrySeconds
        self.maxRetrySeconds = maxRetrySeconds
        self.giveUpAfterSeconds = giveUpAfterSeconds
        self.delayWarningSeconds = delayWarningSeconds
        self.pollSeconds = pollSeconds
        self.maxConnections = maxConnections
        self.maxConnectionsPerHost = maxConnectionsPerHost
        self.concurrentDeliveries = concurrentDeliveries
        self.idleConnectionSeconds = idleConnectionSeconds
    }

    /// The TLS policy names the configuration accepts (`OutboundTLSPolicy` raw values).
    public static let tlsPolicyNames = ["opportunistic", "require-verified", "implicit", "none"]
}

/// `host:port` as written in the configuration: a host name, an IPv4
/// address or a bracketed IPv6 address, and a port (25 when left out).
public struct HostPort: Sendable, Equatable, CustomStringConvertible {
    /// Without brackets.
    public var host: String
    public var port: Int
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host`, `host:port`, `[host]:port`, `[v6]:port`; nil when malformed.
    public init?(parsing text: String, defaultPort: Int = 25) {
        var host: Substring
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else { return nil }
                portText = rest.dropFirst()
            }
        } else if let colon = text.lastIndex(of: ":") {
            // An unbracketed IPv6 address has several colons: not allowed (ambiguous with the port).
            guard text.firstIndex(of: ":") == colon else { return nil }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        } else {
            host = Substring(text)
        }
        let name = String(host)
        guard ConfigurationReader.isHostName(name) || ConfigurationReader.isIPAddress(name) else { return nil }
        var port = defaultPort
        if let portText {
            guard !portText.isEmpty, portText.allSatisfy(\.isASCII), portText.allSatisfy(\.isNumber),
                  portText.count <= 5, let value = Int(portText), (1...65535).contains(value) else { return nil }
            port = value
        }
        self.host = name.lowercased()
        self.port = port
    }

    /// `host:port`, IPv6 in brackets.
    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
