import Foundation

/// The DNS TXT record that publishes a DKIM public key (RFC 6376 §3.6.1 and
/// §3.6.2.1): `selector._domainkey.domain. IN TXT "v=DKIM1; k=…; p=…"`.
public struct DKIMDNSRecord: Sendable, Equatable {
    /// The owner name, fully qualified with its final dot.
    public var name: String
    /// The record's text, e.g. "v=DKIM1; k=rsa; p=MIIB…".
    public var value: String

    public init(domain: String, selector: String, key: DKIMPublicKey) {
        name = "\(selector)._domainkey.\(domain)."
        value = "v=DKIM1; k=\(key.algorithm.keyTag); p=\(Data(key.dnsKeyData).base64EncodedString())"
    }

    /// The value cut into character-strings of at most 255 bytes, as one
    /// TXT record must hold a 2048-bit RSA key (RFC 1035 §3.3.14, RFC 6376 §3.6.2.2).
    public var strings: [String] {
        var parts: [String] = []
        var rest = Substring(value)
        while !rest.isEmpty {
            parts.append(String(rest.prefix(255)))
            rest = rest.dropFirst(255)
        }
        return parts
    }

    /// The record as a zone-file line.
    public var zoneFileLine: String {
        "\(name) IN TXT " + strings.map { "\"\($0)\"" }.joined(separator: " ")
    }
}
