/// An email address: local part and domain (RFC 5321 §4.1.2 Mailbox,
/// RFC 5322 §3.4.1 addr-spec), with UTF-8 local parts and domains allowed
/// (RFC 6531 SMTPUTF8, RFC 6532).
///
/// The local part is kept as written (case-sensitive in principle, quotes
/// removed); the domain is lower-cased, so two addresses that differ only in
/// the domain's case compare equal.
public struct EmailAddress: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The local part without surrounding quotes or quoting backslashes.
    public let localPart: String
    /// The domain, lower-cased; a domain literal keeps its brackets ("[127.0.0.1]").
    public let domain: String

    /// RFC 5321 §4.5.3.1.1 and §4.5.3.1.2 limits, in octets.
    public static let maxLocalPartLength = 64
    public static let maxDomainLength = 255

    /// Creates an address from parts already validated by the caller; the
    /// domain is lower-cased.
    public init(localPart: String, domain: String) {
        self.localPart = localPart
        self.domain = domain.lowercased()
    }

    /// Parses an addr-spec such as `user@example.com`, `"a b"@example.com`
    /// or `δοκιμή@παράδειγμα.δοκιμή`. Surrounding whitespace is ignored;
    /// angle brackets, comments and display names are not accepted here
    /// (use `AddressListParser` for those). Returns nil when invalid.
    public init?(_ text: String) {
        let bytes = Array(ByteText.trimmed(text).utf8)
        guard let at = bytes.lastIndex(of: 0x40), at > 0, at < bytes.count - 1 else { return nil }
        let localBytes = Array(bytes[..<at])
        let domainBytes = Array(bytes[(at + 1)...])
        guard let local = Self.parseLocalPart(localBytes),
              let domain = Self.parseDomain(domainBytes) else { return nil }
        self.init(localPart: local, domain: domain)
    }

    /// The address as an addr-spec, with the local part quoted when it is
    /// not a dot-atom.
    public var description: String {
        "\(Self.quotedLocalPartIfNeeded(localPart))@\(domain)"
    }

    /// True when local part or domain has non-ASCII characters (needs SMTPUTF8).
    public var needsSMTPUTF8: Bool {
        localPart.utf8.contains { $0 >= 0x80 } || domain.utf8.contains { $0 >= 0x80 }
    }

    /// Parses a dot-atom or quoted-string local part.
    static func parseLocalPart(_ bytes: [UInt8]) -> String? {
        guard !bytes.isEmpty, bytes.count <= maxLocalPartLength + 2 else { return nil }
        if bytes.first == 0x22 {
            // quoted-string (RFC 5322 §3.2.4): qtext or quoted-pair.
            guard bytes.count >= 2, bytes.last == 0x22 else { return nil }
            var output: [UInt8] = []
            var index = 1
            while index < bytes.count - 1 {
                let byte = bytes[index]
                if byte == 0x5C {
                    guard index + 1 < bytes.count - 1 else { return nil }
                    output.append(bytes[index + 1])
                    index += 2
                    continue
                }
                guard byte == 0x20 || byte == 0x09 || (byte >= 0x21 && byte != 0x22 && byte != 0x7F) else { return nil }
                output.append(byte)
                index += 1
            }
            guard output.count <= maxLocalPartLength, let text = validUTF8(output) else { return nil }
            return text
        }
        guard bytes.count <= maxLocalPartLength, isDotAtom(bytes) else { return nil }
        return validUTF8(bytes)
    }

    /// Parses a domain: dot-separated labels of letters, digits, hyphens
    /// (and UTF-8 for internationalised names), or a domain literal.
    static func parseDomain(_ bytes: [UInt8]) -> String? {
        guard !bytes.isEmpty, bytes.count <= maxDomainLength else { return nil }
        if bytes.first == 0x5B {
            guard bytes.last == 0x5D, bytes.count > 2 else { return nil }
            for byte in bytes[1..<(bytes.count - 1)] where byte < 0x21 || byte > 0x7E || byte == 0x5B || byte == 0x5D || byte == 0x5C {
                return nil
            }
            return validUTF8(bytes)
        }
        var labelLength = 0
        for (offset, byte) in bytes.enumerated() {
            if byte == 0x2E {
                // Empty labels are invalid; a single trailing dot is not accepted either.
                guard labelLength > 0, bytes[offset - 1] != 0x2D else { return nil }
                labelLength = 0
                continue
            }
            let allowed = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A)
                || (byte >= 0x61 && byte <= 0x7A) || byte == 0x2D || byte == 0x5F || byte >= 0x80
            guard allowed else { return nil }
            if labelLength == 0 && byte == 0x2D { return nil }
            labelLength += 1
            guard labelLength <= 63 else { return nil }
        }
        guard labelLength > 0, bytes.last != 0x2D else { return nil }
        return validUTF8(bytes)
    }

    /// RFC 5322 §3.2.3 dot-atom with atext extended by UTF-8 (RFC 6532 §3.2).
    static func isDotAtom(_ bytes: [UInt8]) -> Bool {
        guard !bytes.isEmpty, bytes.first != 0x2E, bytes.last != 0x2E else { return false }
        var previousDot = false
        for byte in bytes {
            if byte == 0x2E {
                if previousDot { return false }
                previousDot = true
                continue
            }
            previousDot = false
            guard isAtext(byte) else { return false }
        }
        return true
    }

    /// RFC 5322 §3.2.3 atext, plus any non-ASCII byte (UTF8-non-ascii).
    static func isAtext(_ byte: UInt8) -> Bool {
        if byte >= 0x80 { return true }
        if (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) { return true }
        return "!#$%&'*+-/=?^_`{|}~".utf8.contains(byte)
    }

    /// The local part as written in an addr-spec: itself when it is a
    /// dot-atom, otherwise a quoted-string.
    public static func quotedLocalPartIfNeeded(_ local: String) -> String {
        let bytes = Array(local.utf8)
        if isDotAtom(bytes) { return local }
        var output = "\""
        for scalar in local.unicodeScalars {
            if scalar == "\"" || scalar == "\\" { output.append("\\") }
            output.unicodeScalars.append(scalar)
        }
        output.append("\"")
        return output
    }

    private static func validUTF8(_ bytes: [UInt8]) -> String? {
        String(validating: bytes, as: UTF8.self)
    }
}
