// Strict base64 (RFC 4648 §4) for SASL responses.
//
// SASL profiles require the client's responses to be plain base64 with
// padding (RFC 4954 §4, RFC 5034 §4, RFC 9051 §6.2.2): no whitespace, no
// line breaks, no characters outside the alphabet, padding only at the end,
// and (RFC 4648 §3.5) no non-zero bits after the last encoded octet.
// Foundation's decoder is lenient on some of these points on Linux, so the
// check is done here.

enum StrictBase64 {
    /// Decodes `text`, or returns nil when it isn't canonical padded base64.
    static func decode(_ text: Substring) -> [UInt8]? {
        let input = Array(text.utf8)
        guard input.count % 4 == 0 else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(input.count / 4 * 3)
        var index = 0
        while index < input.count {
            let isLast = index + 4 == input.count
            let quad = input[index..<index + 4]
            var values: [UInt8] = []
            var padding = 0
            for byte in quad {
                if byte == UInt8(ascii: "=") {
                    padding += 1
                    continue
                }
                // A data character after padding, or padding before the last quad.
                guard padding == 0, let value = value(of: byte) else { return nil }
                values.append(value)
            }
            guard padding == 0 || (isLast && padding <= 2) else { return nil }
            switch values.count {
            case 4:
                output.append(values[0] << 2 | values[1] >> 4)
                output.append(values[1] << 4 | values[2] >> 2)
                output.append(values[2] << 6 | values[3])
            case 3:
                guard values[2] & 0b11 == 0 else { return nil }
                output.append(values[0] << 2 | values[1] >> 4)
                output.append(values[1] << 4 | values[2] >> 2)
            case 2:
                guard values[1] & 0b1111 == 0 else { return nil }
                output.append(values[0] << 2 | values[1] >> 4)
            default:
                return nil
            }
            index += 4
        }
        return output
    }

    private static func value(of byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return byte - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return byte - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"): return 62
        case UInt8(ascii: "/"): return 63
        default: return nil
        }
    }
}
