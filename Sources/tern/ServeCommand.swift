import ArgumentParser
import Logging
import Server

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Start every configured listener and serve until SIGTERM or SIGINT.",
        discussion: """
        Without --config the local defaults are used: listeners on 127.0.0.1 \
        (IMAP 1143, IMAPS 1993, POP3 1110, POP3S 1995, SMTP 2525, submission \
        2587 and 2465), data in ./tern-data, a self-signed certificate generated \
        there. When the store has no account, one is created and its password \
        printed once. SIGHUP reloads the certificate.
        """
    )

    @Option(name: .long, help: ArgumentHelp("The TOML configuration file (see tern.example.toml).", valueName: "file"))
    var config: String?

    func run() async throws {
        let configuration = try loadConfiguration(path: config)
        LoggingSetup.bootstrap(settings: configuration.logging)
        let logger = Logger(label: "tern")
        try await TernServer(configuration: configuration, logger: logger).run()
    }
}

/// Loads the configuration, turning a configuration error into a clear
/// message with the file name.
func loadConfiguration(path: String?) throws -> TernConfiguration {
    do {
        return try ConfigurationLoader.load(path: path)
    } catch let error as ConfigurationError {
        throw CommandError(path.map { "\($0): \(error)" } ?? "\(error)")
    }
}
