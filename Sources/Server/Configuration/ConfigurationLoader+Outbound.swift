import Foundation
import TOMLKit

/// The `[outbound]` table (see `OutboundSettings` and `tern.example.toml`).
extension ConfigurationReader {
    static let outboundKeys: Set<String> = [
        "nameserver", "port", "smarthost", "smarthost_tls", "smarthost_username", "smarthost_password",
        "smarthost_password_file", "transport", "tls_policy", "default_tls", "first_retry_seconds",
        "max_retry_seconds", "give_up_after_seconds", "delay_warning_seconds", "poll_seconds", "max_connections",
        "max_connections_per_host", "concurrent_deliveries", "idle_connection_seconds",
    ]

    func readOutbound(_ table: TOMLTable, defaults: OutboundSettings) throws -> OutboundSettings {
        var outbound = defaults
        try checkKeys(table, allowed: Self.outboundKeys, path: "outbound")

        if let text = try string(table, "nameserver", path: "outbound") {
            // SystemDNSResolver takes an IPv4 nameserver (res_state's nsaddr_list).
            guard let nameserver = HostPort(parsing: text, defaultPort: 53),
                  Self.isIPv4Address(nameserver.host) else {
                throw error("bad value for \"outbound.nameserver\": \"\(text)\" (expected an IPv4 address with an "
                    + "optional port, like \"127.0.0.1:5353\")", "outbound.nameserver")
            }
            outbound.nameserver = nameserver
        }
        if let port = try int(table, "port", path: "outbound") {
            guard (1...65535).contains(port) else {
                throw error("bad value for \"outbound.port\": \(port) is not a port number (1-65535)", "outbound.port")
            }
            outbound.port = port
        }
        if let text = try string(table, "smarthost", path: "outbound") {
            outbound.smarthost = try relay(text, key: "outbound.smarthost", path: "outbound.smarthost")
        }
        for (key, keyPath) in [("smarthost_tls", \OutboundSettings.smarthostTLS),
                               ("default_tls", \OutboundSettings.defaultTLS)] {
            if let text = try string(table, key, path: "outbound") {
                outbound[keyPath: keyPath] = try tlsPolicy(text, key: "outbound.\(key)", path: "outbound.\(key)")
            }
        }
        try readSmarthostCredentials(table, into: &outbound)
        if let transport = try self.table(table, "transport", path: "outbound") {
            var map: [String: HostPort] = [:]
            for (domain, value) in transport {
                let path = "outbound.transport.\(domain)"
                let name = try mapDomain(domain, key: "outbound.transport", path: path)
                guard let text = value.string else {
                    throw entryError("wrong type for \"outbound.transport\" entry \"\(domain)\": expected a string "
                        + "\"host:port\", found \(value.type)", key: "outbound.transport", path: path)
                }
                map[name] = try relay(text, key: "outbound.transport", path: path, entry: domain)
            }
            outbound.transport = map
        }
        if let policies = try self.table(table, "tls_policy", path: "outbound") {
            var map: [String: String] = [:]
            for (domain, value) in policies {
                let path = "outbound.tls_policy.\(domain)"
                let name = try mapDomain(domain, key: "outbound.tls_policy", path: path)
                guard let text = value.string else {
                    throw entryError("wrong type for \"outbound.tls_policy\" entry \"\(domain)\": expected a string, "
                        + "found \(value.type)", key: "outbound.tls_policy", path: path)
                }
                map[name] = try tlsPolicy(text, key: "outbound.tls_policy", path: path, entry: domain)
            }
            outbound.tlsPolicy = map
        }
        try readOutboundNumbers(table, into: &outbound)
        return outbound
    }

    /// Retry times, poll interval and connection limits; each at least 1.
    private func readOutboundNumbers(_ table: TOMLTable, into outbound: inout OutboundSettings) throws {
        let fields: [(String, WritableKeyPath<OutboundSettings, Int>)] = [
            ("first_retry_seconds", \.firstRetrySeconds),
            ("max_retry_seconds", \.maxRetrySeconds),
            ("give_up_after_seconds", \.giveUpAfterSeconds),
            ("delay_warning_seconds", \.delayWarningSeconds),
            ("poll_seconds", \.pollSeconds),
            ("max_connections", \.maxConnections),
            ("max_connections_per_host", \.maxConnectionsPerHost),
            ("concurrent_deliveries", \.concurrentDeliveries),
        ]
        for (key, keyPath) in fields {
            guard let value = try int(table, key, path: "outbound") else { continue }
            guard value >= 1 else {
                throw error("bad value for \"outbound.\(key)\": \(value) (must be at least 1)", "outbound.\(key)")
            }
            outbound[keyPath: keyPath] = value
        }
        if let idle = try int(table, "idle_connection_seconds", path: "outbound") {
            guard (0...3600).contains(idle) else {
                throw error("bad value for \"outbound.idle_connection_seconds\": \(idle) (0 to 3600)",
                            "outbound.idle_connection_seconds")
            }
            outbound.idleConnectionSeconds = idle
        }
        if outbound.maxRetrySeconds < outbound.firstRetrySeconds {
            let key = table["max_retry_seconds"] != nil ? "max_retry_seconds" : "first_retry_seconds"
            throw error("bad value for \"outbound.\(key)\": max_retry_seconds (\(outbound.maxRetrySeconds)) is less "
                + "than first_retry_seconds (\(outbound.firstRetrySeconds))", "outbound.\(key)")
        }
        if outbound.maxConnectionsPerHost > outbound.maxConnections {
            let key = table["max_connections_per_host"] != nil ? "max_connections_per_host" : "max_connections"
            throw error("bad value for \"outbound.\(key)\": max_connections_per_host (\(outbound.maxConnectionsPerHost))"
                + " is more than max_connections (\(outbound.maxConnections))", "outbound.\(key)")
        }
    }

