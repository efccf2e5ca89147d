// The values a DNS lookup gives the outbound side (RFC 1035 §3.3, RFC 3596
// for AAAA) and the outcome of one lookup, which tells the queue whether a
// failure is permanent (bounce) or temporary (retry).

/// RFC 1035 §3.2.2 / RFC 3596 §2.1: the record types Tern asks for.
public enum DNSRecordType: UInt16, Sendable, Hashable, CaseIterable {
    case a = 1
    case cname = 5
    case mx = 15
    case txt = 16
    case aaaa = 28
}

/// RFC 1035 §3.3.9: one MX record. `exchange` is empty for the root "."
/// (RFC 7505 null MX).
public struct MXRecord: Sendable, Hashable {
    public var preference: UInt16
    public var exchange: String
    public init(preference: UInt16, exchange: String) {
        self.preference = preference
        self.exchange = exchange
    }
    /// RFC 7505 §3: the exchange is the root domain ".".
    public var isNull: Bool { exchange.isEmpty }
}

/// An IPv4 (RFC 1035 §3.4.1) or IPv6 (RFC 3596 §2.2) address from A/AAAA.
public enum DNSAddress: Sendable, Hashable, CustomStringConvertible {
    case v4(UInt8, UInt8, UInt8, UInt8)
    /// 16 bytes in network order.
    case v6([UInt8])

    /// Dotted quad or RFC 5952 text form.
    public var description: String {
        switch self {
        case let .v4(a, b, c, d): return "\(a).\(b).\(c).\(d)"
        case let .v6(bytes): return DNSAddress.ipv6Text(bytes)
        }
    }

    public var isIPv6: Bool {
        if case .v6 = self { return true }
        return false
    }

    /// RFC 5952 §4: lower-case hex, leading zeros dropped, the longest run
    /// (of two or more) zero groups shortened to "::".
    static func ipv6Text(_ bytes: [UInt8]) -> String {
        guard bytes.count == 16 else { return "::" }
        let groups = (0..<8).map { UInt16(bytes[2 * $0]) << 8 | UInt16(bytes[2 * $0 + 1]) }
        var bestStart = -1, bestLength = 0, index = 0
        while index < 8 {
            guard groups[index] == 0 else { index += 1; continue }
            var end = index
            while end < 8 && groups[end] == 0 { end += 1 }
            if end - index > bestLength { bestStart = index; bestLength = end - index }
            index = end
        }
        func hex(_ range: Range<Int>) -> String {
            groups[range].map { String($0, radix: 16) }.joined(separator: ":")
        }
        guard bestLength >= 2 else { return hex(0..<8) }
        return hex(0..<bestStart) + "::" + hex((bestStart + bestLength)..<8)
    }
}

/// The outcome of one DNS lookup, told apart as the queue needs it.
public enum DNSLookupResult<Value: Sendable & Hashable>: Sendable, Hashable {
    /// At least one record for the (CNAME-resolved) name.
    case found([Value])
    /// The name exists but has no record of this type (RFC 2308 §2.2 NODATA).
    case noData
    /// RFC 1035 §4.1.1 RCODE 3: the name does not exist (permanent).
    case nameNotFound
    /// SERVFAIL, a timeout, a refused or unusable answer: try again later.
    case temporaryFailure(String)

    /// The records, empty unless `.found`.
    public var values: [Value] {
        if case let .found(values) = self { return values }
        return []
    }
}

/// A DNS client for routing mail (RFC 5321 §5.1).
public protocol DNSResolver: Sendable {
    /// MX records of `domain`, in the order received.
    func mx(_ domain: String) async -> DNSLookupResult<MXRecord>
    /// A and AAAA records of `host` (IPv4 first).
    func addresses(_ host: String) async -> DNSLookupResult<DNSAddress>
    /// TXT records of `name`, each the concatenation of its strings (RFC 7208 §3.3).
    func txt(_ name: String) async -> DNSLookupResult<String>
}

extension DNSLookupResult {
    /// Merges the A and AAAA outcomes of one name: any records win; then a
    /// temporary failure; the name is missing only when both say so.
    static func merging(_ first: DNSLookupResult, _ second: DNSLookupResult) -> DNSLookupResult {
        let values = first.values + second.values
        if !values.isEmpty { return .found(values) }
        switch (first, second) {
        case let (.temporaryFailure(reason), _), let (_, .temporaryFailure(reason)):
            return .temporaryFailure(reason)
        case (.nameNotFound, .nameNotFound):
            return .nameNotFound
        default:
            return .noData
        }
    }
}
