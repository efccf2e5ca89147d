/// Lexical tokens of an RFC 5322 address header (§3.2).
enum AddressToken: Equatable {
    /// A run of atext (and UTF-8), e.g. `john` or `example`.
    case atom(String)
    /// A quoted-string's content, escapes removed.
    case quoted(String)
    /// A domain-literal including its brackets.
    case literal(String)
    /// A comment's content (nested comments flattened).
    case comment(String)
    /// One of `<>:;@,.` or any other lone special byte.
    case special(UInt8)
}

enum AddressTokenizer {
    static func tokenize(_ bytes: [UInt8]) -> [AddressToken] {
        var tokens: [AddressToken] = []
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case 0x20, 0x09, 0x0D, 0x0A:
                index += 1
            case 0x22:
                // quoted-string; an unterminated one runs to the end.
                var output: [UInt8] = []
                index += 1
                while index < bytes.count, bytes[index] != 0x22 {
                    if bytes[index] == 0x5C, index + 1 < bytes.count { index += 1 }
                    output.append(bytes[index])
                    index += 1
                }
                index += 1
                tokens.append(.quoted(ByteText.string(output)))
            case 0x28:
                var depth = 0
                var output: [UInt8] = []
                while index < bytes.count {
                    let current = bytes[index]
                    if current == 0x5C, index + 1 < bytes.count {
                        output.append(bytes[index + 1])
                        index += 2
                        continue
                    }
                    index += 1
                    if current == 0x28 {
                        depth += 1
                        if depth == 1 { continue }
                    } else if current == 0x29 {
                        depth -= 1
                        if depth == 0 { break }
                    }
                    output.append(current)
                }
                tokens.append(.comment(ByteText.trimmed(ByteText.string(output))))
            case 0x5B:
                let start = index
                index += 1
                while index < bytes.count, bytes[index] != 0x5D { index += 1 }
                index = min(index + 1, bytes.count)
                tokens.append(.literal(ByteText.string(bytes[start..<index])))
            default:
                if EmailAddress.isAtext(byte) {
                    let start = index
                    while index < bytes.count, EmailAddress.isAtext(bytes[index]) { index += 1 }
                    tokens.append(.atom(ByteText.string(bytes[start..<index])))
                } else {
                    tokens.append(.special(byte))
                    index += 1
                }
            }
        }
        return tokens
    }
}
