/// Storage quotas (RFC 9208 resources STORAGE and MESSAGE), kept and
/// enforced by the store: every write that adds messages checks, in its
/// own transaction, that no account (and no domain) it adds to ends up
/// over its limits, and otherwise changes nothing (`MailStoreError.overQuota`).

/// Limits of one quota root; nil is unlimited.
public struct QuotaLimits: Sendable, Hashable, Codable {
    /// Octets (RFC 9208 STORAGE counts 1024-octet units; the store counts octets).
    public var storage: Int64?
    /// Messages (RFC 9208 MESSAGE).
    public var messages: Int64?

    public init(storage: Int64? = nil, messages: Int64? = nil) {
        self.storage = storage
        self.messages = messages
    }

    public static let unlimited = QuotaLimits()
    public var isUnlimited: Bool { storage == nil && messages == nil }
}

/// What an account or a domain holds now.
public struct QuotaUsage: Sendable, Hashable {
    public var storage: Int64
    public var messages: Int64

    public init(storage: Int64, messages: Int64) {
        self.storage = storage
        self.messages = messages
    }
}

/// An account's quota: how its limits are set, the limits that apply, its
/// usage, and its domain's shared quota when the domain has one.
public struct AccountQuota: Sendable, Hashable {
    /// How the account's own limits are set.
    public enum Setting: Sendable, Hashable {
        /// The store's default limits (`setDefaultQuota`).
        case `default`
        /// Limits of its own (`QuotaLimits.unlimited` for none at all).
        case custom(QuotaLimits)
    }

    public var accountID: AccountID
    public var address: String
    public var setting: Setting
    /// The limits that apply: the custom ones or the default.
    public var limits: QuotaLimits
    public var usage: QuotaUsage
    /// The domain's quota, shared by all its accounts; nil when it has none.
    public var domain: DomainQuota?

    public init(accountID: AccountID, address: String, setting: Setting, limits: QuotaLimits, usage: QuotaUsage,
                domain: DomainQuota?) {
        self.accountID = accountID
        self.address = address
        self.setting = setting
        self.limits = limits
        self.usage = usage
        self.domain = domain
    }
}

/// A domain's shared quota: all its accounts together.
public struct DomainQuota: Sendable, Hashable {
    public var name: String
    public var limits: QuotaLimits
    public var usage: QuotaUsage

    public init(name: String, limits: QuotaLimits, usage: QuotaUsage) {
        self.name = name
        self.limits = limits
        self.usage = usage
    }
}

/// Which limit a refused write would have passed.
public struct QuotaExceeded: Error, Sendable, Hashable {
    public enum Root: Sendable, Hashable {
        case account(String)
        case domain(String)
    }

    public enum Resource: String, Sendable, Hashable {
        case storage = "STORAGE"
        case messages = "MESSAGE"
    }

    public var root: Root
    public var resource: Resource
    public var limit: Int64

    public init(root: Root, resource: Resource, limit: Int64) {
        self.root = root
        self.resource = resource
        self.limit = limit
    }
}
