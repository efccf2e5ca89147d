import Foundation
import Logging
import MailCore
import SMTP
import TOMLKit

/// Reads a TOML configuration file (see `tern.example.toml`) into a
/// `TernConfiguration`. Keys missing from the file keep the local default;
/// anything unknown or invalid is a `ConfigurationError` naming the key and line.
public enum ConfigurationLoader {
    /// Loads the file at `path`, or returns `TernConfiguration.localDefaults` when nil.
    /// Relative paths in the file (data directory, certificate, key) are
    /// resolved against the file's directory.
    public static func load(path: String?) throws -> TernConfiguration {
        guard let path else { return TernConfiguration.localDefaults }
        let text: String
        do {
            text = try String(decoding: Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
        } catch {
            throw ConfigurationError("cannot read configuration file \(path): \(error.localizedDescription)")
        }
        let directory = URL(fileURLWithPath: path).standardizedFileURL.deletingLastPathComponent().path
        return try load(text: text, baseDirectory: directory)
    }

    /// Parses configuration text; relative paths are resolved against `baseDirectory`.
    public static func load(text: String, baseDirectory: String) throws -> TernConfiguration {
        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigurationError("TOML syntax error: \(error.description)", line: error.source.begin.line)
        }
        var reader = ConfigurationReader(lines: TOMLKeyLines(text: text), baseDirectory: baseDirectory)
        return try reader.read(root)
    }
}

/// Walks the parsed TOML with the key lines at hand for error messages.
struct ConfigurationReader {
    let lines: TOMLKeyLines
    let baseDirectory: String

    static let topLevelKeys: Set<String> = [
        "host_name", "local_domains", "data_directory", "tls", "listener", "limits", "authentication", "pop3", "smtp",
        "logging", "http", "outbound", "server", "store",
    ]

    mutating func read(_ root: TOMLTable) throws -> TernConfiguration {
        var configuration = TernConfiguration.localDefaults
        try checkKeys(root, allowed: Self.topLevelKeys, path: nil)

        if let hostName = try string(root, "host_name") {
            guard Self.isHostName(hostName) else {
                throw error("bad value for \"host_name\": \"\(hostName)\" is not a host name", "host_name")
            }
            configuration.hostName = hostName.lowercased()
        }
        if let domains = try stringArray(root, "local_domains") {
            for domain in domains where !Self.isHostName(domain) {
                throw error("bad value for \"local_domains\": \"\(domain)\" is not a domain name", "local_domains")
            }
            configuration.localDomains = domains.map { $0.lowercased() }
        }
        if let directory = try string(root, "data_directory") {
            guard !directory.isEmpty else { throw error("bad value for \"data_directory\": empty path", "data_directory") }
            configuration.dataDirectory = resolve(directory)
        }
        if let tls = try table(root, "tls") {
            configuration.tls = try readTLS(tls)
        }
        if let listeners = try tableArray(root, "listener") {
            configuration.listeners = try readListeners(listeners)
        }
        if let limits = try table(root, "limits") {
            configuration.limits = try readLimits(limits, defaults: configuration.limits)
        }
        if let authentication = try table(root, "authentication") {
            try checkKeys(authentication, allowed: Self.throttleKeys.union(["allow_cleartext"]), path: "authentication")
            if let allow = try bool(authentication, "allow_cleartext", path: "authentication") {
                configuration.authentication.allowCleartext = allow
            }
            configuration.authentication.throttle = try readThrottle(authentication,
                                                                     defaults: configuration.authentication.throttle)
        }
        if let pop3 = try table(root, "pop3") {
            try checkKeys(pop3, allowed: ["on_delete"], path: "pop3")
            if let onDelete = try string(pop3, "on_delete", path: "pop3") {
                guard Self.isOnDeletePolicy(onDelete) else {
                    throw error("bad value for \"pop3.on_delete\": \"\(onDelete)\" (expected delete, keep, mark-read "
                        + "or move:MAILBOX)", "pop3.on_delete")
                }
                configuration.pop3.onDelete = onDelete
            }
        }
        if let smtp = try table(root, "smtp") {
            configuration.smtp = try readSMTP(smtp, defaults: configuration.smtp)
        }
        if let logging = try table(root, "logging") {
            configuration.logging = try readLogging(logging, defaults: configuration.logging)
        }
        if let http = try table(root, "http") {
            configuration.http = try readHTTP(http, defaults: configuration.http)
        }
        if let outbound = try table(root, "outbound") {
            configuration.outbound = try readOutbound(outbound, defaults: configuration.outbound)
        }
        if let server = try table(root, "server") {
            configuration.server = try readServer(server)
        }
        if let store = try table(root, "store") {
            configuration.store = try readStore(store)
        }
        return configuration
    }

