import ArgumentParser
import Foundation
import MailStore
import Server

/// `tern backup DIR`: a consistent copy of the store while the server runs.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the store into a new directory while the server runs.",
        discussion: """
        DIR must be missing or empty. It gets tern.sqlite (SQLite's online backup) and messages/ \
        with every body the copy references: hard links when DIR is on the data directory's file \
        system (body files never change), copies elsewhere. Every message acknowledged before the \
        backup began is in it. Writers wait while the database is copied. Restore with `tern restore DIR`.
        """
    )
    @OptionGroup var options: StoreOptions
    @Argument(help: ArgumentHelp("The new backup directory.", valueName: "dir")) var directory: String

    func run() async throws {
        let target = absolutePath(directory)
        let summary = try await options.withStore { store, _ in try await store.backup(to: target) }
        print("backed up \(summary.messages) messages, \(summary.queuedMessages) queued messages and "
            + "\(summary.bodyFiles) body files into \(target)")
    }
}

/// `tern restore DIR`: puts a backup in place of the store, server stopped.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Replace the store in the data directory with a backup (the server must be stopped).",
        discussion: """
        The backup is verified first (the database's integrity check, every referenced body \
        present). Refused while tern serve (or another command) uses the data directory, and when \
        the data directory already holds a store, unless --force. Other files of the data \
        directory (the generated certificate) stay.
        """
    )
    @OptionGroup var options: StoreOptions
    @Flag(name: .long, help: "Replace a store the data directory already holds.") var force = false
    @Argument(help: ArgumentHelp("The directory `tern backup` wrote.", valueName: "dir")) var directory: String

    func run() async throws {
        let backup = absolutePath(directory)
        let (dataDirectory, configuration) = try options.accessibleDataDirectory()
        let socket = ControlCoding.socketPath(dataDirectory: dataDirectory)
        if await ControlClient.isAnswering(socketPath: socket)
            || StoreFactory.isInUse(configuration.store, dataDirectory: dataDirectory) {
            throw CommandError("the store in \(dataDirectory) is in use (tern serve is running?): stop the server first")
        }
        let summary: StoreBackupSummary
        do {
            summary = try StoreFactory.restore(configuration.store, backup: backup, into: dataDirectory,
                                               replacingExisting: force)
        } catch let error as MailStoreError {
            throw CommandError(error)
        }
        print("restored \(summary.messages) messages, \(summary.queuedMessages) queued messages and "
            + "\(summary.bodyFiles) body files from \(backup) into \(dataDirectory)")
    }
}

/// `path` made absolute against the current directory.
func absolutePath(_ path: String) -> String {
    URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
        .standardizedFileURL.path
}
