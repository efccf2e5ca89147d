import ArgumentParser
import Server
import SMTP

/// `tern dns DOMAIN`: the DNS records to publish for a domain.
struct DNSCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dns",
        abstract: "Print the DNS records to publish for a domain, as a zone-file fragment.",
        discussion: """
        MX, SPF, DMARC, RFC 6186 SRV records with the configured ports, the autoconfig and \
        autodiscover host names and SRV record, and a note on reverse DNS. Values come from \
        the configuration.
        """
    )

    @Argument(help: "The mail domain, e.g. example.org.")
    var domain: String

    @Option(name: .long, help: ArgumentHelp("The configuration file (none: the local defaults).", valueName: "file"))
    var config: String?

    func run() throws {
        let configuration: TernConfiguration
        do {
            configuration = try ConfigurationLoader.load(path: config)
        } catch let error as ConfigurationError {
            printError("tern: \(config.map { "\($0): " } ?? "")\(error)")
            throw ExitCode(1)
        }
        guard let fragment = DNSZoneFragment.render(domain: domain, configuration: configuration,
                                                    dkimRecords: dkimRecords(configuration)) else {
            printError("tern: \"\(domain)\" is not a domain name")
            throw ExitCode(1)
        }
        print(fragment, terminator: "")
    }

    /// The TXT lines of the domain's DKIM keys in the data directory; none when there are none or they cannot be read.
    private func dkimRecords(_ configuration: TernConfiguration) -> [String] {
        let keys = DKIMKeyStore(dataDirectory: configuration.dataDirectory)
        guard let normalized = try? DKIMKeyStore.normalizedName(domain, isSelector: false),
              let selectors = try? keys.selectors(domain: normalized) else { return [] }
        return selectors.compactMap { selector in
            (try? keys.publicKey(domain: normalized, selector: selector))?
                .dnsRecord(domain: normalized, selector: selector).zoneFileLine
        }
    }
}
