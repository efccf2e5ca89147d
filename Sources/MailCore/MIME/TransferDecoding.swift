import Foundation

/// Content-Transfer-Encoding decoding (RFC 2045 §6) for BINARY (RFC 3516
/// §4.2) and for SEARCH BODY/TEXT. Lenient like mail clients are: damaged
/// data gives whatever can be decoded, never an error.
public enum TransferDecoding {
    /// The decoded bytes, or nil for an encoding this server does not know
    /// (BINARY then answers `NO [UNKNOWN-CTE]`, RFC 3516 §4.3). `encoding`
    /// is the lower-cased Content-Transfer-Encoding token.
    public static func decode(_ bytes: ArraySlice<UInt8>, encoding: String) -> [UInt8]? {
        if isIdentity(encoding) { return Array(bytes) }
        switch encoding {
        case "base64":
            return base64(bytes)
        case "quoted-printable":
            return quotedPrintable(bytes)
        default:
            return nil
        }
    }

    /// True for the encodings whose decoded data is the encoded bytes
    /// (RFC 2045 §6.2: 7bit, 8bit and binary mean no encoding was applied).
    public static func isIdentity(_ encoding: String) -> Bool {
        switch encoding {
        case "7bit", "8bit", "binary", "": return true
        default: return false
        }
    }

    /// Base64 (RFC 2045 §6.8) through Foundation, after dropping every byte
    /// outside the alphabet and repairing missing or misplaced padding.
    public static func base64(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        var clean: [UInt8] = []
        clean.reserveCapacity(bytes.count)
        for byte in bytes {
            if byte == UInt8(ascii: "=") { break }
            if isBase64(byte) { clean.append(byte) }
        }
        // A lone trailing character carries fewer than 8 bits: drop it.
        if clean.count % 4 == 1 { clean.removeLast() }
        while clean.count % 4 != 0 { clean.append(UInt8(ascii: "=")) }
        guard let data = Data(base64Encoded: Data(clean)) else { return [] }
        return [UInt8](data)
    }

    private static func isBase64(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "/"):
            return true
        default:
            return false
        }
    }

    /// Quoted-printable (RFC 2045 §6.7): `=XX` is one byte, `=` at the end
    /// of a line is a soft line break, whitespace at the end of a line is
    /// transport padding (rule 3). A malformed `=` is kept as written.
    public static func quotedPrintable(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        let end = bytes.endIndex
        while index < end {
            let byte = bytes[index]
            if byte == UInt8(ascii: "=") {
                if index + 2 < end, let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2]) {
                    output.append(high << 4 | low)
                    index += 3
                    continue
                }
                // Soft line break: "=" then optional padding then CRLF or LF.
                var next = index + 1
                while next < end, bytes[next] == 0x20 || bytes[next] == 0x09 { next += 1 }
                if next < end, bytes[next] == 0x0D, next + 1 < end, bytes[next + 1] == 0x0A {
                    index = next + 2
                    continue
                }
                if next < end, bytes[next] == 0x0A {
                    index = next + 1
                    continue
                }
                if next == end {
                    index = end
                    continue
                }
                output.append(byte)
                index += 1
                continue
            }
            if byte == 0x20 || byte == 0x09 {
                // Drop whitespace that ends a line (transport padding).
                var next = index
                while next < end, bytes[next] == 0x20 || bytes[next] == 0x09 { next += 1 }
                if next == end || bytes[next] == 0x0D || bytes[next] == 0x0A {
                    index = next
                    continue
                }
                output.append(contentsOf: bytes[index..<next])
                index = next
                continue
            }
            output.append(byte)
            index += 1
        }
        return output
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        default: return nil
        }
    }
}
