/// Byte-stuffing of a multi-line response or DATA body (RFC 1939 §3,
/// RFC 5321 §4.5.2): a line that starts with "." gets another "." in front.
public enum DotStuffing {
    /// The terminator that follows a stuffed body: "." CRLF.
    public static let terminator: [UInt8] = [0x2E, 0x0D, 0x0A]

    /// Returns the stuffed body, ending with CRLF (one is added when the body
    /// doesn't end with one), WITHOUT the final ".\r\n". Line endings are
    /// expected to be CRLF already (see `LineEndings.normalizeToCRLF`); line
    /// starts are recognised after any LF. An empty body gives an empty result.
    public static func stuff(_ body: [UInt8]) -> [UInt8] {
        guard !body.isEmpty else { return [] }
        var output: [UInt8] = []
        output.reserveCapacity(body.count + body.count / 64 + 4)
        // One line (up to and with its LF) at a time, copied whole.
        body.withUnsafeBufferPointer { buffer in
            var start = 0
            while start < buffer.count {
                if buffer[start] == 0x2E { output.append(0x2E) }
                let end = min(ByteSearch.next(ByteText.lf, in: buffer, from: start) + 1, buffer.count)
                output.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[start..<end]))
                start = end
            }
        }
        let count = output.count
        if !(count >= 2 && output[count - 2] == ByteText.cr && output[count - 1] == ByteText.lf) {
            if output[count - 1] == ByteText.cr {
                output.append(ByteText.lf)
            } else {
                output.append(contentsOf: [ByteText.cr, ByteText.lf])
            }
        }
        return output
    }

    /// Reverses `stuff` for received data (RFC 5321 §4.5.2): removes the
    /// first "." of every line that starts with one. The input excludes the
    /// terminating ".\r\n".
    public static func unstuff(_ body: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(body.count)
        var atLineStart = true
        for byte in body {
            if atLineStart && byte == 0x2E {
                atLineStart = false
                continue
            }
            output.append(byte)
            atLineStart = byte == ByteText.lf
        }
        return output
    }
}
