// The one place delivery log lines are built, for local delivery (SMTP in,
// `tern sendmail`) and for the queue runner's attempts, in Postfix's
// shape so that operators can grep them the same way:
//
//   ID: from=<sender>, to=<rcpt>, orig_to=<alias>, message-id=<id>, size=N,
//       relay=local|host [ip]:port, conn=new|reused, delay=s, attempts=n,
//       dsn=x.y.z, status=sent|queued|deferred|bounced (detail)
//
// (one line; orig_to, conn and attempts only where they apply). Every value
// that comes from outside passes through `LoggableText.clean` (bounded, no
// control characters), so a sender cannot forge or flood log lines.
import Foundation
import Logging
import MailCore

public struct DeliveryLogLine: Sendable, Equatable {
    /// Postfix's status words, plus `queued` for a recipient handed to the
    /// outbound queue at intake.
    public enum Status: String, Sendable {
        case sent, queued, deferred, bounced
    }

    /// The SMTP id of an intake, or the queue id of an attempt.
    public var id: String
    /// The metadata key `id` is logged under ("id", or "queue-id" for the queue).
    public var idKey = "id"
    /// The envelope sender, "" for the null reverse-path.
    public var from: String
    public var to: String
    /// The address the client gave when it differs from `to` (an alias).
    public var originalTo: String?
    /// From the message's Message-ID: field (`messageID(in:)`); nil: none.
    public var messageID: String?
    public var size: Int
    /// `local`, `queue`, `host [ip]:port` or `none`.
    public var relay: String
    /// `new` or `reused` for an outbound connection.
    public var connection: String?
    /// Seconds since the message arrived.
    public var delay: TimeInterval
    /// Attempts so far, this one included (outbound only).
    public var attempts: Int?
    /// The RFC 3463 status.
    public var dsn: String
    public var status: Status
    /// The remote's reply, the mailbox, the queue id, the error.
    public var detail: String

    public init(id: String, idKey: String = "id", from: String, to: String, originalTo: String? = nil,
                messageID: String?, size: Int, relay: String, connection: String? = nil, delay: TimeInterval,
                attempts: Int? = nil, dsn: String, status: Status, detail: String) {
        self.id = id
        self.idKey = idKey
        self.from = from
        self.to = to
        self.originalTo = originalTo
        self.messageID = messageID
        self.size = size
        self.relay = relay
        self.connection = connection
        self.delay = delay
        self.attempts = attempts
        self.dsn = dsn
        self.status = status
        self.detail = detail
    }

    /// The line as logged.
    public var text: String {
        var fields = ["from=<\(LoggableText.clean(from))>", "to=<\(LoggableText.clean(to))>"]
        if let originalTo { fields.append("orig_to=<\(LoggableText.clean(originalTo))>") }
        fields.append("message-id=<\(LoggableText.clean(messageID ?? ""))>")
        fields.append("size=\(size)")
        fields.append("relay=\(LoggableText.clean(relay))")
        if let connection { fields.append("conn=\(connection)") }
        fields.append("delay=\(Self.seconds(delay))")
        if let attempts { fields.append("attempts=\(attempts)") }
        fields.append("dsn=\(LoggableText.clean(dsn))")
        fields.append("status=\(status.rawValue) (\(LoggableText.clean(detail)))")
        return "\(LoggableText.clean(id)): " + fields.joined(separator: ", ")
    }

    /// The same fields as structured metadata (JSON log format).
    public var metadata: Logger.Metadata {
        var metadata: Logger.Metadata = [
            idKey: "\(LoggableText.clean(id))", "from": "\(LoggableText.clean(from))", "to": "\(LoggableText.clean(to))",
            "message-id": "\(LoggableText.clean(messageID ?? ""))", "size": "\(size)",
            "relay": "\(LoggableText.clean(relay))", "dsn": "\(LoggableText.clean(dsn))", "status": "\(status.rawValue)",
        ]
        if let originalTo { metadata["orig_to"] = "\(LoggableText.clean(originalTo))" }
        if let connection { metadata["conn"] = "\(connection)" }
        return metadata
    }

    /// Logs the line: `info` when the message went on, `notice` when it
    /// was deferred or bounced.
    public func log(to logger: Logger) {
        switch status {
        case .sent, .queued: logger.info("\(text)", metadata: metadata)
        case .deferred, .bounced: logger.notice("\(text)", metadata: metadata)
        }
    }

    /// The Message-ID of a message (RFC 5322 §3.6.4) without its angle
    /// brackets, as Postfix logs it; nil when the header has none.
    public static func messageID(in body: [UInt8]) -> String? {
        guard var value = MessageHeader.parse(body)["Message-ID"], !value.isEmpty else { return nil }
        if value.hasPrefix("<"), let end = value.firstIndex(of: ">") {
            value = String(value[value.index(after: value.startIndex)..<end])
        }
        return value.isEmpty ? nil : value
    }

    /// `0`, `0.25`, `3.5`, `42`: two decimals under ten seconds, whole seconds above (as Postfix).
    static func seconds(_ value: TimeInterval) -> String {
        let delay = max(0, value)
        guard delay < 10 else { return String(Int(delay.rounded())) }
        var text = String(format: "%.2f", delay)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }
}
