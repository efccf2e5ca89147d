import Foundation

/// What re-reading the configuration file (SIGHUP) changes: the
/// configuration that takes effect, and one entry per changed key saying
/// whether it was applied or needs a restart.
///
/// Applied at once: `host_name`, `local_domains`, `[tls]`,
/// `authentication.allow_cleartext`, `[pop3]`, `[smtp]`, `[logging]`,
/// `[outbound]`, `http.admin_networks` and `[limits]` (connection budgets and
/// timeouts for new connections) — new sessions take them, open ones keep
/// what they started with. Everything else (listeners, the data directory,
/// `[server]`, `[store]`, the login throttle's settings,
/// `limits.max_unauthenticated_in_flight_per_address`) keeps its running
/// value until a restart, so that the effective configuration always says
/// what is in force.
struct ConfigurationReload: Sendable {
    struct Change: Sendable, Equatable, CustomStringConvertible {
        /// The dotted key as in the file (`limits.max_message_size`, `listener`).
        var key: String
        /// The running and the new value as the file writes them (nil: not
        /// set; secrets are shown as "(hidden)").
        var old: String?
        var new: String?
        /// False: the running value stays until a restart.
        var applied: Bool

        var description: String {
            let outcome = applied ? "applied" : "needs a restart"
            // An array of tables ([[listener]]) is too long for one line.
            if old?.hasPrefix("#") == true || new?.hasPrefix("#") == true { return "\(key) changed: \(outcome)" }
            return "\(key) changed from \(old ?? "(not set)") to \(new ?? "(not set)"): \(outcome)"
        }
    }

    /// The configuration in force after the reload.
    let effective: TernConfiguration
    /// In the order of the file's keys.
    let changes: [Change]

    init(running: TernConfiguration, loaded: TernConfiguration) {
        var effective = running
        Self.takeLiveSettings(from: loaded, into: &effective)
        self.effective = effective
        let runningKeys = Self.orderedKeyValues(running)
        let loadedKeys = Self.orderedKeyValues(loaded)
        let before = Self.dictionary(runningKeys)
        let after = Self.dictionary(loadedKeys)
        let inForce = Self.keyValues(effective)
        // The file's order, then keys only the running configuration has.
        let keys = loadedKeys.map(\.0) + runningKeys.map(\.0).filter { after[$0] == nil }
        var changes: [Change] = []
        for key in keys where before[key] != after[key] {
            changes.append(Change(key: key, old: before[key], new: after[key], applied: inForce[key] == after[key]))
        }
        if running.outbound.smarthostPassword != loaded.outbound.smarthostPassword {
            let hidden = { (password: String?) in password == nil ? nil : "(hidden)" }
            changes.append(Change(key: "outbound.smarthost_password", old: hidden(running.outbound.smarthostPassword),
                                  new: hidden(loaded.outbound.smarthostPassword),
                                  applied: effective.outbound == loaded.outbound))
        }
        self.changes = changes
    }

    /// The settings a running server applies without a restart, copied from
    /// the file. The connection limits and timeouts go to `ListenerSet`
    /// (`apply(limits:)`, for new connections). Kept until a restart: the
    /// in-flight bound per address (one shared counter made at start) and
    /// the login throttle's settings (one throttle holding the failures
    /// counted so far).
    static func takeLiveSettings(from loaded: TernConfiguration, into effective: inout TernConfiguration) {
        effective.hostName = loaded.hostName
        effective.localDomains = loaded.localDomains
        effective.tls = loaded.tls
        let inFlight = effective.limits.maxUnauthenticatedInFlightPerAddress
        effective.limits = loaded.limits
        effective.limits.maxUnauthenticatedInFlightPerAddress = inFlight
        effective.authentication.allowCleartext = loaded.authentication.allowCleartext
        effective.pop3 = loaded.pop3
        effective.smtp = loaded.smtp
        effective.logging = loaded.logging
        effective.outbound = loaded.outbound
        effective.http.adminNetworks = loaded.http.adminNetworks
    }

    /// Whether a change of this key (or of a key below it) is among `changes`.
    func changed(_ key: String) -> Bool {
        changes.contains { $0.key == key || $0.key.hasPrefix(key + ".") }
    }

    /// Every key of the configuration with its value as `tern config check`
    /// prints it (`ConfigurationRenderer`): `[table]` keys are dotted, an
    /// array of tables (`[[listener]]`) is one key whose value is all its
    /// entries, comments are left out.
    static func keyValues(_ configuration: TernConfiguration) -> [String: String] {
        dictionary(orderedKeyValues(configuration))
    }

    private static func dictionary(_ pairs: [(String, String)]) -> [String: String] {
        pairs.reduce(into: [:]) { $0[$1.0] = $1.1 }
    }

    private static func orderedKeyValues(_ configuration: TernConfiguration) -> [(String, String)] {
        var result: [(String, String)] = []
        var table = ""
        var arrayKey: String?
        var arrayIndex = -1
        func append(_ key: String, _ value: String) {
            if let index = result.firstIndex(where: { $0.0 == key }) {
                result[index].1 += "; " + value
            } else {
                result.append((key, value))
            }
        }
        for rawLine in ConfigurationRenderer.toml(configuration).split(separator: "\n") {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("[[") {
                let name = String(line.dropFirst(2).dropLast(2))
                arrayIndex = arrayKey == name ? arrayIndex + 1 : 0
                arrayKey = name
                append(name, "#\(arrayIndex + 1)")
            } else if line.hasPrefix("[") {
                table = String(line.dropFirst().dropLast())
                arrayKey = nil
            } else if let equals = line.firstIndex(of: "=") {
                let key = line[..<equals].trimmingCharacters(in: .whitespaces)
                let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
                if let arrayKey {
                    append(arrayKey, "\(key) = \(value)")
                } else {
                    append(table.isEmpty ? key : "\(table).\(key)", value)
                }
            }
        }
        return result
    }
}
