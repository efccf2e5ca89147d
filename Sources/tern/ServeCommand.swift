import ArgumentParser
import Logging
import MailStore
import Server

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Start every configured listener and serve until SIGTERM or SIGINT.",
        discussion: """
        Without --config the local defaults are used: listeners on 127.0.0.1 \
        (IMAP 1143, IMAPS 1993, POP3 1110, POP3S 1995, SMTP 2525, submission \
        2587 and 2465, HTTP 8080 and HTTPS 8443), data in ./tern-data, a \
        self-signed certificate generated there. When the store has no \
        account, one is created and its password printed once. Started as \
        root with [server] user, it binds its ports and then becomes that \
        user. SIGHUP reloads the configuration file, SIGUSR1 reopens the log \
        file.
        """
    )

    @Option(name: .long, help: ArgumentHelp("The TOML configuration file (see tern.example.toml).", valueName: "file"))
    var config: String?

    func run() async throws {
        // Bound and switched user already (TernEntry), or now.
        let prepared = PrivilegedStart.takePrepared()
        let configuration = try prepared?.configuration ?? loadConfiguration(path: config)
        if let reason = StoreFactory.unavailability(of: configuration.store.backend) {
            throw CommandError(reason)
        }
        try Self.bootstrapLogging(configuration)
        let logger = Logger(label: "tern")
        do {
            try await TernServer(configuration: configuration, configurationPath: config, logger: logger)
                .run(prepared: prepared)
        } catch {
            Self.logStartFailure(error)
            throw CommandError("\(error)")
        }
    }

    /// `[logging]` from the configuration. A log file root opens is given
    /// to the user the server will become.
    static func bootstrapLogging(_ configuration: TernConfiguration) throws {
        let serviceUser = SystemUser.current.isRoot
            ? configuration.server.user.flatMap { SystemUser.named($0, group: configuration.server.group) } : nil
        do {
            try LoggingSetup.bootstrap(settings: configuration.logging, fileOwner: serviceUser)
        } catch {
            throw CommandError("\(error)")
        }
    }

    /// Standard error shows a failed start as "Error: …"; a log file gets it too.
    static func logStartFailure(_ error: any Error) {
        if LoggingSetup.filePath != nil { Logger(label: "tern").critical("\(error)") }
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
