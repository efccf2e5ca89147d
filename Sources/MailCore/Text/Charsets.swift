/// Conversion of text in a MIME charset (RFC 2046 §4.1.2) to Swift strings.
public enum Charsets {
    /// Decodes `bytes` in the named charset (case-insensitive, IANA names
    /// and common aliases). Returns nil for a charset this module does not know.
    /// Invalid sequences become U+FFFD.
    public static func decode<C: Collection>(_ bytes: C, charset: String) -> String? where C.Element == UInt8 {
        switch ByteText.asciiLowercased(ByteText.trimmed(charset)) {
        case "utf-8", "utf8":
            return String(decoding: bytes, as: UTF8.self)
        case "us-ascii", "ascii", "ansi_x3.4-1968", "iso646-us", "us":
            return String(String.UnicodeScalarView(bytes.map { $0 < 0x80 ? Unicode.Scalar($0) : "\u{FFFD}" }))
        case "iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "iso_8859-1", "cp819":
            return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
        case "windows-1252", "cp1252":
            return String(String.UnicodeScalarView(bytes.map(windows1252)))
        default:
            return nil
        }
    }

    /// Windows-1252: Latin-1 except 0x80-0x9F (five code points unassigned).
    private static let windows1252High: [UInt32] = [
        0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
        0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD,
        0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
        0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178,
    ]

    private static func windows1252(_ byte: UInt8) -> Unicode.Scalar {
        if byte >= 0x80 && byte <= 0x9F {
            return Unicode.Scalar(windows1252High[Int(byte - 0x80)]) ?? "\u{FFFD}"
        }
        return Unicode.Scalar(byte)
    }
}
