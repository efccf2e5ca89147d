import ArgumentParser
import Foundation
import MailStore
import Server

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
                    print(QueueListing.recipientLine(message, recipient))
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
            for line in QueueListing.details(message) { print(line) }
            print("headers:")
            let headers = QueueListing.terminalSafe(String(decoding: headerSection(of: body), as: UTF8.self),
                                                    keepLineBreaks: true)
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

/// `tern mailq`: the outbound queue as Postfix's mailq prints it.
struct MailqCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mailq",
        abstract: "List the outbound queue like Postfix's mailq.",
        discussion: """
        One entry per message: queue id (* while being delivered), size, arrival time, sender; then each \
        recipient, after its last error in parentheses, with its state unless it is waiting. \
        `tern queue list` shows the same queue one line per recipient. \(ServerStore.help)
        """
    )
    @OptionGroup var options: StoreOptions

    func run() async throws {
        let options = try ServerStore.options(config: options.config, dataDirectory: options.dataDirectory)
        if let missing = ServerStore.missing(options, try options.configuration()) { throw CommandError(missing) }
        let messages = try await options.withStore { store, _ in try await store.queuedMessages() }
        for line in QueueListing.mailq(messages) { print(line) }
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
