import Foundation

/// The e-mail address a discovery request names, checked before it goes
/// anywhere near a document: one `@`, a sane local part (RFC 5322 §3.4.1
/// dot-atom or printable characters without specials), a host-name domain.
struct MailAddressQuery: Sendable, Equatable {
    var address: String
    var localPart: String
    /// Lowercased.
    var domain: String

    init?(_ raw: String) {
        let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty, text.utf8.count <= 254 else { return nil }
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].utf8.count <= 64 else { return nil }
        let forbidden = Set("<>()[]\\,;:\"@ ")
        guard parts[0].allSatisfy({ $0.isASCII && !forbidden.contains($0) && $0.asciiValue! > 0x20
                                    && $0.asciiValue! < 0x7F }) else { return nil }
        let domain = parts[1].lowercased()
        guard ConfigurationReader.isHostName(domain) else { return nil }
        self.localPart = String(parts[0])
        self.domain = domain
        self.address = "\(parts[0])@\(domain)"
    }
}
