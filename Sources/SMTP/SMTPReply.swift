// SMTP replies: RFC 5321 §4.2 reply codes and multi-line replies, with the
// enhanced status codes of RFC 2034 / RFC 3463.

/// The three-digit reply codes Tern sends (RFC 5321 §4.2.2 and §4.2.3,
/// RFC 4954 §6 for AUTH, RFC 3207 for STARTTLS).
public enum SMTPReplyCode: Int, Sendable, Equatable, CaseIterable {
    case helpMessage = 214
    case serviceReady = 220
    case closing = 221
    case authenticationSucceeded = 235
    case ok = 250
    case cannotVerify = 252
    case authenticationChallenge = 334
    case startMailInput = 354
    case serviceNotAvailable = 421
    case mailboxUnavailableTemporarily = 450
    case localError = 451
    case insufficientStorage = 452
    case temporaryAuthenticationFailure = 454
    case syntaxError = 500
    case parameterSyntaxError = 501
    case notImplemented = 502
    case badSequence = 503
    case parameterNotImplemented = 504
    case authenticationRequired = 530
    case authenticationFailed = 535
    case encryptionRequired = 538
    case mailboxUnavailable = 550
    case exceededStorage = 552
    case mailboxNameNotAllowed = 553
    case transactionFailed = 554
    case parametersNotRecognized = 555

    /// True for 4xx and 5xx.
    public var isError: Bool { rawValue >= 400 }
}

/// An RFC 3463 enhanced status code `class.subject.detail`, e.g. `5.1.1`.
public struct EnhancedStatusCode: Sendable, Hashable, CustomStringConvertible {
    public var codeClass: Int
    public var subject: Int
    public var detail: Int

    public init(_ codeClass: Int, _ subject: Int, _ detail: Int) {
        self.codeClass = codeClass
        self.subject = subject
        self.detail = detail
    }

    public var description: String { "\(codeClass).\(subject).\(detail)" }

    // RFC 3463 §3 and the IANA registry (RFC 5248) entries Tern uses.
    public static let success = EnhancedStatusCode(2, 0, 0)
    public static let destinationValid = EnhancedStatusCode(2, 1, 5)
    public static let senderValid = EnhancedStatusCode(2, 1, 0)
    public static let cannotVerify = EnhancedStatusCode(2, 5, 0)
    public static let authenticated = EnhancedStatusCode(2, 7, 0)
}

/// One reply: a code, an enhanced status code and one or more text lines.
public struct SMTPReply: Sendable, Equatable {
    public var code: SMTPReplyCode
    /// Sent before the text of each line (RFC 2034 §3); nil for the
    /// greeting, the EHLO/HELO reply, 334 and 354, which carry none.
    public var status: EnhancedStatusCode?
    public var lines: [String]

    public init(_ code: SMTPReplyCode, _ status: EnhancedStatusCode?, _ lines: [String]) {
        self.code = code
        self.status = status
        self.lines = lines.isEmpty ? [""] : lines
    }

    public init(_ code: SMTPReplyCode, _ status: EnhancedStatusCode?, _ text: String) {
        self.init(code, status, [text])
    }

    /// Shorthand for a reply whose enhanced code is given as `class.subject.detail`.
    public init(_ code: SMTPReplyCode, _ codeClass: Int, _ subject: Int, _ detail: Int, _ text: String) {
        self.init(code, EnhancedStatusCode(codeClass, subject, detail), [text])
    }

    /// The reply on the wire (RFC 5321 §4.2.1): `code-text` for every line
    /// but the last, `code SP text` for the last; the enhanced code is
    /// repeated on each line (RFC 2034 §3).
    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = []
        for (index, line) in lines.enumerated() {
            let separator = index == lines.count - 1 ? " " : "-"
            var text = Self.sanitized(line)
            if let status { text = text.isEmpty ? status.description : "\(status) \(text)" }
            bytes += "\(code.rawValue)\(separator)\(text)".utf8
            bytes += [0x0D, 0x0A]
        }
        return bytes
    }

    /// The encoded reply as text (for logs and tests).
    public var text: String { String(decoding: encoded(), as: UTF8.self) }

    /// Keeps CR, LF and other controls out of a reply line, so nothing a
    /// client sent can forge an extra reply line.
    static func sanitized(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return text }
        return String(String.UnicodeScalarView(text.unicodeScalars.map {
            $0.value < 0x20 || $0.value == 0x7F ? " " : $0
        }))
    }
}
