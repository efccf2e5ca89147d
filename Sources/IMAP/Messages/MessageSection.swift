import MailCore

/// BODY[section] and BINARY[part] data (RFC 9051 §6.4.5, RFC 3516 §4.2),
/// cut from the raw message with the byte offsets of the MIME tree parsed
/// at delivery. The message is either whole or the excerpts FETCH read from
/// the store (`readRange` says which bytes each section needs, so a header
/// FETCH of a 30 MB message reads the header only). Offsets are clamped to
/// the message, so a damaged structure gives short data, never a crash.
enum MessageSection {
    /// Where a section's data lies in the raw message.
    enum Extent {
        /// These bytes, as they are (clamped to the message).
        case bytes(Range<Int>)
        /// The header in this range, reduced to the fields `filter` keeps.
        case headerFields(Range<Int>, HeaderFieldFilter)
    }

    /// Where the data `section` names lies, nil when the message has no
    /// such part (the response then carries NIL).
    static func extent(_ section: SectionSpecifier, root: MIMEPart) -> Extent? {
        guard !section.part.isEmpty else {
            // An empty part path is the message itself.
            guard let text = section.text else { return .bytes(0..<Int.max) }
            return messageText(text, of: root)
        }
        guard let part = root.part(at: section.part) else { return nil }
        switch section.text {
        case nil:
            // A part's body; for message/rfc822 the whole encapsulated message.
            return .bytes(body(of: part))
        case .mime:
            return .bytes(header(of: part))
        case .header, .headerFields, .headerFieldsNot, .text:
            // Only a message/rfc822 part has a header and text of its own.
            guard part.isMessage, let inner = part.parts.first else { return nil }
            return messageText(section.text!, of: inner)
        }
    }

    /// HEADER, HEADER.FIELDS, HEADER.FIELDS.NOT or TEXT of the message
    /// whose root part is `root`.
    static func messageText(_ text: SectionText, of root: MIMEPart) -> Extent? {
        switch text {
        case .header:
            return .bytes(header(of: root))
        case .text:
            return .bytes(body(of: root))
        case .mime:
            return nil
        case .headerFields(let names):
            return .headerFields(header(of: root), .only(names))
        case .headerFieldsNot(let names):
            return .headerFields(header(of: root), .except(names))
        }
    }

    /// The bytes of the message that `data(section, partial, ...)` reads:
    /// only the `<partial>` window of a plain section, the whole header for
    /// HEADER.FIELDS (filtered first, cut after). nil when there is no such part.
    static func readRange(_ section: SectionSpecifier, _ partial: PartialRange?, root: MIMEPart) -> Range<Int>? {
        switch extent(section, root: root) {
        case nil: return nil
        case .bytes(let range): return narrowed(range, to: partial)
        case .headerFields(let range, _): return range
        }
    }

    /// The bytes of the message that are the data of `section` with
    /// `<partial>` applied, when that data is those bytes as they are
    /// (everything but HEADER.FIELDS and HEADER.FIELDS.NOT, which filter
    /// the header): what FETCH can stream. nil otherwise or for no such part.
    static func plainRange(_ section: SectionSpecifier, _ partial: PartialRange?, root: MIMEPart) -> Range<Int>? {
        guard case .bytes(let range) = extent(section, root: root) else { return nil }
        return narrowed(range, to: partial)
    }

    /// The data of `section` with `<partial>` applied, nil when the message
    /// has no such part.
    static func data(_ section: SectionSpecifier, _ partial: PartialRange?, in message: some MessageBytes,
                     root: MIMEPart) -> [UInt8]? {
        switch extent(section, root: root) {
        case nil:
            return nil
        case .bytes(let range):
            return message.bytes(in: narrowed(range, to: partial))
        case .headerFields(let range, let filter):
            return self.partial(filter.apply(to: message.bytes(in: range)), partial)
        }
    }

    /// Where the part a BINARY or BINARY.SIZE item names lies, with the
    /// encoding its body is in. An empty path is the whole message, taken
    /// as it is.
    static func binarySource(_ path: [Int], root: MIMEPart) -> (range: Range<Int>, encoding: String)? {
        guard !path.isEmpty else { return (0..<Int.max, "binary") }
        guard let part = root.part(at: path) else { return nil }
        // Multiparts and messages carry no transfer encoding of their own
        // beyond 7bit/8bit/binary (RFC 2045 §6.4): their bodies go as they are.
        let encoding = part.isMultipart || part.isMessage ? "binary" : part.encoding
        return (body(of: part), encoding)
    }

    /// `<origin.length>` applied to section data (RFC 9051 §6.4.5): an
    /// origin past the end gives an empty string.
    static func partial(_ data: [UInt8], _ range: PartialRange?) -> [UInt8] {
        guard let range else { return data }
        let start = Int(range.offset)
        guard start < data.count else { return [] }
        let end = min(data.count, start + Int(range.length))
        return Array(data[start..<end])
    }

    /// The part of `range` that `<origin.length>` selects (RFC 9051 §6.4.5);
    /// empty when the origin is past its end. Cutting the message at the
    /// result equals cutting the section data with `partial`, because both
    /// are clamped to the message's end.
    static func narrowed(_ range: Range<Int>, to partial: PartialRange?) -> Range<Int> {
        guard let partial else { return range }
        let (start, overflow) = range.lowerBound.addingReportingOverflow(Int(partial.offset))
        guard !overflow, start < range.upperBound else { return range.upperBound..<range.upperBound }
        let (end, endOverflow) = start.addingReportingOverflow(Int(partial.length))
        return start..<(endOverflow ? range.upperBound : min(end, range.upperBound))
    }

    /// A part's header bytes (MIMEPart.headerRange, safe for any stored values).
    static func header(of part: MIMEPart) -> Range<Int> {
        range(part.headerOffset, part.headerSize)
    }

    /// A part's body bytes (MIMEPart.bodyRange, safe for any stored values).
    static func body(of part: MIMEPart) -> Range<Int> {
        range(part.bodyOffset, part.bodySize)
    }

    private static func range(_ offset: Int, _ size: Int) -> Range<Int> {
        let lower = max(offset, 0)
        let (upper, overflow) = lower.addingReportingOverflow(max(size, 0))
        return lower..<(overflow ? Int.max : upper)
    }

    static func slice(_ message: [UInt8], _ range: Range<Int>) -> [UInt8] {
        Array(message[clamped(range, count: message.count)])
    }

    static func clamped(_ range: Range<Int>, count: Int) -> Range<Int> {
        let lower = min(max(range.lowerBound, 0), count)
        let upper = min(max(range.upperBound, lower), count)
        return lower..<upper
    }
}
