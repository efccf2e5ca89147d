import Foundation

/// The short plain-text preview of a message (IMAP PREVIEW, RFC 8970 §3):
/// the start of its first readable text part with quoted lines left out,
/// HTML tags removed and runs of white space made one space, at most
/// `maximumCharacters` characters (the RFC allows 256).
public enum MessagePreview {
    public static let maximumCharacters = 200
    /// The octets of the source part's body read for a preview: enough
    /// for `maximumCharacters` after decoding, quoting and markup.
    public static let readLimit = 16 * 1024

    /// The part a preview is made from: depth first, the first text/plain
    /// part that is not an attachment, else the first such text/html; an
    /// encapsulated message's parts are not looked into. nil: no text.
    public static func source(in root: MIMEPart) -> MIMEPart? {
        firstText(in: root, subtype: "plain") ?? firstText(in: root, subtype: "html")
    }

    private static func firstText(in part: MIMEPart, subtype: String) -> MIMEPart? {
        if part.isMultipart {
            for child in part.parts {
                if let found = firstText(in: child, subtype: subtype) { return found }
            }
            return nil
        }
        guard part.type == "text", part.subtype == subtype,
              part.disposition?.lowercased() != "attachment" else { return nil }
        return part
    }

    /// The byte range of the message read for `source`'s preview.
    public static func readRange(of source: MIMEPart) -> Range<Int> {
        let lower = max(source.bodyOffset, 0)
        return lower..<(lower + min(max(source.bodySize, 0), readLimit))
    }

    /// The preview of `source` from the (start of its) body `bytes`.
    public static func text(source: MIMEPart, bytes: ArraySlice<UInt8>) -> String {
        let decoded = TransferDecoding.decode(bytes, encoding: source.encoding) ?? Array(bytes)
        var text = SearchText.decodeCharset(decoded, charset: source.parameters.value("charset"))
        if source.subtype == "html" { text = withoutMarkup(text) }
        return normalized(text)
    }

    /// Lines joined with single spaces, quoted lines (`>`) left out,
    /// control and replacement characters dropped, cut at `maximumCharacters`.
    static func normalized(_ text: String) -> String {
        var output = ""
        var pendingSpace = false
        var count = 0
        for line in text.split(omittingEmptySubsequences: true, whereSeparator: { $0.isNewline }) {
            if line.drop(while: { $0 == " " || $0 == "\t" }).first == ">" { continue }
            for character in line {
                // A character cut in two at the read limit decodes as U+FFFD: left out.
                if character == "\u{FFFD}" { continue }
                if character.isWhitespace || character.unicodeScalars.allSatisfy({ $0.properties.generalCategory == .control }) {
                    pendingSpace = !output.isEmpty
                    continue
                }
                if pendingSpace {
                    guard count + 1 < maximumCharacters else { return output }
                    output.append(" ")
                    count += 1
                    pendingSpace = false
                }
                guard count < maximumCharacters else { return output }
                output.append(character)
                count += 1
            }
            pendingSpace = !output.isEmpty
        }
        return output
    }

    /// HTML without tags, comments, and the content of `<style>`,
    /// `<script>` and `<head>`; the common entities decoded.
    static func withoutMarkup(_ html: String) -> String {
        var output = ""
        var rest = Substring(html)
        while let open = rest.firstIndex(of: "<") {
            output += decodeEntities(rest[..<open])
            let tagStart = rest[open...]
            if tagStart.hasPrefix("<!--") {
                guard let end = tagStart.range(of: "-->") else { return output }
                rest = tagStart[end.upperBound...]
                continue
            }
            guard let close = tagStart.firstIndex(of: ">") else { return output }
            let name = tagStart.dropFirst().prefix { $0.isLetter }.lowercased()
            rest = tagStart[tagStart.index(after: close)...]
            if ["style", "script", "head", "title"].contains(name) && !tagStart.hasPrefix("</") {
                guard let end = rest.range(of: "</" + name, options: .caseInsensitive) else { return output }
                rest = rest[end.upperBound...]
                if let afterTag = rest.firstIndex(of: ">") { rest = rest[rest.index(after: afterTag)...] }
            } else if ["p", "br", "div", "tr", "li"].contains(name) {
                output += "\n"
            }
        }
        return output + decodeEntities(rest)
    }

    /// `&amp;` last, so `&amp;lt;` stays `&lt;`.
    private static let entities = [("&nbsp;", " "), ("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&#39;", "'"),
                                   ("&apos;", "'"), ("&amp;", "&")]

    private static func decodeEntities(_ text: Substring) -> String {
        guard text.contains("&") else { return String(text) }
        var result = String(text)
        for (entity, value) in entities { result = result.replacingOccurrences(of: entity, with: value) }
        return result
    }
}
