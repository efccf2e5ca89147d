/// The "i;ascii-casemap" collation (RFC 4790 §9.2), which SORT and THREAD
/// use to compare strings here (RFC 5256 §3, base subjects in §2.1, and
/// the addresses of FROM, TO, CC, DISPLAYFROM and DISPLAYTO): the lower-case
/// ASCII letters are changed to upper case, then the octets are compared as
/// unsigned numbers (i;octet); a string that is a prefix of another comes
/// first, so the empty string sorts before every other.
///
/// Note: RFC 5256 §7 asks for the I18NLEVEL=1 collation (i;unicode-casemap,
/// RFC 5051), which also folds non-ASCII letters; Dovecot uses that. Here
/// only ASCII letters are folded, which agrees for ASCII text.
public enum ASCIICasemap {
    /// The comparison key of `text`: its UTF-8 with a-z changed to A-Z.
    /// Two strings compare as their keys do under `compare`.
    public static func key(_ text: String) -> [UInt8] {
        key(Array(text.utf8))
    }

    /// The comparison key of UTF-8 bytes.
    public static func key(_ bytes: [UInt8]) -> [UInt8] {
        var folded = bytes
        for index in folded.indices where folded[index] >= 0x61 && folded[index] <= 0x7A {
            folded[index] -= 0x20
        }
        return folded
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
