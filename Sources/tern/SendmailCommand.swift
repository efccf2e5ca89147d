import ArgumentParser
import Foundation
import Logging
import MailStore
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
        discussion: SendmailOptions.usage + "\n" + ServerStore.help
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
            print(SendmailOptions.usage + "\n" + ServerStore.help)
            return
        }
        let storeOptions = try ServerStore.options(config: options.configPath, dataDirectory: options.dataDirectory)
        let configuration: TernConfiguration
        do {
            configuration = try storeOptions.configuration()
        } catch {
            throw SendmailError.configuration("\(error)")
        }
        if let missing = ServerStore.missing(storeOptions, configuration) { throw SendmailError.configuration(missing) }
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

/// How `tern sendmail` and `tern mailq` find the server's store. Programs
/// call them without options (cron runs /usr/sbin/sendmail, which may be a
/// link to `tern`), so with neither --config nor --data-dir they read
/// /etc/tern/tern.toml when it exists. They open only an existing store and
/// never create one: mail put into a new store in the current directory
/// would never be read nor sent.
enum ServerStore {
    static let systemConfiguration = "/etc/tern/tern.toml"
    static let help = "Without --config or --data-dir: \(systemConfiguration) when it exists, else the local "
        + "defaults. The store must exist (it is never created here). Also run as a link named sendmail or mailq."

    static func options(config: String?, dataDirectory: String?) throws -> StoreOptions {
        var arguments: [String] = []
        if let config {
            arguments += ["--config", config]
        } else if dataDirectory == nil, FileManager.default.fileExists(atPath: systemConfiguration) {
            arguments += ["--config", systemConfiguration]
        }
        if let dataDirectory { arguments += ["--data-dir", dataDirectory] }
        return try StoreOptions.parse(arguments)
    }

    /// Why there is no store to open, nil when there is one.
    static func missing(_ options: StoreOptions, _ configuration: TernConfiguration) -> String? {
        let directory = options.dataDirectory ?? configuration.dataDirectory
        guard !StoreFactory.storeExists(configuration.store, dataDirectory: directory) else { return nil }
        return "no mail store in \(directory): name the server's configuration with --config FILE "
            + "(read from \(systemConfiguration) when there), or its data directory with --data-dir DIR"
    }
}
