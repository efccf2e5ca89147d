import MailCore

/// The text SEARCH compares strings against (RFC 9051 §6.4.4): header values
/// with RFC 2047 words decoded, and the text parts of the body with their
/// transfer encoding and charset undone. Comparisons are case-insensitive
/// substring matches on lower-cased UTF-8.
enum SearchText {
    /// The needle of a search key: the client's bytes (UTF-8 or US-ASCII,
    /// the only CHARSETs accepted) lower-cased.
    static func needle(_ bytes: [UInt8]) -> [UInt8] {
        Array(String(decoding: bytes, as: UTF8.self).lowercased().utf8)
    }

    /// Text lower-cased for matching.
    static func folded(_ text: String) -> [UInt8] {
        Array(text.lowercased().utf8)
    }

    /// True when `needle` occurs in `haystack` (both already folded).
    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty else { return true }
        guard haystack.count >= needle.count else { return false }
        let first = needle[0]
        var index = 0
        let last = haystack.count - needle.count
        while index <= last {
            if haystack[index] == first {
                var offset = 1
                while offset < needle.count && haystack[index + offset] == needle[offset] { offset += 1 }
                if offset == needle.count { return true }
            }
            index += 1
        }
        return false
    }

    /// An address list as one string: `Name <local@domain>` per address,
    /// display names decoded (what FROM, TO, CC and BCC search).
    static func addresses(_ list: [EnvelopeAddress]) -> String {
        list.map { address in
            var text = ""
            if let name = address.name { text += EncodedWords.decode(name) + " " }
            if let mailbox = address.mailbox {
                text += "<" + mailbox
                if let host = address.host { text += "@" + host }
                text += ">"
            }
            return text
        }.joined(separator: ", ")
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
