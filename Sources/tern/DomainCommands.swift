import Accounts
import ArgumentParser
import Foundation
import MailStore

struct DomainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "domain",
        abstract: "Manage the local domains (the domains this server receives mail for).",
        subcommands: [Add.self, List.self, Remove.self, Quota.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a local domain.")
        @OptionGroup var options: StoreOptions
        @Argument(help: "The domain name, e.g. example.org.") var name: String

        func run() async throws {
            let domain = try normalizedDomain(name)
            try await options.withStore { store, _ in try await store.addDomain(domain) }
            print("added domain \(domain)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the local domains.")
        @OptionGroup var options: StoreOptions

        func run() async throws {
            let domains = try await options.withStore { store, _ in try await store.domains() }
            for domain in domains.sorted(by: { $0.name < $1.name }) { print(domain.name) }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a local domain.")
        @OptionGroup var options: StoreOptions
        @Argument(help: "The domain name.") var name: String

        func run() async throws {
            let domain = name.lowercased()
            try await options.withStore { store, _ in try await store.removeDomain(domain) }
            print("removed domain \(domain)")
        }
    }
}

/// A domain name as the store keeps it, or a clear error.
func normalizedDomain(_ text: String) throws -> String {
    do {
        return try AccountAddress.normalizeDomain(text)
    } catch {
        throw CommandError("\(error)")
    }
}

/// An existing address as typed (trimmed, lower-cased), for look-ups: the
/// store may hold addresses under single-label local domains such as the
/// default `localhost`, which `AccountAddress.normalize` refuses for new ones.
func lookupAddress(_ text: String) -> String {
    text.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
}

/// A new address: valid by `AccountAddress.normalize`, or under a domain the
/// store already has as local (e.g. `localhost`) with a valid local part.
func newAddress(_ text: String, in store: some MailStore) async throws -> String {
    do {
        return try AccountAddress.normalize(text)
    } catch AccountAddressError.invalidDomain {
        let address = lookupAddress(text)
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        let localDomains = try await store.domains().map { $0.name.lowercased() }
        if parts.count == 2, localDomains.contains(String(parts[1])),
           (try? AccountAddress.normalize("\(parts[0])@example.org")) != nil {
            return address
        }
        throw CommandError("\(AccountAddressError.invalidDomain(String(parts.last ?? "")))")
    } catch {
        throw CommandError("\(error)")
    }
}

/// Fails unless the domain is one of the store's local domains.
func requireLocalDomain(_ domain: String, in store: some MailStore) async throws {
    let domains = try await store.domains().map { $0.name.lowercased() }
    guard domains.contains(domain) else {
        throw CommandError("\(domain) is not a local domain: add it first with `tern domain add \(domain)`")
    }
}

/// The account with this address, or a clear error.
func requireAccount(_ address: String, in store: some MailStore) async throws -> Account {
    let normalized = lookupAddress(address)
    guard let account = try await store.account(address: normalized) else {
        throw CommandError("no account \(normalized)")
    }
    return account
}
