import MailCore

/// The text SEARCH compares strings against (RFC 9051 §6.4.4): header values
/// with RFC 2047 words decoded, and the text parts of the body with their
/// transfer encoding and charset undone. Comparisons are case-insensitive
/// substring matches on lower-cased UTF-8 (MailCore's `SearchFolding`, which
/// the store also uses for the search text it keeps).
enum SearchText {
    /// Text folded for matching (`SearchFolding`), as UTF-8.
    static func folded(_ text: String) -> [UInt8] {
        Array(SearchFolding.fold(text).utf8)
    }

    /// Every header field as `Name: decoded value` lines (part of TEXT).
    static func header(_ header: MessageHeader) -> String {
        header.fields.map { $0.name + ": " + $0.decodedValue }.joined(separator: "\n")
    }

    /// The decoded text of every text/* part, and of the header and text
    /// parts of encapsulated messages (what BODY searches). Other parts
    /// (attachments) are not searched.
    static func body(_ message: [UInt8], root: MIMEPart) -> String {
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
            let range = MessageSection.clamped(MessageSection.header(of: inner), count: message.count)
            output += header(MessageHeader.parse(message, in: range)) + "\n"
            appendText(of: inner, in: message, to: &output)
            return
        }
        guard part.type == "text" else { return }
        let raw = message[MessageSection.clamped(MessageSection.body(of: part), count: message.count)]
        let decoded = TransferDecoding.decode(raw, encoding: part.encoding) ?? Array(raw)
        output += decodeCharset(decoded, charset: part.parameters.value("charset")) + "\n"
    }

    /// Text in its declared charset; UTF-8 when none is declared, the
    /// declared one is US-ASCII (often mislabelled) or unknown.
    static func decodeCharset(_ bytes: [UInt8], charset: String?) -> String {
        guard let charset, !["us-ascii", "ascii", "utf-8", "utf8"].contains(charset.lowercased()),
              let text = Charsets.decode(bytes, charset: charset) else {
            return String(decoding: bytes, as: UTF8.self)
        }
        return text
    }
}
