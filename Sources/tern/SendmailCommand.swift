import ArgumentParser
import Foundation
import Logging
import Server
import SMTP

/// `tern sendmail`: the sendmail(8) interface for cron, mailx and scripts.
/// Reads a message on standard input and delivers it through the store
/// (`LocalSubmission`), whether or not `tern serve` runs; exits with
/// sendmail's statuses (64 usage, 65 data, 67 no such user, 75 try again,
/// 78 configuration).
struct SendmailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sendmail",
        abstract: "Send a message read on standard input, like sendmail(8).",
        discussion: SendmailOptions.usage
    )

    @Argument(parsing: .captureForPassthrough, help: "sendmail options and recipients")
    var arguments: [String] = []

    func run() async throws {
        do {
            try await send()
        } catch let error as SendmailError {
            printError("tern sendmail: \(error)")
            throw ExitCode(error.exitStatus)
        }
    }

    private func send() async throws {
        let options = try SendmailOptions.parse(arguments)
        if options.help {
            print(SendmailOptions.usage)
            return
        }
        var storeArguments: [String] = []
        if let config = options.configPath { storeArguments += ["--config", config] }
        if let directory = options.dataDirectory { storeArguments += ["--data-dir", directory] }
        let storeOptions = try StoreOptions.parse(storeArguments)
        let configuration: TernConfiguration
        do {
            configuration = try storeOptions.configuration()
        } catch {
            throw SendmailError.configuration("\(error)")
        }
        let input = try readStandardInput(ignoreDots: options.ignoreDots,
                                          maximumSize: configuration.limits.maxMessageSize)
        var logger = Logger(label: "tern.sendmail")
        logger.logLevel = options.verbose ? .info : .error
        let name = NSUserName()
        let user = LocalSubmission.LocalUser(name: name.isEmpty ? "uid\(getuid())" : name, id: getuid())
        let receipt: LocalSubmission.Receipt
        do {
            receipt = try await storeOptions.withStore { store, configuration in
                let submission = LocalSubmission(
                    store: store, outboundQueue: StoreOutboundQueue(store: store),
                    settings: .init(hostName: configuration.hostName,
                                    mailDomain: LocalSubmission.originDomain(hostName: configuration.hostName,
                                                                             localDomains: configuration.localDomains),
                                    maxMessageSize: configuration.limits.maxMessageSize,
                                    maxRecipients: configuration.smtp.maxRecipients,
                                    postmasterAccount: configuration.smtp.postmasterAccount),
                    logger: logger)
                return try await submission.submit(input, options: options, user: user)
            }
        } catch let error as CommandError {
            // The store could not be opened (or closed): nothing was delivered.
            throw SendmailError.temporary("\(error)")
        }
        if options.verbose {
            printError("tern sendmail: delivered as \(receipt.id): \(receipt.localCopies) local, "
                + "\(receipt.relayedRecipients) queued\(receipt.queueID.map { " (queue id \($0))" } ?? "")")
        }
    }

    /// Standard input up to the "." line (without -i) or the end, bounded.
    private func readStandardInput(ignoreDots: Bool, maximumSize: Int) throws -> [UInt8] {
        var input = SendmailInput(ignoreDots: ignoreDots, maximumSize: maximumSize)
        let handle = FileHandle.standardInput
        while !input.ended {
            let chunk: Data?
            do {
                chunk = try handle.read(upToCount: 64 * 1024)
            } catch {
                throw SendmailError.temporary("cannot read standard input: \(error.localizedDescription)")
            }
            guard let chunk, !chunk.isEmpty else { break }
            try input.append(chunk)
        }
        return input.finished()
    }
}
