// The command lines the client sends (RFC 5321 §4.1.1), with the ESMTP
// parameters of SIZE (RFC 1870 §3), BODY (RFC 6152 §2), SMTPUTF8
// (RFC 6531 §3.4) and DSN (RFC 3461 §4: RET, ENVID, NOTIFY, ORCPT), the
// last two only when the server announced the extension.

import Foundation
import MailStore

extension XText {
    /// RFC 6533 §3 utf-8-addr-unitext: like xtext, but non-ASCII characters
    /// stay as they are (only over SMTPUTF8).
    static func encodeUnitext(_ text: String) -> String {
        var output = ""
        for scalar in text.unicodeScalars {
            if scalar.value > 0x7F {
                output.unicodeScalars.append(scalar)
            } else {
                output += encode(String(scalar))
            }
        }
        return output
    }
}

enum SMTPClientCommands {
    static func ehlo(_ name: String) -> String { "EHLO \(name)\r\n" }
    static func helo(_ name: String) -> String { "HELO \(name)\r\n" }
    static let startTLS = "STARTTLS\r\n"
    static let data = "DATA\r\n"
    static let rset = "RSET\r\n"
    static let quit = "QUIT\r\n"

    /// RFC 4954 §4 with RFC 4616: "AUTH PLAIN" and the base64 of
    /// NUL authcid NUL password as the initial response.
    static func authPlain(_ credentials: SMTPClientCredentials) -> String {
        var message: [UInt8] = [0]
        message += Array(credentials.username.utf8)
        message.append(0)
        message += Array(credentials.password.utf8)
        return "AUTH PLAIN \(Data(message).base64EncodedString())\r\n"
    }

    /// MAIL FROM:<sender> with the parameters the server can take.
    static func mail(_ transaction: OutboundTransaction, capabilities: EHLOCapabilities,
                     bodyType: OutboundBodyType, smtpUTF8: Bool) -> String {
        var line = "MAIL FROM:<\(transaction.sender)>"
        if capabilities.maximumSize != nil { line += " SIZE=\(transaction.body.count)" }
        if bodyType == .eightBitMIME && capabilities.eightBitMIME { line += " BODY=8BITMIME" }
        if smtpUTF8 && capabilities.smtpUTF8 { line += " SMTPUTF8" }
        if capabilities.dsn {
            if let ret = transaction.ret { line += " RET=\(ret.rawValue)" }
            if let envelopeID = transaction.envelopeID, !envelopeID.isEmpty {
                line += " ENVID=\(XText.encode(envelopeID))"
            }
        }
        return line + "\r\n"
    }

    /// RCPT TO:<address> with NOTIFY and ORCPT when the server offers DSN.
    static func rcpt(_ recipient: OutboundTransactionRecipient, capabilities: EHLOCapabilities,
                     smtpUTF8: Bool) -> String {
        var line = "RCPT TO:<\(recipient.address)>"
        if capabilities.dsn {
            if let notify = recipient.notify { line += " NOTIFY=\(notify.parameterValue)" }
            if let original = recipient.originalRecipient, isSafeWord(original.addressType) {
                let useUnitext = smtpUTF8 && capabilities.smtpUTF8 && original.addressType.lowercased() == "utf-8"
                let encoded = useUnitext ? XText.encodeUnitext(original.address) : XText.encode(original.address)
                line += " ORCPT=\(original.addressType);\(encoded)"
            }
        }
        return line + "\r\n"
    }

    /// True when `path` can go between "<" and ">" without changing the
    /// command: no space, control character, angle bracket or DEL. A path
    /// that is not is never sent (a queued address must not inject commands).
    static func isSafePath(_ path: String) -> Bool {
        path.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value != 0x7F && $0 != "<" && $0 != ">" }
    }

    /// An addr-type or host name: printable ASCII without space.
    static func isSafeWord(_ word: String) -> Bool {
        !word.isEmpty && word.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != 0x3B && $0 != 0x3D }
    }
}
