/// Builds the MIME tree of a message (RFC 2045, RFC 2046) with byte offsets.
/// Never fails: a malformed structure gives the closest sensible tree.
public enum MIMEParser {
    /// Multipart and message/rfc822 nesting deeper than this is not
    /// descended into (the part becomes application/octet-stream).
    public static let maxDepth = 40
    /// At most this many parts are built per message.
    public static let maxParts = 5000

    /// Parses the message occupying `range` of `bytes` (the whole message by
    /// default) and returns its header, root part and envelope.
    public static func parseMessage(_ bytes: [UInt8], in range: Range<Int>? = nil)
        -> (header: MessageHeader, root: MIMEPart, envelope: Envelope) {
        var budget = maxParts
        return parseMessage(bytes, in: range ?? 0..<bytes.count, depth: 0, budget: &budget)
    }

    static func parseMessage(_ bytes: [UInt8], in range: Range<Int>, depth: Int, budget: inout Int)
        -> (header: MessageHeader, root: MIMEPart, envelope: Envelope) {
        let header = MessageHeader.parse(bytes, in: range)
        let root = parsePart(bytes, header: header, end: range.upperBound, inDigest: false, depth: depth, budget: &budget)
        return (header, root, Envelope(header: header))
    }

    /// Parses one part whose header has been read; its body runs to `end`.
    static func parsePart(_ bytes: [UInt8], header: MessageHeader, end: Int, inDigest: Bool, depth: Int,
                          budget: inout Int) -> MIMEPart {
        budget -= 1
        var part = MIMEPart()
        if let field = header.field("Content-Type"),
           let contentType = MIMEHeaderValue.parseContentType(field.unfoldedBytes) {
            part.type = contentType.type
            part.subtype = contentType.subtype
            part.parameters = contentType.parameters
        } else if inDigest {
            // RFC 2046 §5.1.5: the default inside multipart/digest.
            part.type = "message"
            part.subtype = "rfc822"
            part.parameters = []
        }
        if let field = header.field("Content-Transfer-Encoding") {
            var scanner = StructuredScanner(field.unfoldedBytes)
            if let token = scanner.token() { part.encoding = ByteText.asciiLowercased(token) }
        }
        part.contentID = header["Content-ID"]
        part.contentDescription = header["Content-Description"]
        part.location = header["Content-Location"]
        part.md5 = header["Content-MD5"]
        if let field = header.field("Content-Disposition"),
           let disposition = MIMEHeaderValue.parseDisposition(field.unfoldedBytes) {
            part.disposition = disposition.type
            part.dispositionParameters = disposition.parameters
        }
        if let field = header.field("Content-Language") {
            part.language = languageTags(field.unfoldedBytes)
        }
        part.headerOffset = header.headerOffset
        part.headerSize = header.headerSize
        part.bodyOffset = header.bodyOffset
        let body = header.bodyOffset..<max(header.bodyOffset, end)
        part.bodySize = body.count
        part.bodyLines = ByteText.lineCount(bytes, body)

        let canDescend = depth < maxDepth && budget > 0
        if part.isMultipart {
            guard canDescend else { return opaque(part) }
            guard let boundary = part.parameters.value("boundary"), !boundary.isEmpty, boundary.utf8.count <= 200 else {
                // No usable boundary: the body is read as plain text.
                part.type = "text"
                part.subtype = "plain"
                part.parameters = [MIMEParameter(name: "charset", value: "us-ascii")]
                return part
            }
            let ranges = partRanges(bytes, body: body, boundary: Array(boundary.utf8))
            for range in ranges where budget > 0 {
                let childHeader = MessageHeader.parse(bytes, in: range)
                part.parts.append(parsePart(bytes, header: childHeader, end: range.upperBound,
                                            inDigest: part.subtype == "digest", depth: depth + 1, budget: &budget))
            }
            if part.parts.isEmpty {
                // IMAP needs at least one child: an empty text/plain part, as Dovecot sends.
                part.parts = [MIMEPart(headerOffset: body.lowerBound, bodyOffset: body.lowerBound)]
            }
        } else if part.isMessage {
            guard canDescend else { return opaque(part) }
            let inner = parseMessage(bytes, in: body, depth: depth + 1, budget: &budget)
            part.parts = [inner.root]
            part.envelope = inner.envelope
        }
        return part
    }

    /// A container part not descended into, presented as opaque data.
    private static func opaque(_ part: MIMEPart) -> MIMEPart {
        var leaf = part
        leaf.type = "application"
        leaf.subtype = "octet-stream"
        leaf.parameters = []
        return leaf
    }

    /// The byte ranges of the body parts of a multipart body (RFC 2046 §5.1.1).
    /// A delimiter is a line "--boundary" followed by optional whitespace;
    /// "--boundary--" closes. The line break before a delimiter belongs to
    /// the delimiter. Without a close delimiter the last part runs to the
    /// end of the body; text before the first delimiter is the preamble and
    /// text after the close delimiter the epilogue, both ignored.
    static func partRanges(_ bytes: [UInt8], body: Range<Int>, boundary: [UInt8]) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var openStart: Int? = nil
        var lineStart = body.lowerBound
        while lineStart < body.upperBound {
            var lineEnd = lineStart
            while lineEnd < body.upperBound && bytes[lineEnd] != ByteText.lf { lineEnd += 1 }
            let nextLine = lineEnd < body.upperBound ? lineEnd + 1 : lineEnd
            if let isClose = delimiter(bytes, line: lineStart..<lineEnd, boundary: boundary) {
                if let start = openStart {
                    // Strip the line break preceding the delimiter line.
                    var end = lineStart
                    if end > start && bytes[end - 1] == ByteText.lf { end -= 1 }
                    if end > start && bytes[end - 1] == ByteText.cr { end -= 1 }
                    ranges.append(start..<end)
                }
                if isClose { return ranges }
                openStart = nextLine
            }
            lineStart = nextLine
        }
        if let start = openStart {
            ranges.append(start..<max(start, body.upperBound))
        }
        return ranges
    }

    /// nil when `line` is not a delimiter for `boundary`; true for a close delimiter.
    private static func delimiter(_ bytes: [UInt8], line: Range<Int>, boundary: [UInt8]) -> Bool? {
        let length = 2 + boundary.count
        guard line.count >= length, bytes[line.lowerBound] == 0x2D, bytes[line.lowerBound + 1] == 0x2D else { return nil }
        for (offset, byte) in boundary.enumerated() where bytes[line.lowerBound + 2 + offset] != byte {
            return nil
        }
        var index = line.lowerBound + length
        if index + 1 < line.upperBound, bytes[index] == 0x2D, bytes[index + 1] == 0x2D { return true }
        // Transport padding (RFC 2046 §5.1.1): only whitespace may follow.
        while index < line.upperBound {
            guard ByteText.isWhitespace(bytes[index]) else { return nil }
            index += 1
        }
        return false
    }

    /// Content-Language tags (RFC 3282): comma-separated, comments ignored.
    static func languageTags(_ value: [UInt8]) -> [String] {
        var scanner = StructuredScanner(value)
        var tags: [String] = []
        while !scanner.atEnd && tags.count < 50 {
            if scanner.consume(0x2C) { continue }
            if let tag = scanner.token() { tags.append(tag) } else { scanner.skipPastSemicolon(); _ = scanner.consume(0x3B) }
        }
        return tags
    }
}
