import ArgumentParser
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
            QueueCommand.self, DNSCommand.self,
            DKIMCommand.self,
        ]
    )
}

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print the version of Tern.")

    func run() {
        print("tern \(TernVersion.string)")
    }
}
