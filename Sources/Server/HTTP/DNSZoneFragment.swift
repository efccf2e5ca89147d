import Foundation

/// The DNS records a domain needs for mail to reach Tern and for clients to
/// find it, as a zone-file fragment (RFC 1035 §5) with a comment per record,
/// all values taken from the configuration (`tern dns DOMAIN`).
public enum DNSZoneFragment {
    /// Nil when `domain` is not a domain name. `dkimRecords`: the zone-file
    /// lines of the domain's DKIM public keys (empty: none exists yet).
    public static func render(domain rawDomain: String, configuration: TernConfiguration,
                              dkimRecords: [String] = []) -> String? {
        let domain = rawDomain.lowercased().hasSuffix(".") ? String(rawDomain.lowercased().dropLast())
            : rawDomain.lowercased()
        guard ConfigurationReader.isHostName(domain) else { return nil }
        let host = configuration.hostName + "."
        let zone = domain + "."
        let settings = ClientSettings(configuration: configuration)
        var out: [String] = []
        func record(_ name: String, _ type: String, _ value: String) {
            let padded = name.count < 32 ? name + String(repeating: " ", count: 32 - name.count) : name + " "
            out.append("\(padded)IN \(type)\(String(repeating: " ", count: max(1, 6 - type.count)))\(value)")
        }
        out.append("; DNS records for \(domain), mail served by \(configuration.hostName) (from the Tern configuration).")
        if !configuration.localDomains.contains(domain) {
            out.append("; NOTE: \(domain) is not in local_domains; add it there or with `tern domain add \(domain)`.")
        }
        out.append("")
        out.append("; MX (RFC 5321 §5.1): mail for \(domain) is delivered to \(configuration.hostName).")
        out.append("; \(configuration.hostName) itself needs A/AAAA records with the server's public addresses.")
        record(zone, "MX", "10 \(host)")
        out.append("")
        out.append("; SPF (RFC 7208): only the hosts named by the MX records may send mail from @\(domain).")
        record(zone, "TXT", "\"v=spf1 mx -all\"")
        out.append("")
        if dkimRecords.isEmpty {
            out.append("; DKIM (RFC 6376): no signing key exists yet for \(domain); make one with")
            out.append("; `tern dkim generate \(domain)` and its selector._domainkey TXT record is printed here.")
        } else {
            out.append("; DKIM (RFC 6376): the public key of each signing key (selector._domainkey).")
            out += dkimRecords
        }
        out.append("")
        out.append("; DMARC (RFC 7489): p=none only asks for reports. Once the reports show your mail passing")
        out.append("; SPF and DKIM, tighten to p=quarantine and then p=reject.")
        out.append("; Reports go to postmaster@\(domain), which Tern accepts for every local domain: an account or")
        out.append("; alias of that name, else [smtp] postmaster_account (\(configuration.smtp.postmasterAccount ?? "unset: the oldest account")).")
        record("_dmarc." + zone, "TXT", "\"v=DMARC1; p=none; rua=mailto:postmaster@\(domain)\"")
        out.append("")
        out.append("; Client settings discovery, RFC 6186 (RFC 8314 for _submissions). A target of \".\"")
        out.append("; says that the service is not offered (RFC 6186 §4); STARTTLS-less plain listeners are never published.")
        let services: [(String, ClientSettings.Service, ClientSettings.Security, String)] = [
            ("_imaps._tcp", .imap, .implicitTLS, "IMAP over TLS"),
            ("_imap._tcp", .imap, .starttls, "IMAP with STARTTLS"),
            ("_pop3s._tcp", .pop3, .implicitTLS, "POP3 over TLS"),
            ("_pop3._tcp", .pop3, .starttls, "POP3 with STLS"),
            ("_submissions._tcp", .submission, .implicitTLS, "submission over TLS"),
            ("_submission._tcp", .submission, .starttls, "submission with STARTTLS"),
        ]
        for (label, service, security, description) in services {
            if let server = settings.servers(service).first(where: { $0.security == security }) {
                out.append("; \(description) on port \(server.port).")
                record("\(label).\(zone)", "SRV", "0 1 \(server.port) \(host)")
            } else {
                out.append("; \(description): no such listener configured.")
                record("\(label).\(zone)", "SRV", "0 0 0 .")
            }
        }
        out.append("")
        out.append("; Thunderbird autoconfig (http://autoconfig.\(domain)/mail/config-v1.1.xml) and Outlook")
        out.append("; Autodiscover (https://autodiscover.\(domain)/autodiscover/autodiscover.xml) host names;")
        out.append("; the certificate of \(configuration.hostName) must also name autodiscover.\(domain) for HTTPS.")
        record("autoconfig." + zone, "CNAME", host)
        record("autodiscover." + zone, "CNAME", host)
        if let https = configuration.http.listeners.first(where: \.tls) {
            out.append("; Autodiscover SRV: Outlook's fallback, the HTTPS listener on port \(https.port).")
            record("_autodiscover._tcp." + zone, "SRV", "0 0 \(https.port) \(host)")
        } else {
            out.append("; Autodiscover SRV: no HTTPS listener is configured ([[http.listener]] with tls = \"implicit\").")
            record("_autodiscover._tcp." + zone, "SRV", "0 0 0 .")
        }
        out.append("")
        out.append("; Reverse DNS (PTR): receivers check that the sending address maps back to the host name.")
        let addresses = Set(configuration.listeners.map(\.address)).subtracting(["0.0.0.0", "::", "127.0.0.1", "::1"])
        if addresses.isEmpty {
            out.append("; Ask the owner of the server's public IPv4 and IPv6 addresses (your hosting provider)")
            out.append("; for PTR records pointing to \(host)")
        }
        for address in addresses.sorted() {
            out.append("; In the reverse zone of \(address), set by the owner of the address:")
            out.append(";   \(reverseName(address) ?? address)  IN PTR  \(host)")
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// `192.0.2.10` → `10.2.0.192.in-addr.arpa.` (RFC 1035 §3.5); IPv6 nibbles in ip6.arpa (RFC 3596 §2.5).
    static func reverseName(_ address: String) -> String? {
        if let network = IPNetworkBytes(address) {
            if network.count == 4 {
                return network.reversed().map(String.init).joined(separator: ".") + ".in-addr.arpa."
            }
            let nibbles = network.flatMap { [$0 >> 4, $0 & 0x0F] }.reversed()
            return nibbles.map { String($0, radix: 16) }.joined(separator: ".") + ".ip6.arpa."
        }
        return nil
    }

    private static func IPNetworkBytes(_ text: String) -> [UInt8]? {
        var v4 = [UInt8](repeating: 0, count: 4)
        if inet_pton(AF_INET, text, &v4) == 1 { return v4 }
        var v6 = [UInt8](repeating: 0, count: 16)
        if inet_pton(AF_INET6, text, &v6) == 1 { return v6 }
        return nil
    }
}
