import ArgumentParser
import Foundation
import MailCore
import MailStore

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export messages.",
        subcommands: [Mbox.self]
    )

    struct Mbox: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export a mailbox to an mbox file (mboxrd).",
            discussion: """
            Each message gets a `From SENDER DATE` line (sender from Return-Path: or \
            From:, date the internal date), LF line endings, and `>` before lines \
            starting with `From ` or `>From `. FILE `-` writes to standard output.
            """
        )
        @OptionGroup var options: StoreOptions
        @Option(name: .long, help: ArgumentHelp("The account's address.", valueName: "address")) var account: String
        @Option(name: .long, help: ArgumentHelp("The mailbox to export.", valueName: "name")) var mailbox: String
        @Argument(help: "The mbox file to write (replaced if it exists), or - for standard output.") var file: String

        func run() async throws {
            let mailboxName = try storeMailboxName(mailbox)
            let count = try await options.withStore { store, _ in
                let (_, source) = try await requireMailbox(mailboxName, of: account, in: store)
                let output = try openOutput()
                var count = 0
                for record in try await store.messages(mailboxID: source.id) {
                    let body = try await store.messageBody(mailboxID: source.id, uid: record.uid)
                    let entry = MboxWriter.entry(message: body, sender: MboxWriter.envelopeSender(of: body),
                                                 date: record.internalDate)
                    try output.write(contentsOf: entry)
                    count += 1
                }
                if file != "-" {
                    try output.synchronize()
                    try output.close()
                }
                return count
            }
            if file != "-" { print("exported \(count) messages to \(file)") }
        }

        /// Standard output, or FILE created (or emptied) for writing.
        private func openOutput() throws -> FileHandle {
            if file == "-" { return FileHandle.standardOutput }
            guard FileManager.default.createFile(atPath: file, contents: nil),
                  let handle = FileHandle(forWritingAtPath: file) else {
                throw CommandError("cannot create \(file)")
            }
            return handle
        }
    }
}
