import ArgumentParser
import Foundation
import MailCore
import MailStore

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import messages from an mbox file or a maildir.",
        discussion: """
        Messages are stored with CRLF line endings. A message already in the \
        mailbox (same content) is skipped, so an interrupted import can be run \
        again. Progress goes to standard error: a live line on a terminal, else \
        `committed N` every 100 messages; the summary goes to standard output.
        """,
        subcommands: [Mbox.self, Maildir.self]
    )

    struct Mbox: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import an mbox file (mboxrd or mboxo) into one mailbox.",
            discussion: "Internal dates come from each message's `From ` line."
        )
        @OptionGroup var options: StoreOptions
        @Argument(help: "The mbox file.") var file: String
        @Option(name: .long, help: ArgumentHelp("The account's address.", valueName: "address")) var account: String
        @Option(name: .long, help: ArgumentHelp("The mailbox, created when missing.", valueName: "name"))
        var mailbox = "INBOX"

        func run() async throws {
            let descriptor = open(file, O_RDONLY)
            guard descriptor >= 0 else {
                throw CommandError("cannot open \(file): \(String(cString: strerror(errno)))")
            }
            defer { close(descriptor) }
            let counts = try await options.withStore { store, configuration in
                let owner = try await requireAccount(account, in: store)
                let target = try await MailboxImporter.mailbox(named: mailbox, accountID: owner.id, store: store)
                let importer = MailboxImporter(store: store, mailbox: target,
                                               maxMessageSize: configuration.limits.maxMessageSize)
                var reader = MboxReader(fileDescriptor: descriptor, maxMessageSize: configuration.limits.maxMessageSize)
                var counts = ImportCounts()
                var progress = ImportProgress()
                do {
                    while let message = try reader.next() {
                        if message.isOversized {
                            counts.tooLarge += 1
                            printError("skipped the message at line \(message.lineNumber): \(message.size) octets "
                                + "is over max_message_size")
                            continue
                        }
                        try await importer.add(message.body, flags: [],
                                               internalDate: message.separator.date ?? Date(), counts: &counts,
                                               progress: &progress, origin: "the message at line \(message.lineNumber)")
                    }
                } catch let error as MboxError {
                    progress.finish(counts)
                    throw CommandError("\(file): \(error)")
                }
                progress.finish(counts)
                return counts
            }
            print(counts.summary)
        }
    }

    struct Maildir: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import a maildir with its Maildir++ folders.",
            discussion: """
            cur/ and new/ of DIR go to INBOX; each folder .Name.Sub becomes the mailbox \
            Name/Sub (modified UTF-7 names decoded), created when missing. Flags come \
            from the :2, info of file names (S \\Seen, R \\Answered, F \\Flagged, \
            T \\Deleted, D \\Draft); internal dates from the files' modification times.
            """
        )
        @OptionGroup var options: StoreOptions
        @Argument(help: "The maildir (the directory holding cur/, new/ and tmp/).") var directory: String
        @Option(name: .long, help: ArgumentHelp("The account's address.", valueName: "address")) var account: String

        func run() async throws {
            let folders = try MaildirScanner.folders(root: directory)
            let counts = try await options.withStore { store, configuration in
                let owner = try await requireAccount(account, in: store)
                var counts = ImportCounts()
                var progress = ImportProgress()
                for folder in folders {
                    let target = try await MailboxImporter.mailbox(named: folder.mailboxName, accountID: owner.id,
                                                                   store: store)
                    let importer = MailboxImporter(store: store, mailbox: target,
                                                   maxMessageSize: configuration.limits.maxMessageSize)
                    for file in try MaildirScanner.messageFiles(in: folder) {
                        guard let bytes = FileManager.default.contents(atPath: file.path) else {
                            printError("skipped \(file.path): cannot read it")
                            continue
                        }
                        try await importer.add(Array(bytes), flags: file.flags, internalDate: file.modified,
                                               counts: &counts, progress: &progress, origin: file.path)
                    }
                }
                progress.finish(counts)
                return counts
            }
            print(counts.summary)
        }
    }
}
