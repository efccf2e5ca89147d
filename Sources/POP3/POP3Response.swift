// Encodes POP3 replies: RFC 1939 §3 status lines and multi-line responses,
// RFC 2449 §8 extended response codes, RFC 5034 §4 SASL continuations.
import MailCore

/// RFC 2449 §8 and RFC 3206 extended response codes, sent in brackets after `-ERR`.
public enum POP3ResponseCode: String, Sendable, Equatable {
    /// RFC 2449 §8.1.1: the maildrop is in use by another session.
    case inUse = "IN-USE"
    /// RFC 2449 §8.1.2: the user logs in too often.
    case loginDelay = "LOGIN-DELAY"
    /// RFC 3206 §4: a temporary system problem; trying again later may work.
    case systemTemporary = "SYS/TEMP"
    /// RFC 3206 §4: a permanent system problem.
    case systemPermanent = "SYS/PERM"
    /// RFC 3206 §5: the failure is due to the credentials or their use.
    case authentication = "AUTH"
}

/// One reply of the server.
public enum POP3Response: Sendable, Equatable {
    /// `+OK text`.
    case ok(String)
    /// `-ERR [CODE] text`.
    case error(POP3ResponseCode?, String)
    /// `+OK text` followed by text lines and the terminating `.` (CAPA, LIST, UIDL).
    case lines(String, [String])
    /// `+OK text` followed by a message (or part of it) and the terminating `.` (RETR, TOP).
    /// The message is sent byte for byte, dot-stuffed, ending in CRLF.
    case message(String, [UInt8])
    /// RFC 5034 §4 server challenge: `+ base64` (`+ ` alone for an empty challenge).
    case challenge(String)

    private static let crlf: [UInt8] = [0x0D, 0x0A]
    private static let terminator: [UInt8] = Array(".\r\n".utf8)

    /// The reply as sent on the wire.
    public func encoded() -> [UInt8] {
        switch self {
        case .ok(let text):
            return Self.statusLine("+OK", text)
        case .error(let code, let text):
            return Self.statusLine("-ERR", code.map { "[\($0.rawValue)] \(text)" } ?? text)
        case .lines(let text, let lines):
            var bytes = Self.statusLine("+OK", text)
            for line in lines {
                // RFC 1939 §3: a line starting with "." is byte-stuffed.
                if line.hasPrefix(".") { bytes.append(0x2E) }
                bytes += Self.sanitized(line).utf8
                bytes += Self.crlf
            }
            return bytes + Self.terminator
        case .message(let text, let body):
            var bytes = Self.statusLine("+OK", text)
            bytes += DotStuffing.stuff(body)
            return bytes + Self.terminator
        case .challenge(let base64):
            return Array("+ \(Self.sanitized(base64))\r\n".utf8)
        }
    }

    private static func statusLine(_ status: String, _ text: String) -> [UInt8] {
        let text = sanitized(text)
        return Array((text.isEmpty ? status : "\(status) \(text)").utf8) + crlf
    }

    /// Keeps CR and LF (and other controls) out of a reply line, so nothing a
    /// client sent can forge an extra reply line.
    private static func sanitized(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return text }
        return String(String.UnicodeScalarView(text.unicodeScalars.map {
            $0.value < 0x20 || $0.value == 0x7F ? " " : $0
        }))
    }
}
