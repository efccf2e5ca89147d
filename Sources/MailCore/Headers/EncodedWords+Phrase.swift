/// Writing a display name into a header field (RFC 5322 §3.2.5 phrase),
/// encoding it per RFC 2047 when it is not ASCII.
extension EncodedWords {
    /// Longest display name written, in Unicode scalars (a bound for names
    /// that come from a command line or a password database).
    public static let maxPhraseScalars = 200

    /// `name` as a phrase: unchanged when it is atoms separated by spaces;
    /// a quoted-string (RFC 5322 §3.2.4) when it is ASCII with specials;
    /// RFC 2047 "B" encoded words in UTF-8 otherwise, each at most 75
    /// characters (§2) and split only between characters (§5). Control
    /// characters become spaces; nil when nothing printable is left.
    public static func phrase(_ name: String) -> String? {
        let scalars = name.unicodeScalars.prefix(maxPhraseScalars)
            .map { $0.value < 0x20 || $0.value == 0x7F ? " " : $0 }
        let cleaned = String(String.UnicodeScalarView(scalars)).split(separator: " ").joined(separator: " ")
        guard !cleaned.isEmpty else { return nil }
        if cleaned.unicodeScalars.allSatisfy({ $0 == " " || isAtext($0) }) { return cleaned }
        if cleaned.unicodeScalars.allSatisfy({ $0.isASCII }) {
            let escaped = cleaned.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            return "\"\(escaped)\""
        }
        // 45 octets make 60 base64 characters: "=?UTF-8?B?" + 60 + "?=" = 72.
        var words: [String] = []
        var chunk: [UInt8] = []
        for character in cleaned {
            let bytes = Array(String(character).utf8)
            if chunk.count + bytes.count > 45, !chunk.isEmpty {
                words.append("=?UTF-8?B?\(Base64.encode(chunk))?=")
                chunk = []
            }
            chunk += bytes.prefix(45)
        }
        if !chunk.isEmpty { words.append("=?UTF-8?B?\(Base64.encode(chunk))?=") }
        return words.joined(separator: " ")
    }

    /// RFC 5322 §3.2.3 atext.
    private static func isAtext(_ scalar: Unicode.Scalar) -> Bool {
        guard scalar.isASCII else { return false }
        return scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)
            || "!#$%&'*+-/=?^_`{|}~".unicodeScalars.contains(scalar)
    }
}
