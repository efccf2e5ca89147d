import ArgumentParser
import Server

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Work with the configuration file.",
        subcommands: [Check.self]
    )

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate the configuration and print the effective values, every key in TOML.",
            discussion: """
            Exits with status 1 after printing the error (key and line) when the file is wrong, \
            or each problem with the files it names: a missing or unreadable tls.certificate or \
            tls.key, a data directory or log file the server's user ([server] user, else the \
            user running the check) cannot create or write, an unknown [server] user.
            """
        )
        @Option(name: .long, help: ArgumentHelp("The configuration file (none: the local defaults).", valueName: "file"))
        var config: String?

        func run() throws {
            let configuration: TernConfiguration
            do {
                configuration = try ConfigurationLoader.load(path: config)
            } catch let error as ConfigurationError {
                printError("tern: \(config.map { "\($0): " } ?? "")\(error)")
                throw ExitCode(1)
            }
            print(ConfigurationRenderer.toml(configuration), terminator: "")
            let problems = ConfigurationCheck.problems(configuration)
            for problem in problems { printError("tern: \(problem)") }
            if !problems.isEmpty { throw ExitCode(1) }
        }
    }
}