    // MARK: Sections

    private func readTLS(_ table: TOMLTable) throws -> TLSFiles {
        try checkKeys(table, allowed: ["certificate", "key"], path: "tls")
        let certificate = try string(table, "certificate", path: "tls")
        let key = try string(table, "key", path: "tls")
        switch (certificate, key) {
        case (.some, nil):
            throw error("\"tls.certificate\" is set without \"tls.key\"", "tls.certificate")
        case (nil, .some):
            throw error("\"tls.key\" is set without \"tls.certificate\"", "tls.key")
        case (.some(let certificate), .some(let key)):
            for (name, value) in [("tls.certificate", certificate), ("tls.key", key)] where value.isEmpty {
                throw error("bad value for \"\(name)\": empty path", name)
            }
            return TLSFiles(certificatePath: resolve(certificate), keyPath: resolve(key))
        case (nil, nil):
            return TLSFiles()
        }
    }

    private func readListeners(_ tables: [TOMLTable]) throws -> [ListenerConfiguration] {
        guard !tables.isEmpty else { throw error("\"listener\" is empty: at least one listener is needed", "listener") }
        var listeners: [ListenerConfiguration] = []
        var seen: [String: Int] = [:]
        for (index, table) in tables.enumerated() {
            let path = "listener[\(index)]"
            try checkKeys(table, allowed: ["protocol", "address", "port", "tls", "max_connections"], path: path)
            guard let protocolText = try string(table, "protocol", path: path) else {
                throw error("\"listener.protocol\" is missing (imap, pop3, smtp or submission)", path)
            }
            guard let protocolName = ListenerProtocol(rawValue: protocolText) else {
                throw error("bad value for \"listener.protocol\": \"\(protocolText)\" (expected imap, pop3, smtp or "
                    + "submission)", "\(path).protocol")
            }
            guard let port = try int(table, "port", path: path) else {
                throw error("\"listener.port\" is missing", path)
            }
            guard (1...65535).contains(port) else {
                throw error("bad value for \"listener.port\": \(port) is not a port number (1-65535)", "\(path).port")
            }
            let address = try string(table, "address", path: path) ?? "127.0.0.1"
            guard Self.isIPAddress(address) else {
                throw error("bad value for \"listener.address\": \"\(address)\" is not an IPv4 or IPv6 address",
                            "\(path).address")
            }
            var tls: TLSMode = [993, 995, 465].contains(port) ? .implicit : .starttls
            if let tlsText = try string(table, "tls", path: path) {
                guard let mode = TLSMode(rawValue: tlsText) else {
                    throw error("bad value for \"listener.tls\": \"\(tlsText)\" (expected implicit, starttls or none)",
                                "\(path).tls")
                }
                tls = mode
            }
            let endpoint = address.contains(":") ? "[\(address)]:\(port)" : "\(address):\(port)"
            let line = lines.line(of: path)
            if let earlier = seen[endpoint] {
                throw ConfigurationError("duplicate listener \(endpoint) (also at line \(earlier))", key: "listener",
                                         line: line)
            }
            seen[endpoint] = line ?? 0
            let maxConnections = try atLeast(1, table, "max_connections", path: path)
            listeners.append(ListenerConfiguration(protocolName: protocolName, address: address, port: port, tls: tls,
                                                   maxConnections: maxConnections))
        }
        return listeners
    }

