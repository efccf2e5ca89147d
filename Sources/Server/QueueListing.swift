// How the outbound queue is shown to an operator, for `tern queue list`,
// `tern queue show` and `tern mailq`: one place that formats queued
// messages, so the commands agree. Senders, addresses and remote errors
// come from strangers; every one passes through `terminalSafe`.
import Foundation
import MailStore

public enum QueueListing {
    /// `tern queue list`, one line per recipient:
    /// `id  state  attempts  next-try  sender -> recipient  last-error`.
    public static func recipientLine(_ message: QueuedMessage, _ recipient: QueuedRecipient) -> String {
        var fields = [
            message.id, recipient.state.rawValue, "\(recipient.attempts)",
            recipient.state.isFinal ? "-" : utcDate(recipient.nextAttemptAt),
            terminalSafe(displaySender(message.sender)) + " -> " + terminalSafe(recipient.address),
        ]
        if let error = recipient.lastError { fields.append(terminalSafe(error)) }
        return fields.joined(separator: "  ")
    }

    /// `tern queue show`: every field of a queued message, one per line.
    public static func details(_ message: QueuedMessage) -> [String] {
        var lines = [
            "id: \(message.id)",
            "sender: \(terminalSafe(displaySender(message.sender)))",
            "created: \(utcDate(message.createdAt))",
            "size: \(message.size)",
            "body: \(message.bodyType.rawValue)\(message.smtpUTF8 ? " SMTPUTF8" : "")",
            "ret: \(message.ret?.rawValue ?? "-")",
            "envid: \(message.envelopeID.map { terminalSafe($0) } ?? "-")",
            "submitted by: \(message.authenticatedUser.map { terminalSafe($0) } ?? "-")",
            "recipients:",
        ]
        for recipient in message.recipients {
            lines.append("  \(terminalSafe(recipient.address))")
            lines.append("    state: \(recipient.state.rawValue), attempts: \(recipient.attempts)")
            if !recipient.state.isFinal { lines.append("    next try: \(utcDate(recipient.nextAttemptAt))") }
            if let last = recipient.lastAttemptAt { lines.append("    last try: \(utcDate(last))") }
            if let error = recipient.lastError { lines.append("    last error: \(terminalSafe(error))") }
            if let original = recipient.originalRecipient {
                lines.append("    orcpt: \(terminalSafe(original.addressType));\(terminalSafe(original.address))")
            }
            if let notify = recipient.notify { lines.append("    notify: \(notify.parameterValue)") }
        }
        return lines
    }

    /// `tern mailq`, the queue as Postfix's mailq prints it: a heading, then
    /// per message its id (`*` while a recipient is being delivered), size,
    /// arrival time (in `timeZone`) and sender, then each recipient under
    /// the sender, after its last error in parentheses, with its state when
    /// it is not waiting; a total line at the end. "Mail queue is empty"
    /// when it is.
    public static func mailq(_ messages: [QueuedMessage], timeZone: TimeZone = .current) -> [String] {
        guard !messages.isEmpty else { return ["Mail queue is empty"] }
        let idWidth = max(10, (messages.map(\.id.count).max() ?? 0) + 1)
        func padded(_ text: String, _ width: Int, right: Bool = false) -> String {
            let fill = String(repeating: " ", count: max(0, width - text.count))
            return right ? fill + text : text + fill
        }
        let indent = String(repeating: " ", count: idWidth + 1 + 8 + 1 + 20 + 1)
        var lines = [padded("-Queue ID-", idWidth) + " --Size-- ----Arrival Time---- -Sender/Recipient-------"]
        for message in messages {
            let active = message.recipients.contains { $0.state == .delivering }
            lines.append(padded(message.id + (active ? "*" : ""), idWidth) + " "
                + padded("\(message.size)", 8, right: true) + " " + padded(mailqDate(message.createdAt, timeZone), 20)
                + " " + terminalSafe(displaySender(message.sender)))
            for recipient in message.recipients {
                if let error = recipient.lastError { lines.append(indent + "(" + terminalSafe(error) + ")") }
                let state = recipient.state == .queued ? "" : "  [\(recipient.state.rawValue)]"
                lines.append(indent + terminalSafe(recipient.address) + state)
            }
            lines.append("")
        }
        let kilobytes = (messages.reduce(0) { $0 + $1.size } + 1023) / 1024
        lines.append("-- \(kilobytes) Kbytes in \(messages.count) Request\(messages.count == 1 ? "" : "s").")
        return lines
    }

    /// Replaces control characters (remote error texts and addresses come
    /// from strangers) so they cannot drive the admin's terminal. With
    /// `keepLineBreaks` (a header section) CR is dropped and LF and TAB kept.
    public static func terminalSafe(_ text: String, keepLineBreaks: Bool = false) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if keepLineBreaks {
                if scalar == "\r" { continue }
                if scalar == "\n" || scalar == "\t" {
                    scalars.append(scalar)
                    continue
                }
            }
            scalars.append(scalar.properties.generalCategory == .control ? "?" : scalar)
        }
        return String(scalars)
    }

    /// The null reverse-path as `<>`.
    static func displaySender(_ sender: String) -> String {
        sender.isEmpty ? "<>" : sender
    }

    static func utcDate(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC")!))
    }

    /// `Tue Feb  6 10:11:12`, as mailq shows arrival times (C locale names,
    /// the day padded with a space like strftime's `%e`).
    static func mailqDate(_ date: Date, _ timeZone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.weekday, .month, .day, .hour, .minute, .second], from: date)
        let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return "\(weekdays[(parts.weekday ?? 1) - 1]) \(months[(parts.month ?? 1) - 1]) "
            + String(format: "%2d %02d:%02d:%02d", parts.day ?? 0, parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0)
    }
}
