// Which local accounts an address reaches: accounts, aliases (one level
// or a few, bounded), plus-addressing and catch-all aliases, over the
// store's domains, accounts and aliases. It decides "local or not"; the
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

    let store: any MailStore

    public init(store: any MailStore) {
        self.store = store
    }

    /// Resolves a forward-path mailbox (its source route, if any, ignored).
    public func resolve(_ address: EmailAddress) async throws -> Resolution {
        let domain = address.domain
        // Domain literals and trailing-dot names are never local.
        guard !domain.hasPrefix("["), !domain.hasSuffix(".") else { return .remote }
        let local = address.localPart.lowercased()
        let aliases = try await aliasTable()
        let full = "\(local)@\(domain)"
        if let found = try await expand(full, aliases: aliases, depth: 0) { return found }
        guard try await isLocalDomain(domain) else { return .remote }
        // Plus-addressing: user+tag@domain goes to user@domain.
        if let plus = local.firstIndex(of: "+"), plus > local.startIndex,
           let found = try await expand("\(local[..<plus])@\(domain)", aliases: aliases, depth: 0) {
            return found
        }
        if local.contains(where: { Self.routingCharacters.contains($0) }) { return .routingRefused }
        // Catch-all alias "@domain".
        if let found = try await expand("@\(domain)", aliases: aliases, depth: 0) { return found }
        return .unknownUser
    }

    /// RFC 5321 §4.5.1: `<Postmaster>` without a domain. Tries postmaster@ of
    /// the host name's domain, then of each local domain.
    public func resolvePostmaster(hostName: String) async throws -> Resolution {
        var candidates: [String] = []
        let host = hostName.lowercased()
        candidates.append(host)
        if let dot = host.firstIndex(of: ".") { candidates.append(String(host[host.index(after: dot)...])) }
        candidates += try await store.domains().map(\.name)
        for domain in candidates {
            if case .local(let accounts, let forwards) = try await resolve(EmailAddress(localPart: "postmaster",
                                                                                          domain: domain)) {
                return .local(accounts: accounts, forwards: forwards)
            }
        }
        return .unknownUser
    }

    public func isLocalDomain(_ domain: String) async throws -> Bool {
        try await store.domains().contains { $0.name.lowercased() == domain.lowercased() }
    }

    /// The addresses an account may use as its envelope sender: its own and
    /// every alias that points straight at it (catch-alls excluded), with
    /// `+tag` variants of each.
    public func mayUseSender(_ address: EmailAddress, account: Account) async throws -> Bool {
        let local = address.localPart.lowercased()
        var candidates = ["\(local)@\(address.domain)"]
        if let plus = local.firstIndex(of: "+"), plus > local.startIndex {
            candidates.append("\(local[..<plus])@\(address.domain)")
        }
        let own = account.address.lowercased()
        if candidates.contains(own) { return true }
        let aliases = try await aliasTable()
        return candidates.contains { candidate in
            aliases[candidate]?.contains(own) ?? false
        }
    }

    // MARK: Internals

    private func aliasTable() async throws -> [String: [String]] {
        var table: [String: [String]] = [:]
        for alias in try await store.aliases() {
            table[alias.source.lowercased()] = alias.destinations.map { $0.lowercased() }
        }
        return table
    }

    /// The accounts and outside forwards `address` reaches, nil when it is
    /// neither an account nor an alias.
    private func expand(_ address: String, aliases: [String: [String]], depth: Int) async throws -> Resolution? {
        if let account = try await store.account(address: address) {
            return .local(accounts: [account], forwards: [])
        }
        guard depth < Self.maxAliasDepth, let destinations = aliases[address] else { return nil }
        var accounts: [Account] = []
        var forwards: [String] = []
        for destination in destinations {
            if let found = try await expand(destination, aliases: aliases, depth: depth + 1),
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