    private func readSMTP(_ table: TOMLTable, defaults: SMTPSettings) throws -> SMTPSettings {
        var smtp = defaults
        try checkKeys(table, allowed: ["trusted_networks", "max_recipients", "max_errors", "allow_bare_line_endings",
                                       "postmaster_account"],
                      path: "smtp")
        if let networks = try stringArray(table, "trusted_networks", path: "smtp") {
            for network in networks where IPNetwork(network) == nil {
                throw error("bad value for \"smtp.trusted_networks\": \"\(network)\" is not an IP address or CIDR "
                    + "network (like \"192.0.2.0/24\" or \"2001:db8::/32\")", "smtp.trusted_networks")
            }
            smtp.trustedNetworks = networks
        }
        // RFC 5321 §4.5.3.1.8: a server must accept at least 100 recipients.
        let fields: [(String, WritableKeyPath<SMTPSettings, Int>, Int)] = [
            ("max_recipients", \.maxRecipients, 100),
            ("max_errors", \.maxErrors, 1),
        ]
        for (key, keyPath, minimum) in fields {
            guard let value = try int(table, key, path: "smtp") else { continue }
            guard value >= minimum else {
                throw error("bad value for \"smtp.\(key)\": \(value) (must be at least \(minimum))", "smtp.\(key)")
            }
            smtp[keyPath: keyPath] = value
        }
        if let allow = try bool(table, "allow_bare_line_endings", path: "smtp") {
            smtp.allowBareLineEndings = allow
        }
        if let postmaster = try string(table, "postmaster_account", path: "smtp") {
            guard let address = EmailAddress(postmaster), !address.domain.hasPrefix("[") else {
                throw error("bad value for \"smtp.postmaster_account\": \"\(postmaster)\" is not an address "
                    + "(like \"admin@example.org\")", "smtp.postmaster_account")
            }
            smtp.postmasterAccount = address.description.lowercased()
        }
        return smtp
    }

    private func readLogging(_ table: TOMLTable, defaults: LoggingSettings) throws -> LoggingSettings {
        var logging = defaults
        try checkKeys(table, allowed: ["level", "format", "file"], path: "logging")
        if let level = try string(table, "level", path: "logging") {
            guard Logger.Level(rawValue: level) != nil else {
                let names = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
                throw error("bad value for \"logging.level\": \"\(level)\" (expected one of \(names))", "logging.level")
            }
            logging.level = level
        }
        if let format = try string(table, "format", path: "logging") {
            guard let value = LoggingSettings.Format(rawValue: format) else {
                throw error("bad value for \"logging.format\": \"\(format)\" (expected text or json)", "logging.format")
            }
            logging.format = value
        }
        if let file = try string(table, "file", path: "logging") {
            guard !file.isEmpty else { throw error("bad value for \"logging.file\": empty path", "logging.file") }
            logging.file = resolve(file)
        }
        return logging
    }

    /// `[http]` with `admin_networks` and `[[http.listener]]` (address, port, tls = "implicit" or "none").
    private func readHTTP(_ table: TOMLTable, defaults: HTTPSettings) throws -> HTTPSettings {
        var http = defaults
        try checkKeys(table, allowed: ["admin_networks", "listener"], path: "http")
        if let networks = try stringArray(table, "admin_networks", path: "http") {
            for network in networks where IPNetwork(network) == nil {
                throw error("bad value for \"http.admin_networks\": \"\(network)\" is not an IP address or CIDR "
                    + "network (like \"127.0.0.0/8\" or \"::1/128\")", "http.admin_networks")
            }
            http.adminNetworks = networks
        }
        guard let tables = try tableArray(table, "listener", path: "http") else { return http }
        var listeners: [HTTPListenerConfiguration] = []
        var seen: Set<String> = []
        for (index, listener) in tables.enumerated() {
            let path = "http.listener[\(index)]"
            try checkKeys(listener, allowed: ["address", "port", "tls"], path: path)
            guard let port = try int(listener, "port", path: path) else {
                throw error("\"http.listener.port\" is missing", path)
            }
            guard (1...65535).contains(port) else {
                throw error("bad value for \"http.listener.port\": \(port) is not a port number (1-65535)",
                            "\(path).port")
            }
            let address = try string(listener, "address", path: path) ?? "127.0.0.1"
            guard Self.isIPAddress(address) else {
                throw error("bad value for \"http.listener.address\": \"\(address)\" is not an IPv4 or IPv6 address",
                            "\(path).address")
            }
            var tls = [443, 8443].contains(port)
            if let tlsText = try string(listener, "tls", path: path) {
                switch tlsText {
                case "implicit": tls = true
                case "none": tls = false
                default:
                    throw error("bad value for \"http.listener.tls\": \"\(tlsText)\" (expected implicit or none)",
                                "\(path).tls")
                }
            }
            let endpoint = address.contains(":") ? "[\(address)]:\(port)" : "\(address):\(port)"
            guard seen.insert(endpoint).inserted else {
                throw error("duplicate http listener \(endpoint)", path)
            }
            listeners.append(HTTPListenerConfiguration(address: address, port: port, tls: tls))
        }
        http.listeners = listeners
        return http
    }

