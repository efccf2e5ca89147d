import ArgumentParser
import Foundation
import MailStore

/// `tern quota`: the store's quotas (RFC 9208 STORAGE and MESSAGE), which
/// IMAP reports with GETQUOTAROOT and enforces on APPEND, COPY and SMTP
/// delivery. `tern account quota` and `tern domain quota` set per-account
/// and per-domain limits; `tern quota default` the limits of every account
/// without its own.
struct QuotaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quota",
        abstract: "Show quota usage and set the default quota.",
        subcommands: [List.self, Default.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every account's usage and limits.")
        @OptionGroup var options: StoreOptions

        func run() async throws {
            let quotas = try await options.withStore { store, _ in try await store.quotas() }
            var table = TextTable([("ACCOUNT", .left), ("STORAGE", .right), ("LIMIT", .right), ("MESSAGES", .right),
                                   ("LIMIT", .right), ("SET", .left)])
            for quota in quotas {
                table.append([quota.address, QuotaText.bytes(quota.usage.storage), QuotaText.limit(quota.limits.storage, bytes: true),
                              String(quota.usage.messages), QuotaText.limit(quota.limits.messages, bytes: false),
                              quota.setting == .default ? "default" : "own"])
            }
            table.lines.forEach { print($0) }
        }
    }

    struct Default: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show or set the quota of accounts without their own.",
            discussion: "SIZE is octets or a number with K, M, G or T (powers of 1024); `none` is unlimited.")
        @OptionGroup var options: StoreOptions
        @Option(help: "Storage limit, e.g. 2G, or none.") var storage: String?
        @Option(help: "Message count limit, or none.") var messages: String?

        func run() async throws {
            let limits = try await options.withStore { store, _ in
                var limits = try await store.defaultQuota()
                if let storage { limits.storage = try QuotaText.parse(storage, bytes: true) }
                if let messages { limits.messages = try QuotaText.parse(messages, bytes: false) }
                if storage != nil || messages != nil { try await store.setDefaultQuota(limits) }
                return limits
            }
            print("default quota: storage \(QuotaText.limit(limits.storage, bytes: true)), "
                + "messages \(QuotaText.limit(limits.messages, bytes: false))")
        }
    }
}

extension AccountCommand {
    struct Quota: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show or set an account's quota.",
            discussion: """
            Without options, prints the account's usage and limits. --storage and \
            --messages give the account limits of its own (a resource not named keeps \
            its current limit); SIZE is octets or a number with K, M, G or T (powers of \
            1024), `none` is unlimited. --default returns it to `tern quota default`.
            """)
        @OptionGroup var options: StoreOptions
        @Argument(help: "The account's address.") var address: String
        @Option(help: "Storage limit, e.g. 2G, or none.") var storage: String?
        @Option(help: "Message count limit, or none.") var messages: String?
        @Flag(help: "Use the default quota again.") var `default` = false

        func run() async throws {
            let quota = try await options.withStore { store, _ in
                let account = try await requireAccount(address, in: store)
                if `default` {
                    try await store.setQuota(accountID: account.id, .default)
                } else if storage != nil || messages != nil {
                    var limits = try await store.quota(accountID: account.id).limits
                    if let storage { limits.storage = try QuotaText.parse(storage, bytes: true) }
                    if let messages { limits.messages = try QuotaText.parse(messages, bytes: false) }
                    try await store.setQuota(accountID: account.id, .custom(limits))
                }
                return try await store.quota(accountID: account.id)
            }
            print("account \(quota.address) (\(quota.setting == .default ? "default quota" : "own quota"))")
            print("  storage: \(QuotaText.bytes(quota.usage.storage)) of \(QuotaText.limit(quota.limits.storage, bytes: true))")
            print("  messages: \(quota.usage.messages) of \(QuotaText.limit(quota.limits.messages, bytes: false))")
            if let domain = quota.domain {
                print("  domain \(domain.name): storage \(QuotaText.bytes(domain.usage.storage)) of "
                    + "\(QuotaText.limit(domain.limits.storage, bytes: true)), messages \(domain.usage.messages) of "
                    + "\(QuotaText.limit(domain.limits.messages, bytes: false))")
            }
        }
    }
}

extension DomainCommand {
    struct Quota: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set a limit for all of a domain's accounts together.",
            discussion: "SIZE is octets or a number with K, M, G or T; `none` is unlimited. --none removes it.")
        @OptionGroup var options: StoreOptions
        @Argument(help: "The domain name.") var name: String
        @Option(help: "Storage limit for the whole domain, e.g. 100G, or none.") var storage: String?
        @Option(help: "Message count limit for the whole domain, or none.") var messages: String?
        @Flag(help: "Remove the domain's limits.") var none = false

        func run() async throws {
            let domain = try normalizedDomain(name)
            var limits = QuotaLimits.unlimited
            if !none {
                if let storage { limits.storage = try QuotaText.parse(storage, bytes: true) }
                if let messages { limits.messages = try QuotaText.parse(messages, bytes: false) }
                guard storage != nil || messages != nil else {
                    throw CommandError("give --storage, --messages or --none")
                }
            }
            try await options.withStore { store, _ in try await store.setDomainQuota(domain: domain, limits) }
            print(limits.isUnlimited ? "domain \(domain): no shared quota"
                : "domain \(domain): storage \(QuotaText.limit(limits.storage, bytes: true)), "
                    + "messages \(QuotaText.limit(limits.messages, bytes: false)) for all its accounts together")
        }
    }
}

/// Quota sizes as typed and printed.
enum QuotaText {
    /// `1500`, `512K`, `2G`, `none` (nil: unlimited). Sizes count powers of 1024.
    static func parse(_ text: String, bytes: Bool) throws -> Int64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).uppercased()
        if trimmed == "NONE" || trimmed == "UNLIMITED" { return nil }
        var digits = trimmed
        var factor: Int64 = 1
        if bytes, let last = trimmed.last, let power = ["K": 1, "M": 2, "G": 3, "T": 4][String(last)] {
            digits = String(trimmed.dropLast())
            factor = Int64(1) << (10 * power)
        }
        guard let value = Int64(digits), value >= 0, value <= Int64.max / factor else {
            throw CommandError("not a \(bytes ? "size" : "count"): \(text) (e.g. \(bytes ? "2G" : "50000") or none)")
        }
        return value * factor
    }

    static func limit(_ value: Int64?, bytes: Bool) -> String {
        guard let value else { return "unlimited" }
        return bytes ? Self.bytes(value) : String(value)
    }

    /// Octets in the largest unit that keeps one decimal: 1.5G, 300K, 12 bytes.
    static func bytes(_ value: Int64) -> String {
        let units = ["T": 4, "G": 3, "M": 2, "K": 1].sorted { $0.value > $1.value }
        for (unit, power) in units where value >= Int64(1) << (10 * power) {
            let scaled = Double(value) / Double(Int64(1) << (10 * power))
            return scaled >= 100 || scaled == scaled.rounded() ? "\(Int64(scaled.rounded()))\(unit)"
                : String(format: "%.1f", scaled) + unit
        }
        return "\(value)"
    }
}
