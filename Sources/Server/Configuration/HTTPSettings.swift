/// The `[http]` table: the HTTP(S) listeners that serve client settings
/// discovery (autoconfig, autodiscover, Apple profiles), `/healthz` and `/metrics`.
public struct HTTPSettings: Sendable, Equatable {
    /// Empty: no HTTP at all.
    public var listeners: [HTTPListenerConfiguration]
    /// CIDR networks allowed to read `/healthz` and `/metrics` (loopback by default).
    public var adminNetworks: [String]

    public init(listeners: [HTTPListenerConfiguration] = HTTPSettings.defaultListeners,
                adminNetworks: [String] = HTTPSettings.defaultAdminNetworks) {
        self.listeners = listeners
        self.adminNetworks = adminNetworks
    }

    /// Loopback HTTP 8080 and HTTPS 8443.
    public static let defaultListeners = [
        HTTPListenerConfiguration(address: "127.0.0.1", port: 8080, tls: false),
        HTTPListenerConfiguration(address: "127.0.0.1", port: 8443, tls: true),
    ]
    public static let defaultAdminNetworks = ["127.0.0.0/8", "::1/128"]
}

/// One HTTP listener: plain HTTP, or HTTPS with the mail listeners' certificate.
public struct HTTPListenerConfiguration: Sendable, Equatable {
    public var address: String
    public var port: Int
    /// True: HTTPS (TLS from the first byte).
    public var tls: Bool
    public init(address: String, port: Int, tls: Bool) {
        self.address = address
        self.port = port
        self.tls = tls
    }
}
