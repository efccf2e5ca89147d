/// Character classes of RFC 9051 §9 formal syntax.
enum ByteClass {
    /// CTL: %x00-1F / %x7F.
    static func isControl(_ byte: UInt8) -> Bool { byte < 0x20 || byte == 0x7F }

    /// atom-specials: "(" / ")" / "{" / SP / CTL / list-wildcards / quoted-specials / resp-specials.
    static func isAtomSpecial(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "{"), UInt8(ascii: " "),
             UInt8(ascii: "%"), UInt8(ascii: "*"), UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "]"):
            return true
        default:
            return isControl(byte)
        }
    }

    /// ATOM-CHAR: any 7-bit CHAR except atom-specials.
    static func isAtomChar(_ byte: UInt8) -> Bool { byte < 0x80 && !isAtomSpecial(byte) }

    /// ASTRING-CHAR: ATOM-CHAR / resp-specials.
    static func isAStringChar(_ byte: UInt8) -> Bool { isAtomChar(byte) || byte == UInt8(ascii: "]") }

    /// tag: any ASTRING-CHAR except "+".
    static func isTagChar(_ byte: UInt8) -> Bool { isAStringChar(byte) && byte != UInt8(ascii: "+") }

    /// list-char: ATOM-CHAR / list-wildcards / resp-specials.
    static func isListChar(_ byte: UInt8) -> Bool {
        isAStringChar(byte) || byte == UInt8(ascii: "%") || byte == UInt8(ascii: "*")
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    /// Bytes allowed inside a quoted string without escaping: TEXT-CHAR
    /// minus quoted-specials (7-bit, no CR, LF or NUL).
    static func isQuotedSafe(_ byte: UInt8) -> Bool {
        byte != 0 && byte < 0x80 && byte != 0x0D && byte != 0x0A
    }

    /// base64 alphabet plus padding (RFC 4648), and "=" alone (RFC 4959).
    static func isBase64Char(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "/"), UInt8(ascii: "="):
            return true
        default:
            return false
        }
    }
}
