// Account addresses and domain names as Tern stores them: trimmed and
// lower-cased, `local@domain` with a valid DNS domain.
import Foundation

public enum AccountAddressError: Error, Sendable, Equatable, CustomStringConvertible {
    case empty
    /// No `@`, or more than one.
    case notLocalAtDomain(String)
    case invalidLocalPart(String)
    case invalidDomain(String)
    case tooLong(String)

    public var description: String {
        switch self {
        case .empty: return "the address is empty"
        case .notLocalAtDomain(let text): return "\"\(text)\" is not of the form local@domain"
        case .invalidLocalPart(let text): return "invalid local part in \"\(text)\""
        case .invalidDomain(let text):
            return "invalid domain \"\(text)\" (use letters, digits and hyphens; IDNs as xn-- A-labels)"
        case .tooLong(let text): return "\"\(text)\" is too long"
        }
    }
}

public enum AccountAddress {
    /// RFC 5321 §4.5.3.1: local part ≤ 64 octets, path ≤ 256 (so address ≤ 254).
    static let maximumLocalPartLength = 64
    static let maximumAddressLength = 254
    /// RFC 1035 §2.3.4: name ≤ 253 characters in text form, labels ≤ 63.
    static let maximumDomainLength = 253
    static let maximumLabelLength = 63

    /// Trims and lower-cases `text` and checks it is `local@domain`: the local
    /// part a dot-atom (RFC 5322 §3.2.3; UTF-8 allowed as in RFC 6531 §3.3),
    /// the domain a valid host name.
    public static func normalize(_ text: String) throws -> String {
        let address = text.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        guard !address.isEmpty else { throw AccountAddressError.empty }
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw AccountAddressError.notLocalAtDomain(address) }
        guard address.utf8.count <= maximumAddressLength else { throw AccountAddressError.tooLong(address) }
        let local = parts[0]
        guard isDotAtom(local), local.utf8.count <= maximumLocalPartLength else {
            throw AccountAddressError.invalidLocalPart(address)
        }
        let domain = try normalizeDomain(String(parts[1]))
        return "\(local)@\(domain)"
    }

    /// Trims and lower-cases a domain name and checks it: labels of letters,
    /// digits and hyphens (RFC 1123 §2.1), no hyphen at a label's ends, a
    /// last label that isn't all digits. A single label such as `localhost`
    /// is allowed, as Postfix allows it, for local and test set-ups. A
    /// trailing dot is removed.
    public static func normalizeDomain(_ text: String) throws -> String {
        var domain = text.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        if domain.hasSuffix(".") { domain.removeLast() }
        guard !domain.isEmpty, domain.utf8.count <= maximumDomainLength else {
            throw AccountAddressError.invalidDomain(text)
        }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard !labels.isEmpty, labels.allSatisfy(isHostLabel),
              let top = labels.last, !top.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw AccountAddressError.invalidDomain(text)
        }
        return domain
    }

    /// The domain part of an already normalized address.
    public static func domain(of address: String) -> String? {
        guard let at = address.lastIndex(of: "@") else { return nil }
        return String(address[address.index(after: at)...])
    }

    private static func isHostLabel(_ label: Substring) -> Bool {
        guard !label.isEmpty, label.utf8.count <= maximumLabelLength,
              label.first != "-", label.last != "-" else { return false }
        return label.utf8.allSatisfy { byte in
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "-")
        }
    }

    /// RFC 5322 §3.2.3 dot-atom: atext runs separated by single dots.
    private static func isDotAtom(_ text: Substring) -> Bool {
        let atoms = text.split(separator: ".", omittingEmptySubsequences: false)
        return atoms.allSatisfy { atom in !atom.isEmpty && atom.unicodeScalars.allSatisfy(isAtext) }
    }

    /// RFC 5322 §3.2.3 atext, plus any non-ASCII scalar (RFC 6531 §3.3 UTF8-non-ascii).
    private static func isAtext(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value > 0x7F {
            let excluded: [Unicode.GeneralCategory] = [.control, .format, .unassigned, .privateUse, .surrogate,
                                                       .lineSeparator, .paragraphSeparator, .spaceSeparator]
            return !scalar.properties.isWhitespace && !excluded.contains(scalar.properties.generalCategory)
                && scalar.value != 0xFFFD
        }
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9": return true
        default: return "!#$%&'*+-/=?^_`{|}~".unicodeScalars.contains(scalar)
        }
    }
}
