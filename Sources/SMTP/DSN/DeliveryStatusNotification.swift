// RFC 3464 delivery status notifications: the bounce (and delay and
// success notice) sent to the envelope sender, as
// multipart/report; report-type=delivery-status (RFC 6522) with a
// human-readable part, the message/delivery-status part and the original
// message (RET=FULL) or its header (RET=HDRS, RFC 3461 §4.3). Never built
// for the null sender (RFC 3461 §6.2, RFC 5321 §6.1: no bounce loops).
import Foundation
import MailCore
import MailStore

/// A DSN ready to enqueue: its octets and what the envelope must say.
public struct DeliveryStatusNotification: Sendable, Hashable {
    /// The whole message, CRLF line ends.
    public var bytes: [UInt8]
    /// The forward-path: the original envelope sender.
    public var recipient: String
    /// Without angle brackets.
    public var messageID: String
    /// 8BITMIME when the returned content or a field is not ASCII.
    public var bodyType: OutboundBodyType
    /// A recipient or field needs RFC 6531 SMTPUTF8.
    public var smtpUTF8: Bool

    /// RFC 3464 §2.3.3 Action.
    public enum Action: String, Sendable, Hashable, CaseIterable {
        case failed, delayed, delivered, relayed, expanded
    }

    /// One per-recipient block (RFC 3464 §2.3).
    public struct Recipient: Sendable, Hashable {
        /// The forward-path the MTA tried (Final-Recipient).
        public var address: String
        /// RFC 3461 §4.2 ORCPT, echoed as Original-Recipient.
        public var originalRecipient: OriginalRecipientAddress?
        public var action: Action
        /// RFC 3463 x.y.z; replaced by a generic one when malformed.
        public var status: String
        /// The remote server (Remote-MTA: dns; name).
        public var remoteMTA: String?
        /// The remote's reply, e.g. "550 5.1.1 No such user" (Diagnostic-Code: smtp; ...).
        public var diagnostic: String?
        public var lastAttemptDate: Date?
        /// For `.delayed`: when the queue gives up.
        public var willRetryUntil: Date?

        public init(address: String, originalRecipient: OriginalRecipientAddress? = nil, action: Action,
                    status: String, remoteMTA: String? = nil, diagnostic: String? = nil,
                    lastAttemptDate: Date? = nil, willRetryUntil: Date? = nil) {
            self.address = address
            self.originalRecipient = originalRecipient
            self.action = action
            self.status = status
            self.remoteMTA = remoteMTA
            self.diagnostic = diagnostic
            self.lastAttemptDate = lastAttemptDate
            self.willRetryUntil = willRetryUntil
        }
    }

    /// Without RET, messages larger than this come back as headers only.
    public static let defaultFullReturnLimit = 128 * 1024

    /// Builds the notification, or nil for the null sender or no recipients.
    /// - Parameters:
    ///   - reportingMTA: this server's host name (From: MAILER-DAEMON@host).
    ///   - sender: the original reverse-path, the notification's recipient.
    ///   - envelopeID: RFC 3461 §4.4 ENVID, echoed as Original-Envelope-Id.
    ///   - ret: RFC 3461 §4.3; nil returns the full message if it is small.
    public static func build(reportingMTA: String, sender: String, envelopeID: String? = nil, arrivalDate: Date,
                             recipients: [Recipient], originalMessage: [UInt8], ret: DSNReturnContent? = nil,
                             fullReturnLimit: Int = defaultFullReturnLimit, date: Date = Date(),
                             messageID: String? = nil) -> DeliveryStatusNotification? {
        let sender = DSNText.fieldValue(sender)
        guard !sender.isEmpty, !recipients.isEmpty else { return nil }
        let host = DSNText.fieldValue(reportingMTA).isEmpty ? "localhost" : DSNText.fieldValue(reportingMTA)
        let id = messageID.map(DSNText.fieldValue) ?? "\(DSNText.randomToken(16)).dsn@\(host)"
        let anyFailed = recipients.contains { $0.action == .failed }
        // RFC 3461 §4.3: RET governs failure notices; others carry the header only.
        let returnsFull = anyFailed && (ret == .full || (ret == nil && originalMessage.count <= fullReturnLimit))
        let returned = returnsFull ? originalMessage : DSNText.headerBlock(of: originalMessage)

        let report = statusFields(reportingMTA: host, envelopeID: envelopeID, arrivalDate: arrivalDate,
                                  recipients: recipients)
        let utf8Fields = !report.allSatisfy(\.isASCII) || !sender.allSatisfy(\.isASCII)
        let eightBit = utf8Fields || returned.contains { $0 >= 0x80 }
        let human = humanText(host: host, recipients: recipients)
        let boundary = DSNText.boundary(avoiding: [returned, Array(human.utf8), Array(report.utf8)])

        var header = [
            "From: Mail Delivery System <MAILER-DAEMON@\(host)>",
            "To: <\(sender)>",
            "Subject: \(subject(recipients))",
            "Date: \(MailDate(secondsSinceEpoch: Int64(date.timeIntervalSince1970.rounded(.down))).rfc5322)",
            "Message-ID: <\(id)>",
            "Auto-Submitted: auto-replied",
            "MIME-Version: 1.0",
            "Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=\"\(boundary)\"",
        ]
        if eightBit { header.append("Content-Transfer-Encoding: 8bit") }
        var text = header.joined(separator: "\r\n") + "\r\n\r\n"
        text += "This is a MIME-encapsulated message.\r\n\r\n"
        text += "--\(boundary)\r\n"
        text += "Content-Type: text/plain; charset=\(human.allSatisfy(\.isASCII) ? "us-ascii" : "utf-8")\r\n"
        text += "Content-Description: Notification\r\n\r\n"
        text += human
        text += "\r\n--\(boundary)\r\n"
        // RFC 6533 §6: a report with UTF-8 fields is message/global-delivery-status.
        text += "Content-Type: message/\(utf8Fields ? "global-" : "")delivery-status\r\n"
        text += "Content-Description: Delivery report\r\n\r\n"
        text += report
        text += "\r\n--\(boundary)\r\n"
        if returnsFull {
            text += "Content-Type: message/rfc822\r\nContent-Description: Undelivered Message\r\n"
        } else {
            text += "Content-Type: text/rfc822-headers\r\nContent-Description: Message Headers\r\n"
        }
        if returned.contains(where: { $0 >= 0x80 }) { text += "Content-Transfer-Encoding: 8bit\r\n" }
        text += "\r\n"
        var bytes = Array(text.utf8)
        bytes += DSNText.crlfNormalized(returned)
        // RFC 2046 §5.1.1: the CRLF before a delimiter belongs to it, so the
        // returned content keeps its own final line break.
        bytes += Array("\r\n--\(boundary)--\r\n".utf8)
        return DeliveryStatusNotification(bytes: bytes, recipient: sender, messageID: id,
                                          bodyType: eightBit ? .eightBitMIME : .sevenBit, smtpUTF8: utf8Fields)
    }

