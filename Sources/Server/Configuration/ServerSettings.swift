/// The `[server]` table: the account `tern serve` runs as.
public struct ServerSettings: Sendable, Equatable {
    /// The user `tern serve` becomes after binding its listeners when it is
    /// started as root (e.g. "tern"); nil: no change of user.
    public var user: String?
    /// The group it becomes; nil: the user's primary group.
    public var group: String?

    public init(user: String? = nil, group: String? = nil) {
        self.user = user
        self.group = group
    }
}
