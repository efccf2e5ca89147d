/// The text SEARCH compares strings against (RFC 9051 §6.4.4): header values
/// with RFC 2047 words decoded, and the text parts of the body with their
/// transfer encoding and charset undone. Comparisons are case-insensitive
/// substring matches on lower-cased UTF-8 (MailCore's `SearchFolding`, which
/// the store also uses for the search text it keeps).
public enum SearchText {
    /// Text folded for matching (`SearchFolding`), as UTF-8.
    public static func folded(_ text: String) -> [UInt8] {
        Array(SearchFolding.fold(text).utf8)
    }

    /// Every header field as `Name: decoded value` lines (part of TEXT).
    public static func header(_ header: MessageHeader) -> String {
        header.fields.map { $0.name + ": " + $0.decodedValue }.joined(separator: "\n")
    }

    /// The decoded text of every text/* part, and of the header and text
    /// parts of encapsulated messages (what BODY searches). Other parts
    /// (attachments) are not searched.
    public static func body(_ message: [UInt8], root: MIMEPart) -> String {
        var output = ""
        appendText(of: root, in: message, to: &output)
        return output
    }

    private static func appendText(of part: MIMEPart, in message: [UInt8], to output: inout String) {
        if part.isMultipart {
            for child in part.parts { appendText(of: child, in: message, to: &output) }
            return
        }
        if part.isMessage, let inner = part.parts.first {
            let range = clamped(inner.headerOffset, inner.headerSize, count: message.count)
            output += header(MessageHeader.parse(message, in: range)) + "\n"
            appendText(of: inner, in: message, to: &output)
            return
        }
        guard part.type == "text" else { return }
        let raw = message[clamped(part.bodyOffset, part.bodySize, count: message.count)]
        let decoded = TransferDecoding.decode(raw, encoding: part.encoding) ?? Array(raw)
        output += decodeCharset(decoded, charset: part.parameters.value("charset")) + "\n"
    }

    /// Text in its declared charset; UTF-8 when none is declared, the
    /// declared one is US-ASCII (often mislabelled) or unknown.
    public static func decodeCharset(_ bytes: [UInt8], charset: String?) -> String {
        guard let charset, !["us-ascii", "ascii", "utf-8", "utf8"].contains(charset.lowercased()),
              let text = Charsets.decode(bytes, charset: charset) else {
            return String(decoding: bytes, as: UTF8.self)
        }
        return text
    }

    /// `offset..<offset+size` within `0..<count`, safe for any stored
    /// values (as IMAP's `MessageSection.clamped` reads a part).
    private static func clamped(_ offset: Int, _ size: Int, count: Int) -> Range<Int> {
        let lower = min(max(offset, 0), count)
        let (end, overflow) = lower.addingReportingOverflow(max(size, 0))
        return lower..<(overflow ? count : min(end, count))
    }

    /// What the full-text index keeps of a message (v14): the folded text
    /// TEXT and HEADER compare against (`header`), and the folded decoded
    /// text parts BODY and TEXT compare against (`body`) — the same strings
    /// SEARCH's exact rule reads, so the index can only narrow.
    public static func indexed(_ message: [UInt8], parsed: ParsedMessage) -> (header: String, body: String) {
        let header = SearchFolding.fold(self.header(MessageHeader.parse(message)))
        let body = SearchFolding.fold(self.body(message, root: parsed.root))
        return (header, body)
    }
}
