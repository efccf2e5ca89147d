// RFC 1035 §4.1 message parsing of a resolver's answer, by hand, with
// compression pointers (§4.1.4) and a bounds check on every read. Hostile
// or truncated input gives `nil`, never a crash.

/// The parts of a DNS response the lookups use.
public struct DNSMessage: Sendable, Hashable {
    /// RFC 1035 §4.1.1 RCODE.
    public var responseCode: UInt8
    /// The TC bit.
    public var truncated: Bool
    public var answers: [DNSResourceRecord]

    /// RFC 1035 §4.1.1 RCODE values used here.
    public static let noError: UInt8 = 0
    public static let serverFailure: UInt8 = 2
    public static let nameError: UInt8 = 3
}

/// One resource record of the answer section (RFC 1035 §4.1.3).
public struct DNSResourceRecord: Sendable, Hashable {
    /// The owner name, lower-cased, without the trailing dot.
    public var name: String
    public var type: UInt16
    public var ttl: UInt32
    public var data: RecordData

    public enum RecordData: Sendable, Hashable {
        case address(DNSAddress)
        case mx(MXRecord)
        case cname(String)
        /// RFC 1035 §3.3.14: the <character-string>s of one record.
        case txt([[UInt8]])
        /// A type not used here, or a class other than IN.
        case other
    }
}

extension DNSMessage {
    /// Names longer than this are malformed (RFC 1035 §2.3.4: 255 octets).
    static let maxNameLength = 255
    /// Compression pointers followed in one name at most.
    static let maxPointers = 64
    /// A CNAME chain is followed this far at most.
    static let maxCNAMEChain = 8

    /// Parses a response; nil when it is malformed.
    public static func parse(_ bytes: [UInt8]) -> DNSMessage? {
        var reader = DNSReader(bytes: bytes)
        guard let _ = reader.u16(), let flags = reader.u16(), let questions = reader.u16(),
              let answerCount = reader.u16(), let _ = reader.u16(), let _ = reader.u16() else { return nil }
        // QR must be set: this is a response.
        guard flags & 0x8000 != 0 else { return nil }
        for _ in 0..<questions {
            guard reader.name() != nil, reader.skip(4) else { return nil }
        }
        var answers: [DNSResourceRecord] = []
        for _ in 0..<answerCount {
            guard let record = reader.record() else { return nil }
            answers.append(record)
        }
        return DNSMessage(responseCode: UInt8(flags & 0x000F), truncated: flags & 0x0200 != 0, answers: answers)
    }

    /// The records of `type` for `name`, after following the CNAME chain
    /// the answer section gives (RFC 1034 §3.6.2), bounded. Returns the
    /// final name too.
    public func records(for name: String, type: DNSRecordType) -> (name: String, records: [DNSResourceRecord]) {
        var current = DNSMessage.normalized(name)
        var seen: Set<String> = [current]
        for _ in 0..<DNSMessage.maxCNAMEChain where type != .cname {
            guard let alias = answers.first(where: { $0.name == current && $0.type == DNSRecordType.cname.rawValue }),
                  case let .cname(target) = alias.data, !seen.contains(target) else { break }
            seen.insert(target)
            current = target
        }
        return (current, answers.filter { $0.name == current && $0.type == type.rawValue })
    }

    /// Lower-case, without a trailing dot.
    static func normalized(_ name: String) -> String {
        var name = name.lowercased()
        if name.hasSuffix(".") { name.removeLast() }
        return name
    }
}

/// A bounds-checked cursor over a DNS message.
struct DNSReader {
    let bytes: [UInt8]
    var offset = 0

    mutating func u8() -> UInt8? {
        guard offset < bytes.count else { return nil }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func u16() -> UInt16? {
        guard offset + 2 <= bytes.count else { return nil }
        defer { offset += 2 }
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    mutating func u32() -> UInt32? {
        guard let high = u16(), let low = u16() else { return nil }
        return UInt32(high) << 16 | UInt32(low)
    }

    mutating func skip(_ count: Int) -> Bool {
        guard count >= 0, offset + count <= bytes.count else { return false }
        offset += count
        return true
    }

    /// RFC 1035 §4.1.4: a domain name of labels and compression pointers,
    /// read from `offset`; `offset` moves past the name's bytes in place.
    /// The root gives "". Label octets outside letters, digits, '-' and '_'
    /// are written as \DDD (RFC 1035 §5.1), so a label holding '.' cannot
    /// pass as two labels.
    mutating func name() -> String? {
        var labels: [String] = []
        var length = 0
        var position = offset
        var jumps = 0
        var resumeAt: Int? = nil
        while true {
            guard position < bytes.count else { return nil }
            let byte = bytes[position]
            switch byte & 0xC0 {
            case 0xC0:
                guard position + 1 < bytes.count, jumps < DNSMessage.maxPointers else { return nil }
                let target = Int(byte & 0x3F) << 8 | Int(bytes[position + 1])
                if resumeAt == nil { resumeAt = position + 2 }
                jumps += 1
                position = target
            case 0x00:
                let count = Int(byte)
                if count == 0 {
                    offset = resumeAt ?? position + 1
                    return labels.joined(separator: ".")
                }
                guard position + 1 + count <= bytes.count else { return nil }
                length += count + 1
                guard length <= DNSMessage.maxNameLength else { return nil }
                labels.append(DNSReader.labelText(bytes[(position + 1)...(position + count)]))
                position += 1 + count
            default:
                // 0x40 and 0x80 are reserved (RFC 6891 §5 retired EDNS labels).
                return nil
            }
        }
    }

    static func labelText(_ label: ArraySlice<UInt8>) -> String {
        var text = ""
        for byte in label {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"):
                text.unicodeScalars.append(Unicode.Scalar(byte + 32))
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "*"):
                text.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let digits = String(byte)
                text += "\\" + String(repeating: "0", count: 3 - digits.count) + digits
            }
        }
        return text
    }

    /// RFC 1035 §4.1.3: NAME TYPE CLASS TTL RDLENGTH RDATA.
    mutating func record() -> DNSResourceRecord? {
        guard let owner = name(), let type = u16(), let recordClass = u16(), let ttl = u32(),
              let length = u16() else { return nil }
        let start = offset
        let end = start + Int(length)
        guard end <= bytes.count else { return nil }
        var data = DNSResourceRecord.RecordData.other
        if recordClass == 1 {
            switch DNSRecordType(rawValue: type) {
            case .a:
                guard length == 4 else { return nil }
                data = .address(.v4(bytes[start], bytes[start + 1], bytes[start + 2], bytes[start + 3]))
            case .aaaa:
                guard length == 16 else { return nil }
                data = .address(.v6(Array(bytes[start..<end])))
            case .mx:
                guard let preference = u16(), let exchange = name(), offset == end else { return nil }
                data = .mx(MXRecord(preference: preference, exchange: exchange))
            case .cname:
                guard let target = name(), offset == end else { return nil }
                data = .cname(target)
            case .txt:
                var strings: [[UInt8]] = []
                while offset < end {
                    let count = Int(bytes[offset])
                    guard offset + 1 + count <= end else { return nil }
                    strings.append(Array(bytes[(offset + 1)..<(offset + 1 + count)]))
                    offset += 1 + count
                }
                data = .txt(strings)
            case nil:
                break
            }
        }
        offset = end
        return DNSResourceRecord(name: owner, type: type, ttl: ttl, data: data)
    }
}
