/// RFC 2047 encoded-word decoding: `=?charset?B?...?=` and `=?charset?Q?...?=`.
public enum EncodedWords {
    /// Decodes every encoded word in `text`. Whitespace between two adjacent
    /// encoded words is removed (RFC 2047 §6.2); adjacent words in the same
    /// charset are joined before decoding, so a multi-byte character split
    /// across words survives. A word with an unknown charset, an unknown
    /// encoding or malformed data is left exactly as written.
    public static func decode(_ text: String) -> String {
        let bytes = Array(text.utf8)
        guard bytes.count >= 8, containsMarker(bytes) else { return text }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        // Pending decoded bytes of adjacent encoded words sharing a charset.
        var pending: (charset: String, bytes: [UInt8])? = nil
        // Whitespace seen after an encoded word; dropped if another follows.
        var heldSpace: [UInt8] = []
        var index = 0

        func flushPending() {
            guard let run = pending else { return }
            output.append(contentsOf: (Charsets.decode(run.bytes, charset: run.charset) ?? "").utf8)
            pending = nil
        }

        while index < bytes.count {
            if bytes[index] == 0x3D, let word = parseWord(bytes, at: index) {
                if let run = pending, run.charset == word.charset {
                    pending!.bytes.append(contentsOf: word.bytes)
                } else {
                    flushPending()
                    pending = (word.charset, word.bytes)
                }
                heldSpace.removeAll()
                index = word.end
                // Hold the whitespace that follows: it disappears when another
                // encoded word comes next.
                var next = index
                while next < bytes.count && ByteText.isWhitespace(bytes[next]) { next += 1 }
                if next > index {
                    heldSpace = Array(bytes[index..<next])
                    index = next
                }
                continue
            }
            flushPending()
            output.append(contentsOf: heldSpace)
            heldSpace.removeAll()
            output.append(bytes[index])
            index += 1
        }
        flushPending()
        output.append(contentsOf: heldSpace)
        return ByteText.string(output)
    }

    private static func containsMarker(_ bytes: [UInt8]) -> Bool {
        var index = 0
        while index + 1 < bytes.count {
            if bytes[index] == 0x3D && bytes[index + 1] == 0x3F { return true }
            index += 1
        }
        return false
    }

    /// One valid, decodable encoded word starting at `start` ("=?"), or nil.
    private static func parseWord(_ bytes: [UInt8], at start: Int) -> (charset: String, bytes: [UInt8], end: Int)? {
        guard start + 1 < bytes.count, bytes[start + 1] == 0x3F else { return nil }
        // charset: token chars up to "?" (RFC 2047 §2), "*lang" suffix per RFC 2231 §5.
        var index = start + 2
        let charsetStart = index
        while index < bytes.count, isTokenByte(bytes[index]) { index += 1 }
        guard index < bytes.count, bytes[index] == 0x3F, index > charsetStart else { return nil }
        var charset = ByteText.string(bytes[charsetStart..<index])
        if let star = charset.firstIndex(of: "*") { charset = String(charset[..<star]) }
        index += 1
        guard index + 1 < bytes.count, bytes[index + 1] == 0x3F else { return nil }
        let encoding = bytes[index] | 0x20
        guard encoding == 0x62 || encoding == 0x71 else { return nil }
        index += 2
        let textStart = index
        // encoded-text: printable ASCII except "?" and SP.
        while index < bytes.count, bytes[index] > 0x20, bytes[index] < 0x7F, bytes[index] != 0x3F { index += 1 }
        guard index + 1 < bytes.count, bytes[index] == 0x3F, bytes[index + 1] == 0x3D else { return nil }
        let text = bytes[textStart..<index]
        let decoded: [UInt8]?
        if encoding == 0x62 {
            decoded = Base64.decode(text)
        } else {
            decoded = decodeQ(text)
        }
        guard let data = decoded, Charsets.decode([], charset: charset) != nil else { return nil }
        return (ByteText.asciiLowercased(charset), data, index + 2)
    }

    /// The "Q" encoding (RFC 2047 §4.2): "_" is a space, "=XX" a byte.
    private static func decodeQ(_ text: ArraySlice<UInt8>) -> [UInt8]? {
        var output: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let byte = text[index]
            if byte == 0x5F {
                output.append(ByteText.space)
            } else if byte == 0x3D {
                guard index + 2 < text.endIndex,
                      let high = ByteText.hexValue(text[index + 1]),
                      let low = ByteText.hexValue(text[index + 2]) else { return nil }
                output.append(high << 4 | low)
                index += 2
            } else {
                output.append(byte)
            }
            index += 1
        }
        return output
    }

    /// RFC 2045 token characters (no specials, no SP/CTLs), excluding "?".
    static func isTokenByte(_ byte: UInt8) -> Bool {
        guard byte > 0x20 && byte < 0x7F else { return false }
        switch byte {
        case 0x28, 0x29, 0x3C, 0x3E, 0x40, 0x2C, 0x3B, 0x3A, 0x5C, 0x22, 0x2F, 0x5B, 0x5D, 0x3F, 0x3D:
            return false
        default:
            return true
        }
    }
}