    /// `smarthost_username` with exactly one of `smarthost_password` and `smarthost_password_file`.
    private func readSmarthostCredentials(_ table: TOMLTable, into outbound: inout OutboundSettings) throws {
        let username = try string(table, "smarthost_username", path: "outbound")
        let password = try string(table, "smarthost_password", path: "outbound")
        let passwordFile = try string(table, "smarthost_password_file", path: "outbound")
        if password != nil, passwordFile != nil {
            throw error("\"outbound.smarthost_password\" and \"outbound.smarthost_password_file\" are both set "
                + "(give one)", "outbound.smarthost_password_file")
        }
        if let username {
            guard !username.isEmpty, !Self.hasControlCharacter(username) else {
                throw error("bad value for \"outbound.smarthost_username\": empty or with control characters",
                            "outbound.smarthost_username")
            }
            guard password != nil || passwordFile != nil else {
                throw error("\"outbound.smarthost_username\" is set without \"outbound.smarthost_password\" or "
                    + "\"outbound.smarthost_password_file\"", "outbound.smarthost_username")
            }
        } else if password != nil || passwordFile != nil {
            let key = password != nil ? "smarthost_password" : "smarthost_password_file"
            throw error("\"outbound.\(key)\" is set without \"outbound.smarthost_username\"", "outbound.\(key)")
        }
        if let password, password.isEmpty || Self.hasControlCharacter(password) {
            throw error("bad value for \"outbound.smarthost_password\": empty or with control characters",
                        "outbound.smarthost_password")
        }
        if let passwordFile, passwordFile.isEmpty {
            throw error("bad value for \"outbound.smarthost_password_file\": empty path",
                        "outbound.smarthost_password_file")
        }
        outbound.smarthostUsername = username
        outbound.smarthostPassword = password
        outbound.smarthostPasswordFile = passwordFile.map(resolve)
    }

    // MARK: Values

    private func relay(_ text: String, key: String, path: String, entry: String? = nil) throws -> HostPort {
        guard let destination = HostPort(parsing: text) else {
            let subject = entry.map { "\"\(key)\" entry \"\($0)\"" } ?? "\"\(key)\""
            throw entryError("bad value for \(subject): \"\(text)\" (expected \"host:port\", \"host\" for port 25, "
                + "or \"[2001:db8::1]:port\")", key: key, path: path)
        }
        return destination
    }

    private func tlsPolicy(_ text: String, key: String, path: String, entry: String? = nil) throws -> String {
        guard OutboundSettings.tlsPolicyNames.contains(text) else {
            let subject = entry.map { "\"\(key)\" entry \"\($0)\"" } ?? "\"\(key)\""
            throw entryError("bad value for \(subject): \"\(text)\" (expected "
                + OutboundSettings.tlsPolicyNames.joined(separator: ", ") + ")", key: key, path: path)
        }
        return text
    }

    /// A transport or TLS-policy key: a domain, or ".domain" for its subdomains.
    private func mapDomain(_ domain: String, key: String, path: String) throws -> String {
        let name = domain.hasPrefix(".") ? String(domain.dropFirst()) : domain
        guard Self.isHostName(name) else {
            throw entryError("bad key in \"\(key)\": \"\(domain)\" is not a domain name (or \".domain\" for its "
                + "subdomains)", key: key, path: path)
        }
        return domain.lowercased()
    }

    /// An error about one entry of a map: named by the map's key, at the entry's line.
    private func entryError(_ message: String, key: String, path: String) -> ConfigurationError {
        ConfigurationError(message, key: key, line: lines.line(of: path))
    }

    static func isIPv4Address(_ text: String) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 4)
        return inet_pton(AF_INET, text, &buffer) == 1
    }

    static func hasControlCharacter(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
    }
}
