import ArgumentParser
import Foundation
import Server

/// `tern`: the mail server and its administration commands.
struct Tern: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tern",
        abstract: "Tern mail server: IMAP, POP3 and SMTP over one mail store.",
        discussion: """
        Run `tern serve` to start the server (with no --config: loopback only, \
        high ports, data in ./tern-data). The administration commands work on \
        the data directory while the server runs.
        """,
        version: "tern \(TernVersion.string)",
        subcommands: [
            ServeCommand.self, AccountCommand.self, DomainCommand.self, AliasCommand.self, ImportCommand.self,
            ExportCommand.self, ConfigCommand.self, VersionCommand.self,
            QueueCommand.self, SendmailCommand.self, MailqCommand.self, DNSCommand.self,
            DKIMCommand.self, MailboxCommand.self, WhoCommand.self, KickCommand.self, ThrottleCommand.self,
            BackupCommand.self, RestoreCommand.self, StoreCommand.self, QuotaCommand.self,
        ]
    )

    /// Run through a link named `sendmail` or `mailq` (where cron, mailx
    /// and scripts look: /usr/sbin/sendmail, /usr/bin/mailq), `tern` is
    /// that command.
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        let name = URL(fileURLWithPath: CommandLine.arguments.first ?? "tern").lastPathComponent
        await main(["sendmail", "mailq"].contains(name) ? [name] + arguments : arguments)
    }
}

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print the version of Tern.")

    func run() {
        print("tern \(TernVersion.string)")
    }
}
