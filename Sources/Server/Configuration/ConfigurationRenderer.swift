import Accounts

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
            if let maxConnections = listener.maxConnections { lines.append("max_connections = \(maxConnections)") }
        }
        lines += limitsLines(configuration.limits)
        lines.append("")
        lines.append("[authentication]")
        lines.append("allow_cleartext = \(configuration.authentication.allowCleartext)")
        lines += throttleLines(configuration.authentication.throttle)
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
        if let postmaster = smtp.postmasterAccount {
            lines.append("postmaster_account = \(quoted(postmaster))")
        } else {
            lines.append("# no postmaster_account: postmaster@ and abuse@ go to the oldest account")
        }
        lines.append("")
        lines.append("[logging]")
        lines.append("level = \(quoted(configuration.logging.level))")
        lines.append("format = \(quoted(configuration.logging.format.rawValue))")
        if let file = configuration.logging.file {
            lines.append("file = \(quoted(file))")
        } else {
            lines.append("# no file: standard error (the journal under systemd)")
        }
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
        lines += outboundLines(configuration.outbound)
        lines += serverLines(configuration.server)
        lines += ["", "[store]", "backend = \(quoted(configuration.store.backend.rawValue))"]
        return lines.joined(separator: "\n") + "\n"
    }

    /// `[limits]` and a `[limits.PROTOCOL]` table for each protocol: keys
    /// set in the file as keys, derived defaults as comments with their value.
    static func limitsLines(_ limits: Limits) -> [String] {
        var lines = ["", "[limits]"]
        for (key, keyPath, _) in ConfigurationReader.limitsFields {
            lines.append("\(key) = \(limits[keyPath: keyPath])")
        }
        for protocolName in ListenerProtocol.allCases {
            let settings = limits.protocols[protocolName] ?? ConnectionBudgetSettings()
            let budget = limits.budget(for: protocolName)
            let effective: [String: Int] = [
                "max_connections": budget.maxConnections,
                "max_connections_per_address": budget.maxConnectionsPerAddress,
                "max_unauthenticated": budget.maxUnauthenticated,
                "max_unauthenticated_per_address": budget.maxUnauthenticatedPerAddress,
                "max_connections_per_user_and_address": budget.maxConnectionsPerUserAndAddress,
            ]
            lines += ["", "[limits.\(protocolName.rawValue)]"]
            for (key, keyPath) in ConfigurationReader.budgetFields {
                if let value = settings[keyPath: keyPath] {
                    lines.append("\(key) = \(value)")
                } else {
                    lines.append("# \(key) = \(effective[key] ?? 0) (default)")
                }
            }
        }
        return lines
    }

    /// The login throttle keys of `[authentication]`.
    static func throttleLines(_ throttle: LoginThrottleConfiguration) -> [String] {
        func seconds(_ duration: Duration) -> Int { Int(duration.components.seconds) }
        return [
            "lock_after_failures = \(throttle.maximumFailuresPerAddressAndAccount)",
            "lock_address_after_failures = \(throttle.maximumFailuresPerAddress)",
            "lock_account_after_failures = \(throttle.maximumFailuresPerAccount)",
            "failure_window_seconds = \(seconds(throttle.window))",
            "lock_seconds = \(seconds(throttle.lockDuration))",
            "max_failure_delay_seconds = \(seconds(throttle.maximumDelay))",
        ]
    }

    /// `[outbound]` with its `transport` and `tls_policy` sub-tables. An
    /// inline password is not printed (only that one is set).
    static func outboundLines(_ outbound: OutboundSettings) -> [String] {
        var lines = ["", "[outbound]"]
        if let nameserver = outbound.nameserver {
            lines.append("nameserver = \(quoted(nameserver.description))")
        } else {
            lines.append("# no nameserver: the system resolver (/etc/resolv.conf)")
        }
        lines.append("port = \(outbound.port)")
        if let smarthost = outbound.smarthost {
            lines.append("smarthost = \(quoted(smarthost.description))")
        } else {
            lines.append("# no smarthost: mail goes to each domain's MX hosts")
        }
        lines.append("smarthost_tls = \(quoted(outbound.smarthostTLS))")
        if let username = outbound.smarthostUsername {
            lines.append("smarthost_username = \(quoted(username))")
        }
        if outbound.smarthostPassword != nil {
            lines.append("# smarthost_password is set (not shown)")
        }
        if let file = outbound.smarthostPasswordFile {
            lines.append("smarthost_password_file = \(quoted(file))")
        }
        lines.append("default_tls = \(quoted(outbound.defaultTLS))")
        lines.append("first_retry_seconds = \(outbound.firstRetrySeconds)")
        lines.append("max_retry_seconds = \(outbound.maxRetrySeconds)")
        lines.append("give_up_after_seconds = \(outbound.giveUpAfterSeconds)")
        lines.append("delay_warning_seconds = \(outbound.delayWarningSeconds)")
        lines.append("poll_seconds = \(outbound.pollSeconds)")
        lines.append("max_connections = \(outbound.maxConnections)")
        lines.append("max_connections_per_host = \(outbound.maxConnectionsPerHost)")
        lines.append("concurrent_deliveries = \(outbound.concurrentDeliveries)")
        lines.append("idle_connection_seconds = \(outbound.idleConnectionSeconds)")
        lines.append("")
        lines.append("[outbound.transport]")
        for domain in outbound.transport.keys.sorted() {
            lines.append("\(quoted(domain)) = \(quoted(outbound.transport[domain]!.description))")
        }
        lines.append("")
        lines.append("[outbound.tls_policy]")
        for domain in outbound.tlsPolicy.keys.sorted() {
            lines.append("\(quoted(domain)) = \(quoted(outbound.tlsPolicy[domain]!))")
        }
        return lines
    }

    /// `[server]`: the user (and group) `tern serve` drops to when started as root.
    static func serverLines(_ server: ServerSettings) -> [String] {
        var lines = ["", "[server]"]
        if let user = server.user {
            lines.append("user = \(quoted(user))")
        } else {
            lines.append("# no user: tern serve keeps the user it was started as")
        }
        if let group = server.group { lines.append("group = \(quoted(group))") }
        return lines
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
