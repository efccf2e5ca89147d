/// The name of a FETCH data item whose data is streamed from the store
/// rather than held (RFC 9051 §7.5.2 `msg-att-static`; BINARY RFC 3516 §4.3).
public enum StreamedItem: Hashable, Sendable {
    /// BODY[section]<origin>.
    case bodySection(SectionSpecifier, origin: UInt32?)
    /// BINARY[part]<origin> of a part whose body needs no decoding.
    case binary(part: [Int], origin: UInt32?)
    case rfc822
    case rfc822Header
    case rfc822Text
}

/// Octets of the stored message sent as one literal whose bytes FETCH
/// writes itself, read from the store in bounded chunks: a 30 MB BODY[]
/// is never held whole. The literal's size is the range's, known from
/// the stored RFC822.SIZE before a byte is read.
public struct StreamedLiteral: Hashable, Sendable {
    /// The octets of the message, already clamped to its stored size.
    public var range: Range<Int>
    /// `~{n}` (literal8, RFC 3516 §4.3) rather than `{n}`: BINARY data,
    /// which may hold NUL and is not scanned before it is sent.
    public var literal8: Bool

    public init(range: Range<Int>, literal8: Bool) {
        self.range = range
        self.literal8 = literal8
    }
}

/// One FETCH response cut where its streamed literals go
/// (`IMAPResponseEncoder.fetchPieces`): encoded text, then a literal's
/// octets to copy from the message, and so on, ending with text.
public enum FetchResponsePiece: Hashable, Sendable {
    /// Encoded response text (a literal's `{n}` CRLF ends the piece before it).
    case bytes([UInt8])
    /// The octets of the message in this range: exactly as stored for a
    /// literal8; for a literal with each NUL sent as 0x80
    /// (`IMAPWriter.withoutNUL`).
    case literal(Range<Int>, literal8: Bool)
}
