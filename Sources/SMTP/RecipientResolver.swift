// Which local accounts an address reaches: accounts, aliases (one level
// or a few, bounded), plus-addressing, the role addresses postmaster@ and
// abuse@ (RFC 5321 §4.5.1, RFC 2142) and catch-all aliases, over the
// store's domains, accounts and aliases, each looked up by address (one
// indexed query per name, never the whole table per RCPT). It decides "local or not"; the
// session decides whether a non-local recipient may be relayed.
import MailCore
import MailStore

public struct RecipientResolver: Sendable {
    /// What a recipient address resolves to.
    public enum Resolution: Sendable, Equatable {
        /// A local recipient: the accounts that get a copy, and the outside
        /// addresses an alias forwards to (they go to the outbound queue).
        case local(accounts: [Account], forwards: [String])
        /// Not a local domain (including domain literals and names with a
        /// trailing dot): delivering there is relaying.
        case remote
        /// A local domain without such a user (`550 5.1.1`).
        case unknownUser
        /// A local domain with a routing local part (`%`, `!` or `@`, the
        /// percent hack, bang paths, a quoted address) that is no account:
        /// refused as a relay attempt.
        case routingRefused
    }

    /// How deep aliases of aliases are followed.
    static let maxAliasDepth = 5
    /// Local-part characters that old mailers used for routing (RFC 5321 §3.6.2 / Appendix C).
    static let routingCharacters: Set<Character> = ["%", "!", "@"]
    /// Role local parts every local domain has even without an account or
    /// alias of that name: postmaster (RFC 5321 §4.5.1, a MUST) and abuse
    /// (RFC 2142 §2). Compared case-insensitively.
    public static let roleLocalParts: Set<String> = ["postmaster", "abuse"]

    let store: any MailStore
    /// Where role mail goes when no account or alias has the role's name:
    /// an account or alias address; nil (or an address that is neither):
    /// the oldest account.
    let postmasterAccount: String?
    /// The server's own name: its role addresses (`postmaster@host_name`,
    /// where reports about the host are sent) are local even when it is not
    /// a local domain.
    let hostName: String?

    public init(store: any MailStore, postmasterAccount: String? = nil, hostName: String? = nil) {
        self.store = store
        self.postmasterAccount = postmasterAccount?.lowercased()
        self.hostName = hostName?.lowercased()
    }

    /// Resolves a forward-path mailbox (its source route, if any, ignored).
    /// Order: an account or alias of that exact name; then, in a local
    /// domain, `user+tag` as `user`; a role address (postmaster, abuse, also
    /// with a tag) to `roleDestination`; a catch-all alias.
    public func resolve(_ address: EmailAddress) async throws -> Resolution {
        let domain = address.domain
        // Domain literals and trailing-dot names are never local.
        guard !domain.hasPrefix("["), !domain.hasSuffix(".") else { return .remote }
        let local = address.localPart.lowercased()
        let full = "\(local)@\(domain)"
        if let found = try await expand(full, depth: 0) { return found }
        let base = Self.untagged(local)
        let isRole = Self.roleLocalParts.contains(base)
        guard try await isLocalDomain(domain) || (isRole && domain == hostName) else { return .remote }
        // Plus-addressing: user+tag@domain goes to user@domain.
        if base != local, let found = try await expand("\(base)@\(domain)", depth: 0) {
            return found
        }
        if isRole, let found = try await roleDestination() { return found }
        if local.contains(where: { Self.routingCharacters.contains($0) }) { return .routingRefused }
        // Catch-all alias "@domain".
        if let found = try await expand("@\(domain)", depth: 0) { return found }
        return .unknownUser
    }

    /// RFC 5321 §4.5.1: `<Postmaster>` without a domain (any case). An
    /// account or alias postmaster@ of the host name, of its parent domain
    /// or of a local domain (in that order) wins; otherwise the role
    /// destination (`postmasterAccount` or the oldest account).
    public func resolvePostmaster() async throws -> Resolution {
        var candidates: [String] = []
        if let host = hostName {
            candidates.append(host)
            if let dot = host.firstIndex(of: ".") { candidates.append(String(host[host.index(after: dot)...])) }
        }
        candidates += try await store.domains().map { $0.name.lowercased() }
        for domain in candidates {
            if let found = try await expand("postmaster@\(domain)", depth: 0) { return found }
        }
        return try await roleDestination() ?? .unknownUser
    }

