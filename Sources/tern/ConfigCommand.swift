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
            discussion: "Exits with status 1 after printing the error (key and line) when the file is wrong."
        )
        @Option(name: .long, help: ArgumentHelp("The configuration file (none: the local defaults).", valueName: "file"))
        var config: String?

        func run() throws {
            do {
                print(ConfigurationRenderer.toml(try ConfigurationLoader.load(path: config)), terminator: "")
            } catch let error as ConfigurationError {
                printError("tern: \(config.map { "\($0): " } ?? "")\(error)")
                throw ExitCode(1)
            }
        }
    }
}
