/// A cursor over an unfolded structured header value that skips comments
/// and whitespace (RFC 5322 §3.2.2 CFWS) between tokens.
struct StructuredScanner {
    let bytes: [UInt8]
    var index = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    var atEnd: Bool {
        mutating get { skipCFWS(); return index >= bytes.count }
    }

    /// Skips whitespace and (nested) comments; an unterminated comment runs to the end.
    mutating func skipCFWS() {
        while index < bytes.count {
            let byte = bytes[index]
            if ByteText.isWhitespace(byte) {
                index += 1
            } else if byte == 0x28 {
                var depth = 0
                while index < bytes.count {
                    let current = bytes[index]
                    if current == 0x5C { index += 2; continue }
                    if current == 0x28 { depth += 1 }
                    if current == 0x29 { depth -= 1 }
                    index += 1
                    if depth == 0 { break }
                }
            } else {
                return
            }
        }
        index = min(index, bytes.count)
    }

    /// Consumes `byte` (after CFWS) if it comes next.
    mutating func consume(_ byte: UInt8) -> Bool {
        skipCFWS()
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    /// An RFC 2045 token (with "*" allowed, as RFC 2231 names need).
    mutating func token() -> String? {
        skipCFWS()
        let start = index
        while index < bytes.count, isTokenByte(bytes[index]) { index += 1 }
        return index > start ? ByteText.string(bytes[start..<index]) : nil
    }

    /// A parameter value: a quoted string, or (leniently) everything up to
    /// the next ";" or whitespace.
    mutating func parameterValue() -> String? {
        skipCFWS()
        guard index < bytes.count else { return nil }
        if bytes[index] == 0x22 { return quotedString() }
        let start = index
        while index < bytes.count, bytes[index] != 0x3B, !ByteText.isWhitespace(bytes[index]) { index += 1 }
        return ByteText.string(bytes[start..<index])
    }

    /// A quoted string starting at the current `"`; escapes removed. An
    /// unterminated string runs to the end.
    mutating func quotedString() -> String {
        var output: [UInt8] = []
        index += 1
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if byte == 0x22 { break }
            if byte == 0x5C, index < bytes.count {
                output.append(bytes[index])
                index += 1
            } else {
                output.append(byte)
            }
        }
        return ByteText.string(output)
    }

    /// Recovery after a malformed parameter: skip to the next ";".
    mutating func skipPastSemicolon() {
        while index < bytes.count, bytes[index] != 0x3B {
            if bytes[index] == 0x22 { _ = quotedString() } else { index += 1 }
        }
    }

    private func isTokenByte(_ byte: UInt8) -> Bool {
        guard byte > 0x20 && byte < 0x7F else { return false }
        switch byte {
        case 0x28, 0x29, 0x3C, 0x3E, 0x40, 0x2C, 0x3B, 0x3A, 0x5C, 0x22, 0x2F, 0x5B, 0x5D, 0x3F, 0x3D:
            return false
        default:
            return true
        }
    }
}
