/// Writes a configuration as TOML with every key, as `tern config check`
/// prints it; `ConfigurationLoader` reads the output back to the same value.
public enum ConfigurationRenderer {
    public static func toml(_ configuration: TernConfiguration) -> String {
        var lines: [String] = []
        lines.append("host_name = \(quoted(configuration.hostName))")
        lines.append("local_domains = [\(configuration.localDomains.map(quoted).joined(separator: ", "))]")
        lines.append("data_directory = \(quoted(configuration.dataDirectory))")
        lines.append("")
        lines.append("[tls]")
        if let certificate = configuration.tls.certificatePath, let key = configuration.tls.keyPath {
            lines.append("certificate = \(quoted(certificate))")
            lines.append("key = \(quoted(key))")
        } else {
            lines.append("# no certificate configured: a self-signed one is generated in the data directory")
        }
        for listener in configuration.listeners {
            lines.append("")
            lines.append("[[listener]]")
            lines.append("protocol = \(quoted(listener.protocolName.rawValue))")
            lines.append("address = \(quoted(listener.address))")
            lines.append("port = \(listener.port)")
            lines.append("tls = \(quoted(listener.tls.rawValue))")
        }
        let limits = configuration.limits
        lines.append("")
        lines.append("[limits]")
        lines.append("max_connections = \(limits.maxConnections)")
        lines.append("max_connections_per_address = \(limits.maxConnectionsPerAddress)")
        lines.append("idle_timeout_seconds = \(limits.idleTimeoutSeconds)")
        lines.append("max_message_size = \(limits.maxMessageSize)")
        lines.append("shutdown_grace_seconds = \(limits.shutdownGraceSeconds)")
        lines.append("")
        lines.append("[authentication]")
        lines.append("allow_cleartext = \(configuration.authentication.allowCleartext)")
        lines.append("")
        lines.append("[pop3]")
        lines.append("on_delete = \(quoted(configuration.pop3.onDelete))")
        let smtp = configuration.smtp
        lines.append("")
        lines.append("[smtp]")
        lines.append("trusted_networks = [\(smtp.trustedNetworks.map(quoted).joined(separator: ", "))]")
        lines.append("max_recipients = \(smtp.maxRecipients)")
        lines.append("max_errors = \(smtp.maxErrors)")
        lines.append("allow_bare_line_endings = \(smtp.allowBareLineEndings)")
        lines.append("")
        lines.append("[logging]")
        lines.append("level = \(quoted(configuration.logging.level))")
        lines.append("format = \(quoted(configuration.logging.format.rawValue))")
        let http = configuration.http
        lines.append("")
        lines.append("[http]")
        lines.append("admin_networks = [\(http.adminNetworks.map(quoted).joined(separator: ", "))]")
        if http.listeners.isEmpty {
            lines.append("listener = []")
        }
        for listener in http.listeners {
            lines.append("")
            lines.append("[[http.listener]]")
            lines.append("address = \(quoted(listener.address))")
            lines.append("port = \(listener.port)")
            lines.append("tls = \(quoted(listener.tls ? "implicit" : "none"))")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A TOML basic string (TOML 1.0 §String): quotes, backslashes and control characters escaped.
    static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case "\r": result += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16, uppercase: true)
                    result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }
}
