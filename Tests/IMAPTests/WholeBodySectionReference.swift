@testable import IMAP
import MailCore

/// Today's (before ranged reads) whole-body extraction, kept verbatim as the
/// reference the ranged extraction must match byte for byte.
/// BODY[section] and BINARY[part] data (RFC 9051 §6.4.5, RFC 3516 §4.2),
/// cut from the raw message with the byte offsets of the MIME tree parsed
/// at delivery. Offsets are clamped to the message, so a damaged structure
/// gives short data, never a crash.
enum WholeBodySectionReference {
    /// The bytes `section` names, nil when the message has no such part
    /// (the response then carries NIL).
    static func data(_ section: SectionSpecifier, in message: [UInt8], root: MIMEPart) -> [UInt8]? {
        guard !section.part.isEmpty else {
            // An empty part path is the message itself.
            guard let text = section.text else { return message }
            return messageText(text, of: root, in: message)
        }
        guard let part = root.part(at: section.part) else { return nil }
        switch section.text {
        case nil:
            // A part's body; for message/rfc822 the whole encapsulated message.
            return slice(message, body(of: part))
        case .mime:
            return slice(message, header(of: part))
        case .header, .headerFields, .headerFieldsNot, .text:
            // Only a message/rfc822 part has a header and text of its own.
            guard part.isMessage, let inner = part.parts.first else { return nil }
            return messageText(section.text!, of: inner, in: message)
        }
    }

    /// HEADER, HEADER.FIELDS, HEADER.FIELDS.NOT or TEXT of the message
    /// whose root part is `root`.
    static func messageText(_ text: SectionText, of root: MIMEPart, in message: [UInt8]) -> [UInt8]? {
        switch text {
        case .header:
            return slice(message, header(of: root))
        case .text:
            return slice(message, body(of: root))
        case .mime:
            return nil
        case .headerFields(let names):
            return headerFields(of: root, in: message) { field in names.contains { field.hasName($0) } }
        case .headerFieldsNot(let names):
            return headerFields(of: root, in: message) { field in !names.contains { field.hasName($0) } }
        }
    }

    /// The fields of the header that `keep` selects, exactly as written,
    /// followed by the empty line that ends a header (RFC 9051 §6.4.5: the
    /// subset of the header, names compared case-insensitively).
    static func headerFields(of root: MIMEPart, in message: [UInt8],
                             keep: (HeaderField) -> Bool) -> [UInt8] {
        let range = clamped(header(of: root), count: message.count)
        let header = MessageHeader.parse(message, in: range)
        var output: [UInt8] = []
        for field in header.fields where keep(field) {
            let fieldRange = clamped(field.offset..<(field.offset + field.length), count: message.count)
            output.append(contentsOf: message[fieldRange])
            if output.last != 0x0A { output.append(contentsOf: [0x0D, 0x0A]) }
        }
        output.append(contentsOf: [0x0D, 0x0A])
        return output
    }

    /// The part a BINARY or BINARY.SIZE item names, with the encoding its
    /// body is in. An empty path is the whole message, taken as it is.
    static func binarySource(_ path: [Int], in message: [UInt8], root: MIMEPart)
        -> (bytes: ArraySlice<UInt8>, encoding: String)? {
        guard !path.isEmpty else { return (message[...], "binary") }
        guard let part = root.part(at: path) else { return nil }
        // Multiparts and messages carry no transfer encoding of their own
        // beyond 7bit/8bit/binary (RFC 2045 §6.4): their bodies go as they are.
        let encoding = part.isMultipart || part.isMessage ? "binary" : part.encoding
        return (message[clamped(body(of: part), count: message.count)], encoding)
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
