import Foundation

/// Writes messages in the mboxrd format (RFC 4155 and its appendix): a
/// `From SENDER DATE` separator, the message with LF line endings, every
/// line matching `>*From ` quoted with one more `>`, and an empty line after
/// each message, so `MboxReader` gives back the exact message.
public enum MboxWriter {
    /// One message as mboxrd bytes: separator, quoted body with CRLF turned
    /// into LF, a final LF if the message lacked one, then the empty line.
    public static func entry(message: [UInt8], sender: String, date: Date) -> [UInt8] {
        var output = MboxSeparator(sender: sender, date: date).line
        output.reserveCapacity(output.count + message.count + message.count / 40 + 2)
        var lineStart = 0
        while lineStart < message.count {
            let newline = message[lineStart...].firstIndex(of: 0x0A)
            var lineEnd = newline ?? message.count
            let contentEnd = lineEnd > lineStart && message[lineEnd - 1] == 0x0D && newline != nil ? lineEnd - 1 : lineEnd
            let line = message[lineStart..<contentEnd]
            if needsQuoting(line) { output.append(UInt8(ascii: ">")) }
            output.append(contentsOf: line)
            output.append(0x0A)
            if newline != nil { lineEnd += 1 }
            lineStart = lineEnd
        }
        output.append(0x0A)
        return output
    }

    /// True for a line matching `>*From ` (mboxrd quoting).
    static func needsQuoting(_ line: ArraySlice<UInt8>) -> Bool {
        let rest = line.drop(while: { $0 == UInt8(ascii: ">") })
        return rest.starts(with: MboxSeparator.fromPrefix)
    }

    /// The envelope sender for the separator line: the address of the
    /// `Return-Path:` header, else of `From:`, else `MAILER-DAEMON`.
    public static func envelopeSender(of message: [UInt8]) -> String {
        var returnPath: String?
        var from: String?
        var lineStart = 0
        while lineStart < message.count {
            let lineEnd = message[lineStart...].firstIndex(of: 0x0A) ?? message.count
            let line = String(decoding: message[lineStart..<lineEnd], as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty { break } // end of the header section
            let lower = line.lowercased()
            if returnPath == nil, lower.hasPrefix("return-path:") {
                returnPath = address(in: String(line.dropFirst("return-path:".count)))
            } else if from == nil, lower.hasPrefix("from:") {
                from = address(in: String(line.dropFirst("from:".count)))
            }
            lineStart = lineEnd + 1
        }
        return [returnPath, from].compactMap { $0 }.first { !$0.isEmpty } ?? "MAILER-DAEMON"
    }

    /// The address inside `<...>`, else the first token containing `@`.
    private static func address(in value: String) -> String? {
        if let open = value.firstIndex(of: "<"), let close = value[open...].firstIndex(of: ">") {
            let inner = value[value.index(after: open)..<close]
            return inner.isEmpty ? nil : String(inner).replacingOccurrences(of: " ", with: "")
        }
        return value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," })
            .first(where: { $0.contains("@") }).map(String.init)
    }
}
