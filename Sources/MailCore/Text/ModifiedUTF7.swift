/// IMAP mailbox-name encoding: modified UTF-7 (RFC 3501 §5.1.3).
///
/// Printable US-ASCII other than "&" stands for itself, "&" is written
/// "&-", and any other characters are UTF-16 in modified base64 (","
/// instead of "/", no padding) between "&" and "-".
public enum ModifiedUTF7 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,".utf8)

    /// Encodes a mailbox name.
    public static func encode(_ name: String) -> String {
        var output: [UInt8] = []
        var pending: [UInt16] = []

        func flush() {
            guard !pending.isEmpty else { return }
            output.append(0x26)
            var accumulator: UInt32 = 0
            var bits = 0
            for unit in pending {
                accumulator = (accumulator << 16) | UInt32(unit)
                bits += 16
                while bits >= 6 {
                    bits -= 6
                    output.append(alphabet[Int((accumulator >> UInt32(bits)) & 0x3F)])
                }
            }
            if bits > 0 {
                output.append(alphabet[Int((accumulator << UInt32(6 - bits)) & 0x3F)])
            }
            output.append(0x2D)
            pending.removeAll()
        }

        for scalar in name.unicodeScalars {
            if scalar.value >= 0x20 && scalar.value <= 0x7E {
                flush()
                output.append(UInt8(scalar.value))
                if scalar == "&" { output.append(0x2D) }
            } else {
                pending.append(contentsOf: UTF16.encode(scalar)!)
            }
        }
        flush()
        return ByteText.string(output)
    }

    /// Decodes a mailbox name; nil when it is not valid modified UTF-7:
    /// bytes outside printable ASCII, an unterminated or empty-but-not-"&-"
    /// shift, characters outside the alphabet, non-zero or excess padding
    /// bits, unpaired surrogates, printable ASCII written in base64, or two
    /// base64 runs in a row (RFC 3501 requires them merged).
    public static func decode(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        var scalars = String.UnicodeScalarView()
        var index = 0
        var previousWasShift = false
        while index < bytes.count {
            let byte = bytes[index]
            guard byte >= 0x20 && byte <= 0x7E else { return nil }
            if byte != 0x26 {
                scalars.append(Unicode.Scalar(byte))
                index += 1
                previousWasShift = false
                continue
            }
            index += 1
            guard let end = bytes[index...].firstIndex(of: 0x2D) else { return nil }
            if end == index {
                scalars.append("&")
                index = end + 1
                previousWasShift = false
                continue
            }
            guard !previousWasShift, let units = decodeBase64(bytes[index..<end]) else { return nil }
            var decoder = UTF16.ForwardParser()
            var iterator = units.makeIterator()
            while true {
                switch decoder.parseScalar(from: &iterator) {
                case .valid(let encoded):
                    let scalar = UTF16.decode(encoded)
                    // Printable ASCII must not be encoded in base64.
                    guard scalar.value < 0x20 || scalar.value > 0x7E else { return nil }
                    scalars.append(scalar)
                    continue
                case .error:
                    return nil
                case .emptyInput:
                    break
                }
                break
            }
            index = end + 1
            previousWasShift = true
        }
        return String(scalars)
    }

    /// Modified base64 to UTF-16 code units; nil on any invalid input.
    private static func decodeBase64(_ text: ArraySlice<UInt8>) -> [UInt16]? {
        var units: [UInt16] = []
        var accumulator: UInt32 = 0
        var bits = 0
        for byte in text {
            guard let value = alphabet.firstIndex(of: byte) else { return nil }
            accumulator = (accumulator << 6) | UInt32(value)
            bits += 6
            if bits >= 16 {
                bits -= 16
                units.append(UInt16((accumulator >> UInt32(bits)) & 0xFFFF))
            }
            accumulator &= (1 << UInt32(bits)) - 1
        }
        // Leftover bits must be padding only: fewer than six, all zero.
        guard bits < 6, accumulator == 0, !units.isEmpty else { return nil }
        return units
    }
}
