/// One resource of SETQUOTA (RFC 9208 §4.1.3 `setquota-resource`).
public struct QuotaResourceLimit: Hashable, Sendable {
    /// As the client spelled it (STORAGE, MESSAGE, …).
    public var resource: String
    public var limit: UInt64

    public init(resource: String, limit: UInt64) {
        self.resource = resource
        self.limit = limit
    }
}

/// One resource of a QUOTA response (RFC 9208 §5.1 `quota-resource`).
public struct QuotaResourceUsage: Hashable, Sendable {
    public var resource: String
    public var usage: UInt64
    public var limit: UInt64

    public init(resource: String, usage: UInt64, limit: UInt64) {
        self.resource = resource
        self.usage = usage
        self.limit = limit
    }
}
