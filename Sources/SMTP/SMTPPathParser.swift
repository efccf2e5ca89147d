// The path grammar of RFC 5321 §4.1.2 (Path, Mailbox, Local-part, Domain,
// address-literal) with RFC 6531 §3.3 UTF-8 in local parts and domains.
//
// Deliberately a little wider than the grammar in two places, so that the
// relay policy (not a syntax error) answers the classic relay tricks: a
// domain may end in one dot, and a source route is parsed and kept.
import MailCore

enum SMTPPathParser {
    /// Why a path is invalid (the text goes into the 501 reply).
    struct PathError: Error, Equatable, ExpressibleByStringLiteral {
        var reason: String
        init(stringLiteral value: String) { reason = value }
    }

    /// RFC 5321 §4.5.3.1.3: a path is at most 256 octets including the brackets.
    static let maxPathLength = 256

    /// The text inside a path's angle brackets (or a bare path) and what follows it.
    struct Split {
        var inner: ArraySlice<UInt8>
        var rest: ArraySlice<UInt8>
    }

    /// Splits `<path> params` (optionally preceded by spaces; a path without
    /// brackets is tolerated) into the path text and the rest.
    static func split(_ bytes: ArraySlice<UInt8>) -> Result<Split, PathError> {
        var start = bytes.startIndex
        while start < bytes.endIndex, bytes[start] == 0x20 { start += 1 }
        guard start < bytes.endIndex else { return .failure("missing path") }
        if bytes[start] != UInt8(ascii: "<") {
            let end = bytes[start...].firstIndex(of: 0x20) ?? bytes.endIndex
            return .success(Split(inner: bytes[start..<end], rest: bytes[end...]))
        }
        var index = start + 1
        var inQuote = false
        while index < bytes.endIndex {
            let byte = bytes[index]
            if inQuote {
                if byte == UInt8(ascii: "\\") {
                    index += 2
                    continue
                }
                if byte == UInt8(ascii: "\"") { inQuote = false }
            } else if byte == UInt8(ascii: "\"") {
                inQuote = true
            } else if byte == UInt8(ascii: ">") {
                break
            }
            index += 1
        }
        guard index < bytes.endIndex else { return .failure("missing \">\"") }
        let rest = bytes[(index + 1)...]
        guard rest.isEmpty || rest.first == 0x20 else { return .failure("unexpected text after \">\"") }
        return .success(Split(inner: bytes[(start + 1)..<index], rest: rest))
    }

    /// Parses the text of a path (without brackets): `[A-d-l ":"] Mailbox`.
    static func parsePath(_ bytes: ArraySlice<UInt8>) -> Result<SMTPPath, PathError> {
        guard bytes.count + 2 <= maxPathLength else { return .failure("path too long") }
        var mailboxStart = bytes.startIndex
        var route: [String] = []
        if bytes.first == UInt8(ascii: "@") {
            // A-d-l = At-domain *( "," At-domain ); At-domain = "@" Domain.
            guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")) else { return .failure("bad source route") }
            for part in bytes[bytes.startIndex..<colon].split(separator: UInt8(ascii: ","),
                                                              omittingEmptySubsequences: false) {
                guard part.first == UInt8(ascii: "@"), let domain = parseDomain(part.dropFirst()) else {
                    return .failure("bad source route")
                }
                route.append(domain)
            }
            mailboxStart = colon + 1
        }
        return parseMailbox(bytes[mailboxStart...]).map { SMTPPath(mailbox: $0, route: route) }
    }

    /// Mailbox = Local-part "@" ( Domain / address-literal ).
    static func parseMailbox(_ bytes: ArraySlice<UInt8>) -> Result<EmailAddress, PathError> {
        guard !bytes.isEmpty else { return .failure("empty address") }
        let local: String
        let at: Int
        if bytes.first == UInt8(ascii: "\"") {
            guard let (text, end) = parseQuotedString(bytes) else { return .failure("bad quoted local part") }
            guard end < bytes.endIndex, bytes[end] == UInt8(ascii: "@") else { return .failure("missing \"@\"") }
            local = text
            at = end
            guard bytes[bytes.startIndex..<at].count <= EmailAddress.maxLocalPartLength + 2 else {
                return .failure("local part too long")
            }
        } else {
            guard let index = bytes.firstIndex(of: UInt8(ascii: "@")) else { return .failure("missing \"@\"") }
            let localBytes = bytes[bytes.startIndex..<index]
            guard isDotString(localBytes) else { return .failure("bad local part") }
            guard localBytes.count <= EmailAddress.maxLocalPartLength else { return .failure("local part too long") }
            local = String(decoding: localBytes, as: UTF8.self)
            at = index
        }
        guard !local.isEmpty else { return .failure("empty local part") }
        guard let domain = parseDomain(bytes[(at + 1)...]) else { return .failure("bad domain") }
        return .success(EmailAddress(localPart: local, domain: domain))
    }