    /// Where role mail goes: `postmasterAccount` when it is an account or
    /// an alias; else the oldest account (the one `tern serve` created at
    /// its first start, `postmaster@<first local domain>`, unless it was
    /// removed); nil when there is no account at all.
    public func roleDestination() async throws -> Resolution? {
        if let configured = postmasterAccount,
           let found = try await expand(configured, depth: 0) {
            return found
        }
        // Account ids only grow: the smallest is the oldest account.
        guard let oldest = try await store.accounts().min(by: { $0.id < $1.id }) else { return nil }
        return .local(accounts: [oldest], forwards: [])
    }

    /// `user+tag` → `user` (a leading `+` is no tag).
    static func untagged(_ local: String) -> String {
        guard let plus = local.firstIndex(of: "+"), plus > local.startIndex else { return local }
        return String(local[..<plus])
    }

    public func isLocalDomain(_ domain: String) async throws -> Bool {
        try await store.domainExists(domain)
    }

    /// The addresses an account may use as its envelope sender: its own and
    /// every alias that points straight at it (catch-alls excluded), with
    /// `+tag` variants of each, and the role addresses (postmaster@, abuse@
    /// of a local domain) that reach it because no account or alias has
    /// their name.
    public func mayUseSender(_ address: EmailAddress, account: Account) async throws -> Bool {
        let local = address.localPart.lowercased()
        var candidates = ["\(local)@\(address.domain)"]
        let base = Self.untagged(local)
        if base != local { candidates.append("\(base)@\(address.domain)") }
        let own = account.address.lowercased()
        if candidates.contains(own) { return true }
        var candidateAliases: [String: [String]] = [:]
        for candidate in candidates {
            if let destinations = try await aliasDestinations(candidate) { candidateAliases[candidate] = destinations }
        }
        if candidateAliases.values.contains(where: { $0.contains(own) }) { return true }
        guard Self.roleLocalParts.contains(base) else { return false }
        if !candidateAliases.isEmpty { return false }
        for candidate in candidates where try await store.account(address: candidate) != nil { return false }
        guard try await isLocalDomain(address.domain) || address.domain == hostName,
              case .local(let accounts, _)? = try await roleDestination() else { return false }
        return accounts.contains { $0.id == account.id }
    }

    // MARK: Internals

    /// The destinations of the alias `source`, lower-cased; nil when no
    /// alias has that source.
    private func aliasDestinations(_ source: String) async throws -> [String]? {
        try await store.alias(source: source)?.destinations.map { $0.lowercased() }
    }

    /// The accounts and outside forwards `address` reaches, nil when it is
    /// neither an account nor an alias.
    private func expand(_ address: String, depth: Int) async throws -> Resolution? {
        if let account = try await store.account(address: address) {
            return .local(accounts: [account], forwards: [])
        }
        guard depth < Self.maxAliasDepth, let destinations = try await aliasDestinations(address) else { return nil }
        var accounts: [Account] = []
        var forwards: [String] = []
        for destination in destinations {
            if let found = try await expand(destination, depth: depth + 1),
               case .local(let more, let moreForwards) = found {
                for account in more where !accounts.contains(where: { $0.id == account.id }) { accounts.append(account) }
                for forward in moreForwards where !forwards.contains(forward) { forwards.append(forward) }
                continue
            }
            // A destination that is no account or alias: forwarded when it
            // is outside the local domains, dropped otherwise (a dangling alias).
            if let domain = destination.split(separator: "@").last.map(String.init),
               destination.contains("@"), try await !isLocalDomain(domain), !forwards.contains(destination) {
                forwards.append(destination)
            }
        }
        guard !accounts.isEmpty || !forwards.isEmpty else { return nil }
        return .local(accounts: accounts, forwards: forwards)
    }
}
