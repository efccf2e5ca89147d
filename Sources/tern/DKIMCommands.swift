import ArgumentParser
import Foundation
import SMTP

/// `tern dkim`: the DKIM signing keys (RFC 6376) of the local domains.
struct DKIMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dkim",
        abstract: "Manage DKIM signing keys.",
        subcommands: [Generate.self, Show.self]
    )

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a DKIM key for a domain and print the DNS TXT record to publish.",
            discussion: """
            The key is stored as <data_directory>/dkim/DOMAIN.SELECTOR.key (mode 0600) and .pub; \
            outgoing mail from DOMAIN is signed with its newest key.
            """
        )
        @OptionGroup var options: StoreOptions
        @Argument(help: "The signing domain (d=), e.g. example.org.") var domain: String
        @Option(help: ArgumentHelp("The selector (s=); default tern<yyyymm>.", valueName: "selector"))
        var selector: String?
        @Option(help: ArgumentHelp("rsa (2048 bits, rsa-sha256) or ed25519 (ed25519-sha256).",
                                   valueName: "rsa|ed25519"))
        var algorithm: String = "rsa"

        func run() throws {
            guard let algorithm = DKIMAlgorithm(rawValue: algorithm.lowercased()) else {
                throw CommandError("unknown algorithm \"\(algorithm)\" (use rsa or ed25519)")
            }
            let keys = try keyStore(options)
            let selector = selector ?? defaultSelector()
            try dkimCommand {
                let key = try DKIMPrivateKey.generate(algorithm)
                try keys.save(key, domain: domain, selector: selector)
                let normalizedDomain = try DKIMKeyStore.normalizedName(domain, isSelector: false)
                let normalizedSelector = try DKIMKeyStore.normalizedName(selector, isSelector: true)
                print("created \(algorithm.signatureTag) key \(try keys.privateKeyPath(domain: domain, selector: selector))")
                print("publish this DNS record:")
                print(key.publicKey.dnsRecord(domain: normalizedDomain, selector: normalizedSelector).zoneFileLine)
            }
        }

        /// "tern" and the current UTC year and month, e.g. tern202611.
        private func defaultSelector() -> String {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC")!
            let parts = calendar.dateComponents([.year, .month], from: Date())
            return String(format: "tern%04d%02d", parts.year ?? 0, parts.month ?? 0)
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the DNS TXT record of a domain's DKIM keys.")
        @OptionGroup var options: StoreOptions
        @Argument(help: "The signing domain.") var domain: String
        @Option(help: ArgumentHelp("Only this selector (default: every key of the domain, newest first).",
                                   valueName: "selector"))
        var selector: String?

        func run() throws {
            let keys = try keyStore(options)
            try dkimCommand {
                let normalizedDomain = try DKIMKeyStore.normalizedName(domain, isSelector: false)
                let selectors = try selector.map { [try DKIMKeyStore.normalizedName($0, isSelector: true)] }
                    ?? keys.selectors(domain: normalizedDomain)
                guard !selectors.isEmpty else {
                    throw DKIMError.keyNotFound(domain: normalizedDomain, selector: nil)
                }
                for selector in selectors {
                    let key = try keys.publicKey(domain: normalizedDomain, selector: selector)
                    print(key.dnsRecord(domain: normalizedDomain, selector: selector).zoneFileLine)
                }
            }
        }
    }
}

/// The key store in the data directory chosen by --config / --data-dir.
private func keyStore(_ options: StoreOptions) throws -> DKIMKeyStore {
    DKIMKeyStore(dataDirectory: try options.accessibleDataDirectory().directory)
}

/// Runs `body`, reporting DKIM errors as one-line command errors.
private func dkimCommand(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as DKIMError {
        throw CommandError(error.description)
    }
}
