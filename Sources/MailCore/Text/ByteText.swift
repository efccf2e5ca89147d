/// Small byte-level helpers shared by the parsers in this module.
enum ByteText {
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
    static let space: UInt8 = 0x20
    static let tab: UInt8 = 0x09

    /// SP or HTAB (RFC 5234 WSP).
    @inline(__always)
    static func isWSP(_ byte: UInt8) -> Bool { byte == space || byte == tab }

    /// WSP, CR or LF.
    @inline(__always)
    static func isWhitespace(_ byte: UInt8) -> Bool { isWSP(byte) || byte == cr || byte == lf }

    /// Decodes bytes as UTF-8, replacing invalid sequences with U+FFFD.
    static func string<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        String(decoding: bytes, as: UTF8.self)
    }

    /// Removes leading and trailing whitespace (SP, HTAB, CR, LF).
    static func trimmed(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isSpace($0) }) else { return "" }
        let last = scalars.lastIndex(where: { !isSpace($0) })!
        return String(scalars[first...last])
    }

    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "\t" || scalar == "\r" || scalar == "\n"
    }

    /// ASCII-only lower-casing (header names, tokens, charsets).
    /// True when the two are equal with ASCII letters compared without
    /// case (header field names, RFC 5322 §1.2.2), compared byte by byte
    /// without making lower-cased copies.
    static func equalIgnoringASCIICase(_ left: String, _ right: String) -> Bool {
        equalIgnoringASCIICase(left.utf8, right.utf8)
    }

    /// `equalIgnoringASCIICase` of raw bytes (a field name in a message).
    static func equalIgnoringASCIICase<Left: Collection, Right: Collection>(_ left: Left, _ right: Right) -> Bool
        where Left.Element == UInt8, Right.Element == UInt8 {
        guard left.count == right.count else { return false }
        for (a, b) in zip(left, right) where a != b {
            guard a | 0x20 == b | 0x20 else { return false }
            let lower = a | 0x20
            guard lower >= 0x61 && lower <= 0x7A else { return false }
        }
        return true
    }

    static func asciiLowercased(_ text: String) -> String {
        var bytes = Array(text.utf8)
        for index in bytes.indices where bytes[index] >= 0x41 && bytes[index] <= 0x5A {
            bytes[index] += 0x20
        }
        return string(bytes)
    }

    /// The value of one hexadecimal digit, or nil.
    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: return byte - 0x30
        case 0x41...0x46: return byte - 0x41 + 10
        case 0x61...0x66: return byte - 0x61 + 10
        default: return nil
        }
    }

    /// Counts the lines of a byte range as RFC 9051 body-fld-lines: one
    /// per line ending (LF). A last line without one is not counted — in a
    /// multipart body that is every part's last line, whose CRLF belongs to
    /// the boundary (RFC 2046 §5.1.1) — which is what Dovecot and Cyrus send.
    static func lineCount(_ bytes: [UInt8], _ range: Range<Int>) -> Int {
        var count = 0
        for index in range where bytes[index] == lf { count += 1 }
        return count
    }
}
