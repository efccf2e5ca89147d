// CIDR networks (RFC 4632 for IPv4, RFC 4291 §2.3 for IPv6) for the
// trusted-network relay policy.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 network such as `192.0.2.0/24` or `2001:db8::/32`.
public struct IPNetwork: Sendable, Hashable, CustomStringConvertible {
    /// 4 octets for IPv4, 16 for IPv6, with the host bits cleared.
    public let address: [UInt8]
    public let prefixLength: Int

    /// Parses `address/prefix`, or a single address (a /32 or /128).
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let address = Self.parseAddress(String(parts[0])) else { return nil }
        let bits = address.count * 8
        var prefix = bits
        if parts.count == 2 {
            guard let value = Int(parts[1]), (0...bits).contains(value), parts[1].allSatisfy(\.isNumber) else {
                return nil
            }
            prefix = value
        }
        self.prefixLength = prefix
        self.address = Self.masked(address, prefix)
    }

    public var description: String {
        let text = address.count == 4 ? address.map(String.init).joined(separator: ".") : Self.ipv6Text(address)
        return "\(text)/\(prefixLength)"
    }

    /// True when the textual address (`192.0.2.7`, `::1`, `::ffff:192.0.2.7`)
    /// lies in this network. IPv4-mapped IPv6 addresses count as IPv4.
    public func contains(_ text: String) -> Bool {
        guard let candidate = Self.parseAddress(text), candidate.count == address.count else { return false }
        return Self.masked(candidate, prefixLength) == address
    }

    /// The octets of an IPv4 or IPv6 address; IPv4-mapped IPv6 gives 4 octets.
    static func parseAddress(_ text: String) -> [UInt8]? {
        var text = text
        if text.hasPrefix("["), text.hasSuffix("]") { text = String(text.dropFirst().dropLast()) }
        if let percent = text.firstIndex(of: "%") { text = String(text[..<percent]) }  // zone id
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            let bytes = withUnsafeBytes(of: &v6) { Array($0) }
            if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF {
                return Array(bytes[12..<16])
            }
            return bytes
        }
        return nil
    }

    static func masked(_ bytes: [UInt8], _ prefix: Int) -> [UInt8] {
        bytes.enumerated().map { index, byte in
            let keep = max(0, min(8, prefix - index * 8))
            return keep == 8 ? byte : byte & UInt8(truncatingIfNeeded: 0xFF << (8 - keep))
        }
    }

    private static func ipv6Text(_ bytes: [UInt8]) -> String {
        stride(from: 0, to: 16, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
            .joined(separator: ":")
    }
}
