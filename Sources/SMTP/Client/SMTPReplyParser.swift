// The client side of RFC 5321 §4.2: replies as the remote server sends
// them, one or more lines "code-text" ... "code SP text", with the RFC 2034
// enhanced status code in front of the text. Input is bounded: a line may
// not exceed `maxLineLength` octets and a reply `maxLines` lines, so a
// hostile server cannot make the client buffer without end.

/// One reply as received: the code and the text of each line (after the
/// code and its separator).
struct SMTPReceivedReply: Sendable, Hashable {
    var code: Int
    var lines: [String]

    /// The reply with its enhanced status code taken out of the text
    /// (RFC 2034 §3: every line carries it; the first line's is kept when
    /// its class matches the reply's first digit) and the lines joined by spaces.
    var reply: SMTPClientReply {
        guard let first = lines.first, let status = SMTPReceivedReply.enhancedStatus(in: first),
              status.first == Character(String(code / 100)) else {
            return SMTPClientReply(code: code, text: SMTPReceivedReply.join(lines))
        }
        let stripped = lines.map { line -> String in
            guard line.hasPrefix(status) else { return line }
            return String(line.dropFirst(status.count).drop { $0 == " " })
        }
        return SMTPClientReply(code: code, enhancedStatus: status, text: SMTPReceivedReply.join(stripped))
    }

    private static func join(_ lines: [String]) -> String {
        lines.map { $0.trimmingSpaces }.filter { !$0.isEmpty }.joined(separator: " ")
    }

    /// RFC 3463 §2 `class "." subject "." detail` at the start of `text`,
    /// followed by a space or the end: class 2, 4 or 5, subject and detail
    /// of one to three digits.
    static func enhancedStatus(in text: String) -> String? {
        let token = text.prefix { $0 != " " }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, ["2", "4", "5"].contains(parts[0]),
              parts[1...].allSatisfy({ (1...3).contains($0.count) && $0.allSatisfy(\.isASCIIDigit) }) else {
            return nil
        }
        return String(token)
    }
}

/// Why the bytes from the server are not a valid reply.
enum SMTPReplyParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A line longer than `SMTPReplyParser.maxLineLength`.
    case lineTooLong
    /// A reply of more than `SMTPReplyParser.maxLines` lines.
    case tooManyLines
    /// A line that is not `3DIGIT [("-" / SP) text]`.
    case malformedLine(String)
    /// A continuation line whose code differs from the first line's (RFC 5321 §4.2.1).
    case inconsistentCode(String)

    var description: String {
        switch self {
        case .lineTooLong: return "reply line longer than \(SMTPReplyParser.maxLineLength) octets"
        case .tooManyLines: return "reply of more than \(SMTPReplyParser.maxLines) lines"
        case let .malformedLine(line): return "malformed reply line \"\(line)\""
        case let .inconsistentCode(line): return "reply line with another code \"\(line)\""
        }
    }
}

/// An incremental parser of server replies: `append` what was read, then
/// take complete replies with `next()` until it gives nil.
struct SMTPReplyParser: Sendable {
    /// RFC 5321 §4.5.3.1.5 allows 512 octets per reply line; some servers send more.
    static let maxLineLength = 4096
    static let maxLines = 100

    private var buffer: [UInt8] = []
    private var start = 0
    private var code: Int?
    private var lines: [String] = []

    init() {}

    /// Octets received but not yet part of a returned reply.
    var bufferedByteCount: Int { buffer.count - start }

    /// True while a multi-line reply has begun and not ended.
    var isInsideReply: Bool { code != nil }

    mutating func append<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        if start > 0 && start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        } else if start > 4096 {
            buffer.removeFirst(start)
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next complete reply, nil when more input is needed.
    mutating func next() throws(SMTPReplyParseError) -> SMTPReceivedReply? {
        while let lineFeed = buffer[start...].firstIndex(of: 0x0A) {
            var end = lineFeed
            if end > start && buffer[end - 1] == 0x0D { end -= 1 }
            let line = Array(buffer[start..<end])
            start = lineFeed + 1
            guard line.count <= SMTPReplyParser.maxLineLength else { throw .lineTooLong }
            if let reply = try take(line) { return reply }
        }
        if buffer.count - start > SMTPReplyParser.maxLineLength { throw .lineTooLong }
        return nil
    }

    /// Adds one line to the reply being read; returns the reply on its last line.
    private mutating func take(_ line: [UInt8]) throws(SMTPReplyParseError) -> SMTPReceivedReply? {
        let shown = SMTPReplyParser.printable(line.prefix(80))
        guard line.count >= 3, line[0] >= 0x32, line[0] <= 0x35, line[1] >= 0x30, line[1] <= 0x35,
              line[2] >= 0x30, line[2] <= 0x39 else {
            throw .malformedLine(shown)
        }
        let lineCode = Int(line[0] - 0x30) * 100 + Int(line[1] - 0x30) * 10 + Int(line[2] - 0x30)
        let isLast: Bool
        if line.count == 3 {
            isLast = true
        } else if line[3] == 0x20 {
            isLast = true
        } else if line[3] == 0x2D {
            isLast = false
        } else {
            throw .malformedLine(shown)
        }
        if let code, code != lineCode { throw .inconsistentCode(shown) }
        code = lineCode
        lines.append(SMTPReplyParser.printable(line.dropFirst(min(4, line.count))))
        guard lines.count <= SMTPReplyParser.maxLines else { throw .tooManyLines }
        guard isLast else { return nil }
        let reply = SMTPReceivedReply(code: lineCode, lines: lines)
        code = nil
        lines = []
        return reply
    }

    /// The text of a line as UTF-8 (invalid sequences replaced) without control characters.
    static func printable<Bytes: Collection>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        let text = String(decoding: bytes, as: UTF8.self)
        return String(String.UnicodeScalarView(text.unicodeScalars.map {
            ($0.value < 0x20 && $0 != "\t") || $0.value == 0x7F ? "?" : $0
        }))
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}

extension String {
    fileprivate var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
