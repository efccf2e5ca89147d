import Accounts
import ArgumentParser
import MailStore

struct AliasCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alias",
        abstract: "Manage aliases: mail for an address goes to one or more local addresses.",
        subcommands: [Add.self, List.self, Remove.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add an alias.",
            discussion: "SOURCE is user@domain, or @domain for a catch-all of that local domain."
        )
        @OptionGroup var options: StoreOptions
        @Argument(help: "The alias address, or @domain for a catch-all.") var source: String
        @Argument(help: "One or more local addresses (accounts or other aliases).") var destinations: [String]

        func validate() throws {
            guard !destinations.isEmpty else { throw ValidationError("give at least one destination address") }
        }

        func run() async throws {
            let (alias, targets) = try await options.withStore(addingLocalDomains: true) { store, _ in
                let alias = try await normalizedAliasSource(source, in: store)
                var targets: [String] = []
                for destination in destinations { targets.append(try await newAddress(destination, in: store)) }
                try await requireLocalDomain(alias.domain, in: store)
                let aliases = Set(try await store.aliases().map(\.source))
                for target in targets {
                    try await requireLocalDomain(AccountAddress.domain(of: target) ?? "", in: store)
                    if try await store.account(address: target) == nil, !aliases.contains(target) {
                        throw CommandError("no local account or alias \(target)")
                    }
                }
                try await store.addAlias(Alias(source: alias.source, destinations: targets))
                return (alias, targets)
            }
            print("added alias \(alias.source) -> \(targets.joined(separator: ", "))")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the aliases.")
        @OptionGroup var options: StoreOptions

        func run() async throws {
            let aliases = try await options.withStore { store, _ in try await store.aliases() }
            for alias in aliases.sorted(by: { $0.source < $1.source }) {
                print("\(alias.source) -> \(alias.destinations.joined(separator: ", "))")
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove an alias.")
        @OptionGroup var options: StoreOptions
        @Argument(help: "The alias address, or @domain.") var source: String

        func run() async throws {
            let alias = normalizedAliasLookup(source)
            try await options.withStore { store, _ in try await store.removeAlias(source: alias) }
            print("removed alias \(alias)")
        }
    }
}

/// `user@domain` or the catch-all `@domain`, normalized, with its domain.
func normalizedAliasSource(_ text: String, in store: some MailStore) async throws -> (source: String, domain: String) {
    if text.hasPrefix("@") {
        let domain = lookupAddress(String(text.dropFirst()))
        guard !domain.isEmpty, !domain.contains("@") else { throw CommandError("invalid catch-all \(text)") }
        return ("@\(domain)", domain)
    }
    let address = try await newAddress(text, in: store)
    return (address, AccountAddress.domain(of: address) ?? "")
}

/// An alias source as typed, for removal.
func normalizedAliasLookup(_ text: String) -> String {
    lookupAddress(text)
}
