// The bytes RETR and TOP send for a stored message (before dot-stuffing).
import MailCore

enum POP3MessageText {
    /// The message as sent by RETR, before dot-stuffing: the stored bytes,
    /// with any bare LF or CR turned into CRLF and a final CRLF when the last line
    /// lacks one (RFC 1939 §3: every line of a multi-line response ends in
    /// CRLF). Stored bodies are CRLF already, so this is normally the stored body.
    static func wireForm(_ stored: [UInt8]) -> [UInt8] {
        var message = LineEndings.isCRLFOnly(stored) ? stored : LineEndings.normalizeToCRLF(stored)
        if let last = message.last, last != 0x0A { message += [0x0D, 0x0A] }
        return message
    }

    /// RFC 1939 §7 TOP: the header, the blank line separating it from the
    /// body, then at most `lines` lines of the body. A message without a
    /// blank line is all header and is sent whole.
    static func top(_ message: [UInt8], lines: Int) -> [UInt8] {
        guard let bodyStart = bodyOffset(message) else { return message }
        var end = bodyStart
        var remaining = lines
        while remaining > 0, end < message.count {
            if let newline = message[end...].firstIndex(of: 0x0A) {
                end = newline + 1
            } else {
                end = message.count
            }
            remaining -= 1
        }
        return Array(message[..<end])
    }

    /// The offset just after the CRLF CRLF that ends the header, if any.
    static func bodyOffset(_ message: [UInt8]) -> Int? {
        // A message starting with an empty line has an empty header.
        if message.starts(with: [0x0D, 0x0A]) { return 2 }
        var index = 0
        while index + 3 < message.count {
            if message[index] == 0x0D, message[index + 1] == 0x0A,
               message[index + 2] == 0x0D, message[index + 3] == 0x0A {
                return index + 4
            }
            index += 1
        }
        return nil
    }
}
