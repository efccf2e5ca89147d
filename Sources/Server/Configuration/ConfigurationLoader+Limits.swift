import Accounts
import TOMLKit

/// The `[limits]` table with its per-protocol sub-tables `[limits.imap]`,
/// `[limits.pop3]`, `[limits.smtp]`, `[limits.submission]`, and the login
/// throttle keys of `[authentication]` (see `tern.example.toml`).
extension ConfigurationReader {
    /// `[limits]` keys holding whole numbers, with each one's minimum.
    static var limitsFields: [(String, WritableKeyPath<Limits, Int>, Int)] { [
        ("max_connections", \.maxConnections, 1),
        ("max_connections_per_address", \.maxConnectionsPerAddress, 1),
        ("idle_timeout_seconds", \.idleTimeoutSeconds, 1),
        ("login_idle_timeout_seconds", \.loginIdleTimeoutSeconds, 1),
        ("login_timeout_seconds", \.loginTimeoutSeconds, 1),
        ("max_message_size", \.maxMessageSize, 1024),
        ("max_unauthenticated_message_size", \.maxUnauthenticatedMessageSize, 1024),
        ("max_unauthenticated_in_flight_per_address", \.maxUnauthenticatedInFlightPerAddress, 1024),
        ("shutdown_grace_seconds", \.shutdownGraceSeconds, 0),
    ] }

    /// The keys of a `[limits.PROTOCOL]` table.
    static var budgetFields: [(String, WritableKeyPath<ConnectionBudgetSettings, Int?>)] { [
        ("max_connections", \.maxConnections),
        ("max_connections_per_address", \.maxConnectionsPerAddress),
        ("max_unauthenticated", \.maxUnauthenticated),
        ("max_unauthenticated_per_address", \.maxUnauthenticatedPerAddress),
        ("max_connections_per_user_and_address", \.maxConnectionsPerUserAndAddress),
    ] }

    func readLimits(_ table: TOMLTable, defaults: Limits) throws -> Limits {
        var limits = defaults
        let protocolNames = ListenerProtocol.allCases.map(\.rawValue)
        try checkKeys(table, allowed: Set(Self.limitsFields.map(\.0) + protocolNames), path: "limits")
        for (key, keyPath, minimum) in Self.limitsFields {
            if let value = try atLeast(minimum, table, key, path: "limits") { limits[keyPath: keyPath] = value }
        }
        for protocolName in ListenerProtocol.allCases {
            let path = "limits.\(protocolName.rawValue)"
            guard let budget = try self.table(table, protocolName.rawValue, path: "limits") else { continue }
            try checkKeys(budget, allowed: Set(Self.budgetFields.map(\.0)), path: path)
            var settings = limits.protocols[protocolName] ?? ConnectionBudgetSettings()
            for (key, keyPath) in Self.budgetFields {
                if let value = try atLeast(1, budget, key, path: path) { settings[keyPath: keyPath] = value }
            }
            limits.protocols[protocolName] = settings == ConnectionBudgetSettings() ? nil : settings
        }
        return limits
    }

    /// The login throttle keys of `[authentication]`; the table's keys were checked by the caller.
    func readThrottle(_ table: TOMLTable, defaults: LoginThrottleConfiguration) throws -> LoginThrottleConfiguration {
        var throttle = defaults
        let counts: [(String, WritableKeyPath<LoginThrottleConfiguration, Int>)] = [
            ("lock_after_failures", \.maximumFailuresPerAddressAndAccount),
            ("lock_address_after_failures", \.maximumFailuresPerAddress),
            ("lock_account_after_failures", \.maximumFailuresPerAccount),
        ]
        for (key, keyPath) in counts {
            if let value = try atLeast(1, table, key, path: "authentication") { throttle[keyPath: keyPath] = value }
        }
        let durations: [(String, WritableKeyPath<LoginThrottleConfiguration, Duration>, Int)] = [
            ("failure_window_seconds", \.window, 1),
            ("lock_seconds", \.lockDuration, 1),
            ("max_failure_delay_seconds", \.maximumDelay, 0),
        ]
        for (key, keyPath, minimum) in durations {
            if let value = try atLeast(minimum, table, key, path: "authentication") {
                throttle[keyPath: keyPath] = .seconds(value)
            }
        }
        // No delay at all when the cap is 0.
        throttle.initialDelay = min(LoginThrottleConfiguration.standard.initialDelay, throttle.maximumDelay)
        return throttle
    }

    /// The keys `readThrottle` reads.
    static let throttleKeys: Set<String> = [
        "lock_after_failures", "lock_address_after_failures", "lock_account_after_failures",
        "failure_window_seconds", "lock_seconds", "max_failure_delay_seconds",
    ]

    /// An integer key that must be at least `minimum`, or nil when absent.
    func atLeast(_ minimum: Int, _ table: TOMLTable, _ key: String, path: String) throws -> Int? {
        guard let value = try int(table, key, path: path) else { return nil }
        guard value >= minimum else {
            let full = "\(path).\(key)"
            throw error("bad value for \"\(Self.displayName(full))\": \(value) (must be at least \(minimum))", full)
        }
        return value
    }
}
