// ESMTP parameters of MAIL and RCPT (RFC 5321 §4.1.2 Mail-parameters and
// Rcpt-parameters): RFC 1870 SIZE, RFC 6152 / RFC 3030 BODY, RFC 6531
// SMTPUTF8, RFC 3461 DSN (RET, ENVID, NOTIFY, ORCPT), RFC 4954 §5 AUTH.

/// RFC 6152 §2 and RFC 3030 §3 BODY values.
public enum MessageBodyType: String, Sendable, Equatable, CaseIterable {
    case sevenBit = "7BIT"
    case eightBitMIME = "8BITMIME"
    case binaryMIME = "BINARYMIME"
}

/// RFC 3461 §4.3 RET: what a failure notification returns.
public enum DSNReturn: String, Sendable, Equatable, CaseIterable {
    case full = "FULL"
    case headers = "HDRS"
}

/// RFC 3461 §4.1 NOTIFY: `NEVER`, or a list of SUCCESS, FAILURE, DELAY.
public enum DSNNotify: Sendable, Hashable {
    case never
    case on(success: Bool, failure: Bool, delay: Bool)

    /// The parameter value as written.
    public var value: String {
        switch self {
        case .never:
            return "NEVER"
        case .on(let success, let failure, let delay):
            var names: [String] = []
            if success { names.append("SUCCESS") }
            if failure { names.append("FAILURE") }
            if delay { names.append("DELAY") }
            return names.joined(separator: ",")
        }
    }
}

/// RFC 3461 §4.2 ORCPT: `addr-type ";" xtext`, kept decoded.
public struct OriginalRecipient: Sendable, Hashable {
    /// The address type, e.g. `rfc822` or `utf-8` (RFC 6533).
    public var addressType: String
    /// The original address (xtext-decoded).
    public var address: String
    public init(addressType: String, address: String) {
        self.addressType = addressType
        self.address = address
    }
}

/// RFC 4954 §5 AUTH parameter of MAIL: `AUTH=<>` or `AUTH=mailbox`.
public enum MailAuthParameter: Sendable, Hashable {
    /// `<>`: the submitter is unknown or not trusted.
    case unknown
    /// The xtext-decoded mailbox the message was originally submitted by.
    case identity(String)
}

/// The parameters of a MAIL command.
public struct MailParameters: Sendable, Hashable {
    /// RFC 1870 declared message size.
    public var size: Int?
    public var body: MessageBodyType?
    /// RFC 6531 §3.4: the envelope or message may hold UTF-8.
    public var smtpUTF8: Bool
    public var ret: DSNReturn?
    /// RFC 3461 §4.4 ENVID (xtext-decoded).
    public var envelopeID: String?
    public var auth: MailAuthParameter?

    public init(size: Int? = nil, body: MessageBodyType? = nil, smtpUTF8: Bool = false, ret: DSNReturn? = nil,
                envelopeID: String? = nil, auth: MailAuthParameter? = nil) {
        self.size = size
        self.body = body
        self.smtpUTF8 = smtpUTF8
        self.ret = ret
        self.envelopeID = envelopeID
        self.auth = auth
    }

    public var isEmpty: Bool { self == MailParameters() }
}

/// The parameters of a RCPT command.
public struct RecipientParameters: Sendable, Hashable {
    public var notify: DSNNotify?
    public var originalRecipient: OriginalRecipient?

    public init(notify: DSNNotify? = nil, originalRecipient: OriginalRecipient? = nil) {
        self.notify = notify
        self.originalRecipient = originalRecipient
    }

    public var isEmpty: Bool { notify == nil && originalRecipient == nil }
}

/// RFC 3461 §4 xtext: printable ASCII except `+` and `=`, other octets as `+XX`.
public enum XText {
    /// Decodes xtext; nil when malformed (a bad `+XX`, a control, SP or `=`).
    /// UTF-8 octets are let through as they are (RFC 6531 allows them with SMTPUTF8).
    public static func decode(_ text: Substring) -> String? {
        let bytes = Array(text.utf8)
        var output: [UInt8] = []
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "+") {
                guard index + 2 < bytes.count, let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2]) else { return nil }
                output.append(high << 4 | low)
                index += 3
                continue
            }
            guard byte > 0x20, byte != 0x7F, byte != UInt8(ascii: "=") else { return nil }
            output.append(byte)
            index += 1
        }
        return String(validating: output, as: UTF8.self)
    }

    /// Encodes text as xtext (every octet outside `!`...`~`, and `+` and `=`, as `+XX`).
    public static func encode(_ text: String) -> String {
        var output = ""
        for byte in text.utf8 {
            if byte > 0x20 && byte < 0x7F && byte != UInt8(ascii: "+") && byte != UInt8(ascii: "=") {
                output.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                let hex = Array("0123456789ABCDEF".utf8)
                output += "+" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]], as: UTF8.self)
            }
        }
        return output
    }

    /// RFC 3461 §4: HEXCHAR is upper-case only.
    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