    // MARK: Typed access

    func error(_ message: String, _ path: String) -> ConfigurationError {
        ConfigurationError(message, key: Self.displayName(path), line: lines.line(of: path))
    }

    /// `listener[2].port` → `listener.port`.
    static func displayName(_ path: String) -> String {
        var result = ""
        var skipping = false
        for character in path {
            if character == "[" { skipping = true } else if character == "]" { skipping = false } else if !skipping {
                result.append(character)
            }
        }
        return result
    }

    func fullPath(_ key: String, _ path: String?) -> String { path.map { "\($0).\(key)" } ?? key }

    func checkKeys(_ table: TOMLTable, allowed: Set<String>, path: String?) throws {
        let unknown = table.keys.filter { !allowed.contains($0) }.map { fullPath($0, path) }
        guard !unknown.isEmpty else { return }
        let first = unknown.min { (lines.line(of: $0) ?? .max) < (lines.line(of: $1) ?? .max) }!
        throw error("unknown key \"\(Self.displayName(first))\"", first)
    }

    func typeError(_ key: String, _ path: String?, expected: String, found: TOMLType) -> ConfigurationError {
        let full = fullPath(key, path)
        return error("wrong type for \"\(Self.displayName(full))\": expected \(expected), found \(found)", full)
    }

    func string(_ table: TOMLTable, _ key: String, path: String? = nil) throws -> String? {
        guard let value = table[key] else { return nil }
        guard let string = value.string else { throw typeError(key, path, expected: "a string", found: value.type) }
        return string
    }

    func int(_ table: TOMLTable, _ key: String, path: String? = nil) throws -> Int? {
        guard let value = table[key] else { return nil }
        guard let int = value.int else { throw typeError(key, path, expected: "an integer", found: value.type) }
        return int
    }

    func bool(_ table: TOMLTable, _ key: String, path: String? = nil) throws -> Bool? {
        guard let value = table[key] else { return nil }
        guard let bool = value.bool else { throw typeError(key, path, expected: "true or false", found: value.type) }
        return bool
    }

    func stringArray(_ table: TOMLTable, _ key: String, path: String? = nil) throws -> [String]? {
        guard let value = table[key] else { return nil }
        guard let array = value.array else {
            throw typeError(key, path, expected: "an array of strings", found: value.type)
        }
        return try array.map { element in
            guard let string = element.string else {
                throw typeError(key, path, expected: "an array of strings", found: element.type)
            }
            return string
        }
    }

    func table(_ table: TOMLTable, _ key: String, path: String? = nil) throws -> TOMLTable? {
        guard let value = table[key] else { return nil }
        guard let result = value.table else { throw typeError(key, path, expected: "a table", found: value.type) }
        return result
    }

    func tableArray(_ table: TOMLTable, _ key: String, path: String? = nil) throws -> [TOMLTable]? {
        guard let value = table[key] else { return nil }
        let header = fullPath(key, path)
        guard let array = value.array else {
            throw typeError(key, path, expected: "an array of tables ([[\(header)]])", found: value.type)
        }
        return try array.map { element in
            guard let table = element.table else {
                throw typeError(key, path, expected: "an array of tables ([[\(header)]])", found: element.type)
            }
            return table
        }
    }

    // MARK: Values

    func resolve(_ path: String) -> String {
        let url = path.hasPrefix("/") ? URL(fileURLWithPath: path)
            : URL(fileURLWithPath: baseDirectory, isDirectory: true).appendingPathComponent(path)
        return url.standardizedFileURL.path
    }

    static func isHostName(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 253 else { return false }
        return name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            !label.isEmpty && label.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
    }

    static func isIPAddress(_ text: String) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 16)
        return inet_pton(AF_INET, text, &buffer) == 1 || inet_pton(AF_INET6, text, &buffer) == 1
    }

    static func isOnDeletePolicy(_ text: String) -> Bool {
        if ["delete", "keep", "mark-read"].contains(text) { return true }
        guard text.hasPrefix("move:") else { return false }
        let mailbox = text.dropFirst("move:".count)
        return !mailbox.isEmpty && !mailbox.hasPrefix("/") && !mailbox.hasSuffix("/")
            && !mailbox.contains(where: { $0.isASCII && ($0.asciiValue! < 0x20 || $0.asciiValue! == 0x7F) })
    }
}