    /// Quoted-string = DQUOTE *( qtextSMTP / quoted-pairSMTP ) DQUOTE; returns
    /// the unquoted text and the index after the closing quote.
    static func parseQuotedString(_ bytes: ArraySlice<UInt8>) -> (String, Int)? {
        var output: [UInt8] = []
        var index = bytes.startIndex + 1
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                guard let text = String(validating: output, as: UTF8.self) else { return nil }
                return (text, index + 1)
            }
            if byte == UInt8(ascii: "\\") {
                // quoted-pairSMTP = %d92 %d32-126
                guard index + 1 < bytes.endIndex, bytes[index + 1] >= 0x20, bytes[index + 1] <= 0x7E else { return nil }
                output.append(bytes[index + 1])
                index += 2
                continue
            }
            // qtextSMTP = %d32-33 / %d35-91 / %d93-126, plus UTF-8 (RFC 6531 §3.3).
            guard byte >= 0x20, byte != 0x7F else { return nil }
            output.append(byte)
            index += 1
        }
        return nil
    }

    /// Dot-string = Atom *("." Atom), atext extended by UTF-8 (RFC 6531 §3.3).
    static func isDotString(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard !bytes.isEmpty else { return false }
        return bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false).allSatisfy { atom in
            !atom.isEmpty && atom.allSatisfy(isAtext)
        }
    }

    static func isAtext(_ byte: UInt8) -> Bool {
        if byte >= 0x80 { return true }
        if isLetterOrDigit(byte) { return true }
        return "!#$%&'*+-/=?^_`{|}~".utf8.contains(byte)
    }

    static func isLetterOrDigit(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
    }

    /// Domain = sub-domain *("." sub-domain), sub-domain = Let-dig [Ldh-str]
    /// or a U-label (RFC 6531 §3.3); or an address-literal. One trailing dot
    /// is kept (the relay policy treats such a domain as foreign). Returns
    /// the domain lower-cased, nil when invalid.
    static func parseDomain(_ bytes: ArraySlice<UInt8>) -> String? {
        guard !bytes.isEmpty, bytes.count <= EmailAddress.maxDomainLength else { return nil }
        if bytes.first == UInt8(ascii: "[") {
            return parseAddressLiteral(bytes)
        }
        var labels = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        if labels.count > 1, labels.last?.isEmpty == true { labels.removeLast() }
        for label in labels {
            guard !label.isEmpty, label.count <= 63, label.first != UInt8(ascii: "-"),
                  label.last != UInt8(ascii: "-"),
                  label.allSatisfy({ isLetterOrDigit($0) || $0 == UInt8(ascii: "-") || $0 >= 0x80 }) else {
                return nil
            }
        }
        return String(validating: Array(bytes), as: UTF8.self)?.lowercased()
    }

    /// address-literal = "[" ( IPv4-address-literal / IPv6-address-literal /
    /// General-address-literal ) "]" (RFC 5321 §4.1.3), kept with its brackets.
    static func parseAddressLiteral(_ bytes: ArraySlice<UInt8>) -> String? {
        guard bytes.count > 2, bytes.last == UInt8(ascii: "]") else { return nil }
        let content = bytes.dropFirst().dropLast()
        let text = String(decoding: content, as: UTF8.self)
        if content.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: ".") }) {
            let parts = content.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
            guard parts.count == 4, parts.allSatisfy({ !$0.isEmpty && $0.count <= 3 }),
                  parts.allSatisfy({ Int(String(decoding: $0, as: UTF8.self)).map { $0 <= 255 } ?? false }) else {
                return nil
            }
            return "[\(text)]"
        }
        // General-address-literal = Standardized-tag ":" 1*dcontent (includes "IPv6:").
        guard let colon = content.firstIndex(of: UInt8(ascii: ":")), colon > content.startIndex else { return nil }
        let tag = content[content.startIndex..<colon]
        let value = content[(colon + 1)...]
        guard tag.allSatisfy({ isLetterOrDigit($0) || $0 == UInt8(ascii: "-") }), !value.isEmpty,
              value.allSatisfy({ $0 >= 33 && $0 <= 126 && $0 != UInt8(ascii: "[") && $0 != UInt8(ascii: "]")
                  && $0 != UInt8(ascii: "\\") }) else { return nil }
        return "[\(text)]"
    }
}
