import Foundation
import Server

/// Who opens a data directory from the command line. Run as root on a
/// data directory another user owns, a command becomes that user before it
/// opens the store, so every file it creates (database, -wal/-shm, message
/// files, DKIM keys) belongs to the service; on a missing directory with
/// `[server] user` set it creates the directory for that user and becomes
/// it. Run as a user who cannot use the directory, it says who can.
enum StoreAccess {
    static func prepare(directory: String, configuration: TernConfiguration) throws {
        let current = SystemUser.current
        if current.isRoot {
            let owner: SystemUser?
            if let existing = DataDirectoryAccess.owner(of: directory) {
                owner = existing.isRoot ? nil : existing
            } else if let name = configuration.server.user,
                      let user = SystemUser.named(name, group: configuration.server.group), !user.isRoot {
                do {
                    try DataDirectoryAccess.createIfMissing(directory: directory, ownedBy: user)
                } catch {
                    throw CommandError("\(error)")
                }
                owner = user
            } else {
                owner = nil
            }
            guard let owner else { return }
            do {
                try PrivilegeDrop.become(owner)
            } catch {
                throw CommandError("\(error)")
            }
            return
        }
        guard let problem = DataDirectoryAccess.problem(directory: directory, for: current) else { return }
        throw CommandError(message(problem))
    }

    /// `cannot open the store in D as user alice: permission denied (the
    /// data directory belongs to tern; run as tern, e.g. sudo -u tern tern …)`.
    static func message(_ problem: DataDirectoryProblem,
                        arguments: [String] = CommandLine.arguments) -> String {
        if problem.missing {
            return "cannot create the data directory \(problem.directory) as user \(problem.user): permission denied "
                + "(\(problem.path) belongs to \(problem.owner))"
        }
        let head = "cannot open the store in \(problem.directory) as user \(problem.user): permission denied"
        guard let owner = DataDirectoryAccess.owner(of: problem.directory), owner.name != problem.user else {
            return head + " (\(problem.path) belongs to \(problem.owner))"
        }
        if owner.isRoot {
            return head + " (the data directory belongs to root; run the command as root)"
        }
        let command = (["sudo", "-u", owner.name] + arguments).map(shellQuoted).joined(separator: " ")
        return head + " (the data directory belongs to \(owner.name); run as \(owner.name), e.g. \(command))"
    }

    /// A word as a POSIX shell reads it back: plain when safe, else in single quotes.
    static func shellQuoted(_ word: String) -> String {
        let safe = word.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "@%+=:,./_-".contains($0)) }
        if safe && !word.isEmpty { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
