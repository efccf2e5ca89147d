import ArgumentParser
import Foundation
import MailStore

/// `tern queue`: look at and steer the outbound queue (works while the
/// server runs; the delivery runner picks up changes at its next pass).
struct QueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue",
        abstract: "Inspect and manage the outbound mail queue.",
        subcommands: [List.self, Show.self, Retry.self, Delete.self, Flush.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List queued mail, one line per recipient.",
            discussion: "Columns: queue id, state, attempts, next try (UTC), sender -> recipient, last error."
        )
        @OptionGroup var options: StoreOptions

        func run() async throws {
            let messages = try await options.withStore { store, _ in try await store.queuedMessages() }
            guard !messages.isEmpty else {
                print("queue is empty")
                return
            }
            for message in messages {
                for recipient in message.recipients {
                    print(queueLine(message, recipient))
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a queued message and its headers.")
        @OptionGroup var options: StoreOptions
        @Argument(help: "The queue id (from `tern queue list`).") var id: String

        func run() async throws {
            let queueID = normalizedQueueID(id)
            let (message, body) = try await options.withStore { store, _ in
                guard let message = try await store.queuedMessage(id: queueID) else {
                    throw CommandError("no queued message \(queueID)")
                }
                let body = try await queueCommand(queueID) { try await store.queuedMessageBody(id: queueID) }
                return (message, body)
            }
            for line in queueDetails(message) { print(line) }
            print("headers:")
            let headers = terminalSafe(String(decoding: headerSection(of: body), as: UTF8.self), keepLineBreaks: true)
            print(headers.hasSuffix("\n") ? String(headers.dropLast()) : headers)
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make the waiting recipients of a message due now.")
        @OptionGroup var options: StoreOptions
        @Argument(help: "The queue id.") var id: String

        func run() async throws {
            let queueID = normalizedQueueID(id)
            try await options.withStore { store, _ in
                try await queueCommand(queueID) { try await store.retryNow(queueID: queueID) }
            }
            print("queued message \(queueID) will be retried now")
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a queued message without delivering it or sending a bounce.")
        @OptionGroup var options: StoreOptions
        @Argument(help: "The queue id.") var id: String

        func run() async throws {
            let queueID = normalizedQueueID(id)
            try await options.withStore { store, _ in
                try await queueCommand(queueID) { try await store.deleteQueuedMessage(id: queueID) }
            }
            print("deleted queued message \(queueID)")
        }
    }

    struct Flush: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make every waiting recipient due now.")
        @OptionGroup var options: StoreOptions

        func run() async throws {
            let count = try await options.withStore { store, _ in
                var count = 0
                for message in try await store.queuedMessages() where message.recipients.contains(where: {
                    $0.state == .queued
                }) {
                    do {
                        try await store.retryNow(queueID: message.id)
                        count += 1
                    } catch QueueError.messageNotFound {
                        // Delivered and removed meanwhile.
                    }
                }
                return count
            }
            print("\(count) queued message\(count == 1 ? "" : "s") will be retried now")
        }
    }
}

/// Runs a queue operation on one message; an unknown id becomes a one-line error.
private func queueCommand<T>(_ queueID: String, _ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch QueueError.messageNotFound {
        throw CommandError("no queued message \(queueID)")
    }
}

/// Queue ids are lower-case hex; accept them as typed.
func normalizedQueueID(_ text: String) -> String {
    text.trimmingCharacters(in: .whitespaces).lowercased()
}

/// `id  state  attempts  next-try  sender -> recipient  last-error`.
func queueLine(_ message: QueuedMessage, _ recipient: QueuedRecipient) -> String {
    var fields = [
        message.id, recipient.state.rawValue, "\(recipient.attempts)",
        recipient.state.isFinal ? "-" : queueDate(recipient.nextAttemptAt),
        terminalSafe(displaySender(message.sender)) + " -> " + terminalSafe(recipient.address),
    ]
    if let error = recipient.lastError { fields.append(terminalSafe(error)) }
    return fields.joined(separator: "  ")
}

/// Every field of a queued message, one per line.
func queueDetails(_ message: QueuedMessage) -> [String] {
    var lines = [
        "id: \(message.id)",
        "sender: \(terminalSafe(displaySender(message.sender)))",
        "created: \(queueDate(message.createdAt))",
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
        if !recipient.state.isFinal { lines.append("    next try: \(queueDate(recipient.nextAttemptAt))") }
        if let last = recipient.lastAttemptAt { lines.append("    last try: \(queueDate(last))") }
        if let error = recipient.lastError { lines.append("    last error: \(terminalSafe(error))") }
        if let original = recipient.originalRecipient {
            lines.append("    orcpt: \(terminalSafe(original.addressType));\(terminalSafe(original.address))")
        }
        if let notify = recipient.notify { lines.append("    notify: \(notify.parameterValue)") }
    }
    return lines
}

/// The header section of a message: everything before the first empty line.
func headerSection(of body: [UInt8]) -> ArraySlice<UInt8> {
    var lineStart = 0
    var index = 0
    while index < body.count {
        if body[index] == UInt8(ascii: "\n") {
            let line = body[lineStart..<index]
            if line.isEmpty || line == [UInt8(ascii: "\r")] { return body[..<lineStart] }
            lineStart = index + 1
        }
        index += 1
    }
    return body[...]
}

private func displaySender(_ sender: String) -> String {
    sender.isEmpty ? "<>" : sender
}

private func queueDate(_ date: Date) -> String {
    date.formatted(Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC")!))
}

/// Replaces control characters (remote error texts and addresses come from
/// strangers) so they cannot drive the admin's terminal. With
/// `keepLineBreaks` (a header section) CR is dropped and LF and TAB kept.
func terminalSafe(_ text: String, keepLineBreaks: Bool = false) -> String {
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

/// The queue as Postfix's mailq prints it: a heading, then per message its
/// id (`*` while a recipient is being delivered), size, arrival time
/// (local time) and sender, then each recipient under the sender, after
/// its last error in parentheses, with its state when it is not waiting;
/// a total line at the end. "Mail queue is empty" when it is.
func mailqLines(_ messages: [QueuedMessage]) -> [String] {
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
        lines.append(padded(message.id + (active ? "*" : ""), idWidth) + " " + padded("\(message.size)", 8, right: true)
            + " " + padded(mailqDate(message.createdAt), 20) + " " + terminalSafe(displaySender(message.sender)))
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

/// `Tue Feb  6 10:11:12`, local time, as mailq shows arrival times.
private func mailqDate(_ date: Date) -> String {
    var seconds = time_t(date.timeIntervalSince1970)
    var parts = tm()
    localtime_r(&seconds, &parts)
    var buffer = [CChar](repeating: 0, count: 64)
    let length = strftime(&buffer, buffer.count, "%a %b %e %H:%M:%S", &parts)
    return String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
