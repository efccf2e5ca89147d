/// Line-ending conversions for messages read from or written to files and
/// protocols (Text/CRLFNormalization.swift adds the bare-CR-aware variant).
public enum LineEndings {
    /// Turns every bare LF into CRLF (RFC 5322 §2.1 lines end in CRLF);
    /// existing CRLF pairs and bare CRs are kept, so applying it twice changes nothing.
    public static func normalizedToCRLF(_ bytes: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + bytes.count / 30 + 2)
        var previous: UInt8 = 0
        for byte in bytes {
            if byte == 0x0A && previous != 0x0D { output.append(0x0D) }
            output.append(byte)
            previous = byte
        }
        return output
    }
}