    /// RFC 3464 §2.2 per-message and §2.3 per-recipient fields, CRLF-terminated.
    static func statusFields(reportingMTA: String, envelopeID: String?, arrivalDate: Date,
                             recipients: [Recipient]) -> String {
        var lines = ["Reporting-MTA: dns; \(reportingMTA)"]
        if let envelopeID, !DSNText.fieldValue(envelopeID).isEmpty {
            lines.append("Original-Envelope-Id: \(DSNText.fieldValue(envelopeID))")
        }
        lines.append("Arrival-Date: \(DSNText.date(arrivalDate))")
        for recipient in recipients {
            lines.append("")
            if let original = recipient.originalRecipient {
                let type = DSNText.fieldValue(original.addressType).isEmpty ? "rfc822" : DSNText.fieldValue(original.addressType)
                lines.append("Original-Recipient: \(type); \(DSNText.fieldValue(original.address))")
            }
            let address = DSNText.fieldValue(recipient.address)
            // RFC 6533 §3: an address that is not ASCII has type utf-8.
            lines.append("Final-Recipient: \(address.allSatisfy(\.isASCII) ? "rfc822" : "utf-8"); \(address)")
            lines.append("Action: \(recipient.action.rawValue)")
            lines.append("Status: \(DSNText.status(recipient.status, for: recipient.action))")
            if let remote = recipient.remoteMTA.map(DSNText.fieldValue), !remote.isEmpty {
                lines.append("Remote-MTA: dns; \(remote)")
            }
            if let diagnostic = recipient.diagnostic.map(DSNText.fieldValue), !diagnostic.isEmpty {
                lines.append("Diagnostic-Code: smtp; \(diagnostic)")
            }
            if let last = recipient.lastAttemptDate { lines.append("Last-Attempt-Date: \(DSNText.date(last))") }
            if recipient.action == .delayed, let until = recipient.willRetryUntil {
                lines.append("Will-Retry-Until: \(DSNText.date(until))")
            }
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    static func subject(_ recipients: [Recipient]) -> String {
        if recipients.contains(where: { $0.action == .failed }) { return "Undelivered Mail Returned to Sender" }
        if recipients.contains(where: { $0.action == .delayed }) { return "Delayed Mail (still being retried)" }
        return "Successful Mail Delivery Report"
    }

    static func humanText(host: String, recipients: [Recipient]) -> String {
        var lines = ["This is the mail system at host \(host).", ""]
        let groups: [(Action, String)] = [
            (.failed, "Your message could not be delivered to the following recipients. This is a permanent error."),
            (.delayed, "Your message could not be delivered yet to the following recipients. It will be retried; you need not resend it."),
            (.delivered, "Your message was delivered to the following recipients."),
            (.relayed, "Your message was relayed to the following recipients, which may send no further notice."),
            (.expanded, "Your message was delivered to the following recipients, which forwarded it further."),
        ]
        for (action, intro) in groups {
            let matching = recipients.filter { $0.action == action }
            guard !matching.isEmpty else { continue }
            lines.append(intro)
            lines.append("")
            for recipient in matching {
                var line = "  <\(DSNText.fieldValue(recipient.address))>"
                if let remote = recipient.remoteMTA.map(DSNText.fieldValue), !remote.isEmpty { line += " (host \(remote))" }
                if let diagnostic = recipient.diagnostic.map(DSNText.fieldValue), !diagnostic.isEmpty {
                    line += ": \(diagnostic)"
                }
                lines.append(line)
            }
            lines.append("")
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }
}
