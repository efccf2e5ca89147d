/// One header field of a message (RFC 5322 §2.2), as it appears in the raw
/// message, with its position there.
public struct HeaderField: Sendable, Equatable {
    /// The field name as written (case preserved), e.g. "Subject".
    public var name: String
    /// The raw bytes after the colon up to (not including) the field's final
    /// line ending, folding line breaks included.
    public var rawValue: [UInt8]
    /// Offset of the field's first byte (its name) in the raw message.
    public var offset: Int
    /// Length in bytes of the whole field, final line ending included.
    public var length: Int

    public init(name: String, rawValue: [UInt8], offset: Int = 0, length: Int = 0) {
        self.name = name
        self.rawValue = rawValue
        self.offset = offset
        self.length = length
    }

    /// The value unfolded (RFC 5322 §2.2.3: every CRLF or bare LF that is
    /// followed by WSP removed, other CR/LF dropped), as bytes.
    public var unfoldedBytes: [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(rawValue.count)
        for byte in rawValue where byte != ByteText.cr && byte != ByteText.lf {
            output.append(byte)
        }
        return output
    }

    /// The unfolded value with leading and trailing whitespace removed,
    /// decoded as UTF-8 (RFC 6532 allows UTF-8 in header values).
    public var value: String {
        ByteText.trimmed(ByteText.string(unfoldedBytes))
    }

    /// The value with RFC 2047 encoded words decoded, for display.
    public var decodedValue: String {
        EncodedWords.decode(value)
    }

    /// True when the name matches `other` case-insensitively (RFC 5322 §1.2.2).
    public func hasName(_ other: String) -> Bool {
        ByteText.equalIgnoringASCIICase(name, other)
    }
}
