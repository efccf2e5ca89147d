import Foundation

/// The "i;unicode-casemap" collation (RFC 5051), which SORT and THREAD
/// compare strings with at I18NLEVEL=1 (RFC 5255 §4, RFC 5256 §3): each
/// character is changed to its titlecase form, the result is decomposed
/// (NFKD), and the UTF-8 octets are compared as unsigned numbers; a string
/// that is a prefix of another comes first, so the empty string sorts
/// before every other. So "Émile" sorts with the E's and "café" equals
/// "CAFÉ", as in Dovecot. ASCII text takes a fast path (a-z to A-Z, which
/// is what titlecasing and decomposing it give).
public enum UnicodeCasemap {
    /// The comparison key of `text`. Two strings compare as their keys do
    /// under `compare`.
    public static func key(_ text: String) -> [UInt8] {
        key(Array(text.utf8))
    }

    /// The comparison key of UTF-8 bytes.
    public static func key(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.allSatisfy({ $0 < 0x80 }) else { return nonASCIIKey(String(decoding: bytes, as: UTF8.self)) }
        var folded = bytes
        for index in folded.indices where folded[index] >= 0x61 && folded[index] <= 0x7A {
            folded[index] -= 0x20
        }
        return folded
    }

    /// RFC 5051 §2: titlecase each character with its simple (one to one)
    /// mapping, as Dovecot's tables do ("ß" stays "ß"), then NFKD.
    private static func nonASCIIKey(_ text: String) -> [UInt8] {
        var titlecased = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            let mapped = scalar.properties.titlecaseMapping.unicodeScalars
            if mapped.count == 1, let single = mapped.first {
                titlecased.append(single)
            } else {
                titlecased.append(scalar)
            }
        }
        return Array(String(titlecased).decomposedStringWithCompatibilityMapping.utf8)
    }

    /// Orders two keys made by `key`: negative when `left` sorts first,
    /// zero when equal, positive when `right` sorts first.
    public static func compare(_ left: [UInt8], _ right: [UInt8]) -> Int {
        left.withUnsafeBufferPointer { left in
            right.withUnsafeBufferPointer { right in
                let common = min(left.count, right.count)
                var index = 0
                while index < common {
                    let a = left[index], b = right[index]
                    if a != b { return a < b ? -1 : 1 }
                    index += 1
                }
                return left.count == right.count ? 0 : (left.count < right.count ? -1 : 1)
            }
        }
    }

    /// True when `bytes` starts with `ascii` at `offset`, ASCII letters
    /// compared without case (`ascii` given in lower case).
    static func hasPrefix(_ bytes: [UInt8], _ ascii: StaticString, at offset: Int, end: Int) -> Bool {
        let count = ascii.utf8CodeUnitCount
        guard offset >= 0, offset + count <= end else { return false }
        return ascii.withUTF8Buffer { pattern in
            for index in 0..<count {
                var byte = bytes[offset + index]
                if byte >= 0x41 && byte <= 0x5A { byte += 0x20 }
                if byte != pattern[index] { return false }
            }
            return true
        }
    }
}
