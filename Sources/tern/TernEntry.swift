import ArgumentParser
import Dispatch
import Foundation
import Logging
import Server

/// The program's entry point. A change of user happens here, synchronously
/// on the process's first thread before any other thread exists: setuid(2)
/// would not reach that thread once the Swift runtime has parked it in
/// dispatch_main (`PrivilegedStart`). For `tern serve` that is the part of
/// the start that may need root (binding ports, becoming `[server] user`);
/// for a command on the data directory run by root, becoming the
/// directory's owner (`StoreAccess`). Then the command runs as usual.
@main
enum TernEntry {
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        prepareServe(arguments: arguments)
        prepareStoreAccess(arguments: arguments)
        Task {
            await Tern.main()
            exit(0)
        }
        dispatchMain()
    }

    /// Does `PrivilegedStart` for `tern serve`; a failure ends the process
    /// with the error, as the command would. Any other command: nothing.
    private static func prepareServe(arguments: [String]) {
        guard let serve = (try? Tern.parseAsRoot(arguments)) as? ServeCommand else { return }
        do {
            let configuration = try loadConfiguration(path: serve.config)
            try ServeCommand.bootstrapLogging(configuration)
            PrivilegedStart.prepared = try PrivilegedStart.perform(configuration, logger: Logger(label: "tern"))
        } catch {
            ServeCommand.logStartFailure(error)
            Tern.exit(withError: error as? CommandError ?? CommandError("\(error)"))
        }
    }

    /// A command with `StoreOptions` (`--config`, `--data-dir`) becomes the
    /// data directory's owner now when run as root; a user who cannot use
    /// the directory is told who can. The command itself checks again.
    private static func prepareStoreAccess(arguments: [String]) {
        guard SystemUser.current.isRoot, let command = try? Tern.parseAsRoot(arguments) else { return }
        let options = Mirror(reflecting: command).children.lazy
            .compactMap { ($0.value as? OptionGroup<StoreOptions>)?.wrappedValue }.first
        guard let options else { return }
        do {
            _ = try options.accessibleDataDirectory()
        } catch {
            Tern.exit(withError: error)
        }
    }
}
