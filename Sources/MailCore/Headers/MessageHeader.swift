/// The header section of a message or MIME part (RFC 5322 §2.2, §3.5):
/// its fields in order and where the header and the body lie in the raw bytes.
public struct MessageHeader: Sendable, Equatable {
    /// The fields in the order they appear.
    public var fields: [HeaderField]
    /// Offset of the header section's first byte.
    public var headerOffset: Int
    /// Size of the header section in bytes, including the empty line that
    /// ends it when there is one (what IMAP BODY[HEADER] returns).
    public var headerSize: Int
    /// Offset of the body's first byte (after the empty line).
    public var bodyOffset: Int

    public init(fields: [HeaderField], headerOffset: Int = 0, headerSize: Int = 0, bodyOffset: Int = 0) {
        self.fields = fields
        self.headerOffset = headerOffset
        self.headerSize = headerSize
        self.bodyOffset = bodyOffset
    }

    /// The first field named `name` (case-insensitive).
    public func field(_ name: String) -> HeaderField? {
        let lower = ByteText.asciiLowercased(name)
        return fields.first { ByteText.asciiLowercased($0.name) == lower }
    }

    /// Every field named `name` (case-insensitive), in order.
    public func fields(named name: String) -> [HeaderField] {
        let lower = ByteText.asciiLowercased(name)
        return fields.filter { ByteText.asciiLowercased($0.name) == lower }
    }

    /// The unfolded, trimmed value of the first field named `name`.
    public subscript(name: String) -> String? {
        field(name)?.value
    }

    /// Parses a whole message's header section.
    public static func parse(_ bytes: [UInt8]) -> MessageHeader {
        parse(bytes, in: 0..<bytes.count)
    }

    /// Where one field lies in the raw bytes (`forEachField`).
    public struct FieldSpan: Sendable, Hashable {
        /// The name, without WSP before the colon.
        public var name: Range<Int>
        /// After the colon up to the field's final line ending (folding
        /// line breaks inside).
        public var value: Range<Int>
        /// The whole field, final line ending included.
        public var whole: Range<Int>
    }

    /// Parses the header section that starts at `range.lowerBound`. The header
    /// ends at the first empty line (CRLF or bare LF) or at the end of the
    /// range; the body is what follows the empty line. Lines that are neither
    /// a field nor a continuation (malformed, or an mbox "From " line) are
    /// skipped but stay inside the header section.
    public static func parse(_ bytes: [UInt8], in range: Range<Int>) -> MessageHeader {
        var fields: [HeaderField] = []
        let bodyOffset = forEachField(bytes, in: range) { span in
            fields.append(HeaderField(name: ByteText.string(bytes[span.name]), rawValue: Array(bytes[span.value]),
                                      offset: span.whole.lowerBound, length: span.whole.count))
        }
        return MessageHeader(fields: fields, headerOffset: range.lowerBound,
                             headerSize: bodyOffset - range.lowerBound, bodyOffset: bodyOffset)
    }

    /// Calls `body` with each field of the header section that starts at
    /// `range.lowerBound`, in order, as `parse` finds them, without making
    /// any value; returns where the body starts (after the empty line, or
    /// the range's end when there is none).
    @discardableResult
    public static func forEachField(_ bytes: [UInt8], in range: Range<Int>, _ body: (FieldSpan) -> Void) -> Int {
        var position = range.lowerBound
        let end = range.upperBound
        var current: (start: Int, nameEnd: Int, valueStart: Int, end: Int)? = nil

        func finishField() {
            guard let field = current else { return }
            var valueEnd = field.end
            // Drop the field's final line ending from the value.
            if valueEnd > field.valueStart && bytes[valueEnd - 1] == ByteText.lf { valueEnd -= 1 }
            if valueEnd > field.valueStart && bytes[valueEnd - 1] == ByteText.cr { valueEnd -= 1 }
            var nameEnd = field.nameEnd
            while nameEnd > field.start && ByteText.isWSP(bytes[nameEnd - 1]) { nameEnd -= 1 }
            body(FieldSpan(name: field.start..<nameEnd, value: field.valueStart..<valueEnd,
                           whole: field.start..<field.end))
            current = nil
        }

        return bytes.withUnsafeBufferPointer { buffer in
            while position < end {
                // The end of this line: just past its LF, or the range end.
                var lineEnd = min(ByteSearch.next(ByteText.lf, in: buffer, from: position), end)
                if lineEnd < end { lineEnd += 1 }
                let first = buffer[position]
                let isEmptyLine = first == ByteText.lf
                    || (first == ByteText.cr && position + 1 < end && buffer[position + 1] == ByteText.lf)
                if isEmptyLine {
                    finishField()
                    return lineEnd
                }
                if ByteText.isWSP(first) {
                    // A folded continuation line (RFC 5322 §2.2.3).
                    if current != nil { current!.end = lineEnd }
                } else {
                    finishField()
                    if let colon = fieldNameEnd(bytes, from: position, to: lineEnd) {
                        current = (position, colon, colon + 1, lineEnd)
                    }
                }
                position = lineEnd
            }
            finishField()
            return end
        }
    }

    /// The index of the colon ending a valid field name (RFC 5322 §3.6.8
    /// ftext, with obsolete WSP before the colon tolerated) on the line
    /// `bytes[start..<end]`, or nil when the line is no header field.
    public static func fieldNameEnd(_ bytes: [UInt8], from start: Int, to end: Int) -> Int? {
        var index = start
        var sawWSP = false
        while index < end {
            let byte = bytes[index]
            if byte == 0x3A { return index > start ? index : nil }
            if ByteText.isWSP(byte) {
                sawWSP = true
            } else if byte < 0x21 || byte > 0x7E || sawWSP {
                return nil
            }
            index += 1
        }
        return nil
    }
}
