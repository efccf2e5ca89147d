/// Base64 (RFC 4648 §4) decoding and encoding without Foundation, used for
/// RFC 2047 "B" encoded words.
enum Base64 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// The 6-bit value of a base64 character in the standard alphabet.
    static func value(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x41...0x5A: return byte - 0x41
        case 0x61...0x7A: return byte - 0x61 + 26
        case 0x30...0x39: return byte - 0x30 + 52
        case 0x2B: return 62
        case 0x2F: return 63
        default: return nil
        }
    }

    /// Decodes base64, ignoring whitespace; padding is optional.
    /// Returns nil for a character outside the alphabet or data after padding.
    static func decode<C: Collection>(_ input: C) -> [UInt8]? where C.Element == UInt8 {
        var output: [UInt8] = []
        output.reserveCapacity(input.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        var sawPadding = false
        for byte in input {
            if ByteText.isWhitespace(byte) { continue }
            if byte == 0x3D { sawPadding = true; continue }
            guard !sawPadding, let sextet = value(byte) else { return nil }
            accumulator = (accumulator << 6) | UInt32(sextet)
            bits += 6
            if bits >= 8 {
                bits -= 8
                output.append(UInt8((accumulator >> UInt32(bits)) & 0xFF))
            }
        }
        // A single leftover character (6 bits) cannot encode a byte.
        if bits >= 6 { return nil }
        return output
    }

    /// Encodes bytes as padded base64.
    static func encode(_ input: [UInt8]) -> String {
        var output: [UInt8] = []
        output.reserveCapacity((input.count + 2) / 3 * 4)
        var index = 0
        while index < input.count {
            let b0 = input[index]
            let b1 = index + 1 < input.count ? input[index + 1] : 0
            let b2 = index + 2 < input.count ? input[index + 2] : 0
            output.append(alphabet[Int(b0 >> 2)])
            output.append(alphabet[Int(((b0 & 0x03) << 4) | (b1 >> 4))])
            output.append(index + 1 < input.count ? alphabet[Int(((b1 & 0x0F) << 2) | (b2 >> 6))] : 0x3D)
            output.append(index + 2 < input.count ? alphabet[Int(b2 & 0x3F)] : 0x3D)
            index += 3
        }
        return ByteText.string(output)
    }
}
