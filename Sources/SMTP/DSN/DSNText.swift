// Text helpers of the DSN builder: field values safe from header
// injection, RFC 3463 status codes, boundaries, the original's header.
import Foundation
import MailCore

enum DSNText {
    /// A header field value: CR, LF and other controls become spaces, runs
    /// of spaces collapse, long values are cut (RFC 5322 §2.1.1 998 octets).
    static func fieldValue(_ text: String) -> String {
        var result = ""
        var lastWasSpace = false
        for scalar in text.unicodeScalars {
            let isSpace = scalar.value < 0x20 || scalar.value == 0x7F || scalar == " "
            if isSpace {
                if !lastWasSpace && !result.isEmpty { result.unicodeScalars.append(" ") }
                lastWasSpace = true
            } else {
                result.unicodeScalars.append(scalar)
                lastWasSpace = false
            }
            if result.utf8.count > 900 { break }
        }
        while result.hasSuffix(" ") { result.removeLast() }
        return result
    }

    /// RFC 3463 §2: class "." subject "." detail. The class must agree
    /// with the action (a failure after the give-up time keeps its last
    /// transient 4.x.x), else a generic status is used.
    static func status(_ text: String, for action: DeliveryStatusNotification.Action) -> String {
        let allowedClasses: Set<Substring>
        let generic: String
        switch action {
        case .failed: allowedClasses = ["5", "4"]; generic = "5.0.0"
        case .delayed: allowedClasses = ["4"]; generic = "4.0.0"
        case .delivered, .relayed, .expanded: allowedClasses = ["2"]; generic = "2.0.0"
        }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        let valid = parts.count == 3 && allowedClasses.contains(parts[0])
            && parts[1].count <= 3 && parts[2].count <= 3
            && parts[1...].allSatisfy { !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }
        return valid ? text : generic
    }

    /// An RFC 5322 date-time.
    static func date(_ date: Date) -> String {
        MailDate(secondsSinceEpoch: Int64(date.timeIntervalSince1970.rounded(.down))).rfc5322
    }

    static func randomToken(_ length: Int) -> String {
        let digits = Array("0123456789abcdefghijklmnopqrstuvwxyz")
        return String((0..<length).map { _ in digits.randomElement()! })
    }

    /// A multipart boundary (RFC 2046 §5.1.1) found in none of `contents`.
    static func boundary(avoiding contents: [[UInt8]]) -> String {
        while true {
            let candidate = "=_tern_dsn_" + randomToken(24)
            let needle = Array(candidate.utf8)
            if !contents.contains(where: { contains($0, needle) }) { return candidate }
        }
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard needle.count <= haystack.count, let first = needle.first else { return false }
        var index = 0
        while index + needle.count <= haystack.count {
            if haystack[index] == first && haystack[index..<(index + needle.count)].elementsEqual(needle) { return true }
            index += 1
        }
        return false
    }

    /// The header block of a message: up to and including the empty line
    /// (or the whole message when it has no body).
    static func headerBlock(of message: [UInt8]) -> [UInt8] {
        var index = 0
        var lineStart = 0
        while index < message.count {
            if message[index] == 0x0A {
                let line = message[lineStart..<index]
                if line.isEmpty || (line.count == 1 && line.first == 0x0D) {
                    return Array(message[..<lineStart])
                }
                lineStart = index + 1
            }
            index += 1
        }
        return message
    }

    /// Bare LF and bare CR become CRLF (RFC 5322 §2.3), so the
    /// notification is valid SMTP DATA.
    static func crlfNormalized(_ bytes: [UInt8]) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count + bytes.count / 32)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x0D {
                result += [0x0D, 0x0A]
                if index + 1 < bytes.count && bytes[index + 1] == 0x0A { index += 1 }
            } else if byte == 0x0A {
                result += [0x0D, 0x0A]
            } else {
                result.append(byte)
            }
            index += 1
        }
        return result
    }
}
