import ArgumentParser
import Foundation
import Logging
import MailStore
import Server

/// `--config` and `--data-dir`, shared by every command that opens the store.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The configuration file, to find data_directory.", valueName: "file"))
    var config: String?

    @Option(name: .customLong("data-dir"),
            help: ArgumentHelp("The data directory (overrides the configuration).", valueName: "dir"))
    var dataDirectory: String?

    /// The configuration (local defaults without --config).
    func configuration() throws -> TernConfiguration {
        try loadConfiguration(path: config)
    }

    /// The data directory and the configuration, once this process may use
    /// the directory: as root on a directory another user owns, the process
    /// has become that user (`StoreAccess`); as a user who cannot use it,
    /// this throws saying who can. For every command that writes there.
    func accessibleDataDirectory() throws -> (directory: String, configuration: TernConfiguration) {
        let configuration = try configuration()
        let directory = dataDirectory ?? configuration.dataDirectory
        try StoreAccess.prepare(directory: directory, configuration: configuration)
        return (directory, configuration)
    }

    /// Opens the store, runs `body`, and closes the store whatever happens.
    /// As root, on a data directory another user owns, it runs as that user
    /// (`StoreAccess`); as a user who cannot use the directory, it fails
    /// saying who can. With `addingLocalDomains`, first adds the configured
    /// `local_domains` the store lacks, as `tern serve` does at start:
    /// commands that need a local domain (account add, alias add, ...) work
    /// before the first start.
    func withStore<T>(addingLocalDomains: Bool = false,
                      _ body: (any MailStore, TernConfiguration) async throws -> T) async throws -> T {
        let (directory, configuration) = try accessibleDataDirectory()
        var logger = Logger(label: "tern.admin")
        logger.logLevel = .warning
        let store: any MailStore
        do {
            store = try StoreFactory.open(configuration.store, dataDirectory: directory, logger: logger,
                                          options: StoreFactory.Options(
                                              maximumMessageSize: configuration.limits.maxMessageSize))
        } catch let error as MailStoreError {
            throw CommandError(error)
        }
        do {
            if addingLocalDomains {
                try await StoreSetup.addLocalDomains(store: store, configuration: configuration)
            }
            let result = try await body(store, configuration)
            try await store.close()
            return result
        } catch let error as MailStoreError {
            try? await store.close()
            throw CommandError(error)
        } catch {
            try? await store.close()
            throw error
        }
    }
}

/// Writes a line to standard error (unbuffered).
func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
