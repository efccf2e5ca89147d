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
            discussion: """
            Internal dates come from each message's `From ` line. Flags come from the \
            fields mail programs write: Status: (R \\Seen), X-Status: (A \\Answered, \
            F \\Flagged, T \\Draft, D \\Deleted), X-Mozilla-Status: (Thunderbird), and \
            keywords from X-Keywords: and X-Mozilla-Keys:; those fields are removed \
            from the stored message. An empty file or one that is not an mbox is an error.
            """
        )
        @OptionGroup var options: StoreOptions
        @Argument(help: "The mbox file.") var file: String
        @Option(name: .long, help: ArgumentHelp("The account's address.", valueName: "address")) var account: String
        @Option(name: .long, help: ArgumentHelp("The mailbox, created when missing.", valueName: "name"))
        var mailbox = "INBOX"

        func run() async throws {
            let mailboxName = try storeMailboxName(mailbox)
            let descriptor = try openMbox(file)
            defer { close(descriptor) }
            let counts = try await options.withStore { store, configuration in
                let owner = try await requireAccount(account, in: store)
                var reader = MboxReader(fileDescriptor: descriptor, maxMessageSize: configuration.limits.maxMessageSize)
                // The first message is read before the mailbox is created:
                // a file that holds none changes nothing.
                guard var message = try readMessage(&reader) else {
                    throw CommandError("\(file) holds no message: it is empty or has only blank lines")
                }
                let target = try await MailboxImporter.mailbox(named: mailboxName, accountID: owner.id, store: store)
                let importer = MailboxImporter(store: store, mailbox: target,
                                               maxMessageSize: configuration.limits.maxMessageSize)
                var counts = ImportCounts()
                var progress = ImportProgress()
                while true {
                    if message.isOversized {
                        counts.tooLarge += 1
                        printError("skipped the message at line \(message.lineNumber): \(message.size) octets "
                            + "is over max_message_size")
                    } else {
                        let state = MboxStatusHeaders.extract(from: message.body)
                        try await importer.add(state.message, flags: state.flags, keywords: state.keywords,
                                               internalDate: message.separator.date ?? Date(), counts: &counts,
                                               progress: &progress, origin: "the message at line \(message.lineNumber)")
                    }
                    do {
                        guard let next = try readMessage(&reader) else { break }
                        message = next
                    } catch {
                        progress.finish(counts)
                        throw error
                    }
                }
                progress.finish(counts)
                return counts
            }
            print(counts.summary)
        }

        /// The file opened for reading; a clear error for a missing,
        /// unreadable or empty file, or a directory.
        private func openMbox(_ path: String) throws -> Int32 {
            let descriptor = open(path, O_RDONLY)
            guard descriptor >= 0 else {
                throw CommandError("cannot open \(path): \(String(cString: strerror(errno)))")
            }
            var status = stat()
            if fstat(descriptor, &status) == 0 {
                let kind = status.st_mode & S_IFMT
                if kind == S_IFDIR {
                    close(descriptor)
                    throw CommandError("\(path) is a directory, not an mbox file (for a maildir: tern import maildir)")
                }
                if kind == S_IFREG && status.st_size == 0 {
                    close(descriptor)
                    throw CommandError("\(path) is empty: no message to import")
                }
            }
            return descriptor
        }

        private func readMessage(_ reader: inout MboxReader) throws -> MboxMessage? {
            do {
                return try reader.next()
            } catch let error as MboxError {
                throw CommandError("\(file): \(error)")
            }
        }
    }

    struct Maildir: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import a maildir with its Maildir++ folders.",
            discussion: """
            cur/ and new/ of DIR go to INBOX; each folder .Name.Sub becomes the mailbox \
            Name/Sub (modified UTF-7 names decoded), created when missing. Flags come \
            from the :2, info of file names (S \\Seen, R \\Answered, F \\Flagged, \
            T \\Deleted, D \\Draft); internal dates from the files' modification times. \
            A maildir without any message, or with a folder that cannot be read, is \
            an error and nothing is imported.
            """
        )
        @OptionGroup var options: StoreOptions
        @Argument(help: "The maildir (the directory holding cur/, new/ and tmp/).") var directory: String
        @Option(name: .long, help: ArgumentHelp("The account's address.", valueName: "address")) var account: String

        func run() async throws {
            // Every folder is listed before the store is opened: an unreadable
            // folder or a maildir without messages changes nothing.
            let folders = try MaildirScanner.folders(root: directory).map { folder in
                (folder: folder, files: try MaildirScanner.messageFiles(in: folder))
            }
            guard folders.contains(where: { !$0.files.isEmpty }) else {
                throw CommandError("\(directory) holds no message: cur/ and new/ of it and its folders are empty")
            }
            let counts = try await options.withStore { store, configuration in
                let owner = try await requireAccount(account, in: store)
                var counts = ImportCounts()
                var progress = ImportProgress()
                for (folder, files) in folders {
                    let target = try await MailboxImporter.mailbox(named: folder.mailboxName, accountID: owner.id,
                                                                   store: store)
                    let importer = MailboxImporter(store: store, mailbox: target,
                                                   maxMessageSize: configuration.limits.maxMessageSize)
                    for file in files {
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
