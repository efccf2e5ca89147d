/// Line-ending normalisation for protocols that require CRLF (RFC 5321
/// §2.3.8, RFC 1939 §3). `LineEndings` itself is declared in
/// MailboxFormats/LineEndings.swift; this adds the bare-CR-aware variant.
extension LineEndings {
    /// Returns `bytes` with every bare LF and every bare CR turned into CRLF;
    /// existing CRLF pairs are kept (applying it twice changes nothing).
    public static func normalizeToCRLF(_ bytes: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + bytes.count / 32 + 2)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == ByteText.cr {
                output.append(ByteText.cr)
                output.append(ByteText.lf)
                if index + 1 < bytes.count && bytes[index + 1] == ByteText.lf { index += 1 }
            } else if byte == ByteText.lf {
                output.append(ByteText.cr)
                output.append(ByteText.lf)
            } else {
                output.append(byte)
            }
            index += 1
        }
        return output
    }

    /// True when every CR is followed by LF and every LF preceded by CR.
    public static func isCRLFOnly(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { buffer in
            // Every CR has an LF after it ...
            var index = ByteSearch.next(ByteText.cr, in: buffer, from: 0)
            while index < buffer.count {
                guard index + 1 < buffer.count, buffer[index + 1] == ByteText.lf else { return false }
                index = ByteSearch.next(ByteText.cr, in: buffer, from: index + 2)
            }
            // ... and every LF a CR before it.
            index = ByteSearch.next(ByteText.lf, in: buffer, from: 0)
            while index < buffer.count {
                guard index > 0, buffer[index - 1] == ByteText.cr else { return false }
                index = ByteSearch.next(ByteText.lf, in: buffer, from: index + 1)
            }
            return true
        }
    }
}
