import Foundation
import MailStore
import NIOSSL

/// What `tern config check` looks at beyond the file's syntax: the files
/// and directories the configuration names, from the point of view of the
/// user the server will run as (`[server] user`, else the one running the
/// check). Each problem is one line naming the key, the path and the user.
public enum ConfigurationCheck {
    /// The user whose access is checked.
    public static func serviceUser(for configuration: TernConfiguration) -> SystemUser {
        configuration.server.user.flatMap { SystemUser.named($0, group: configuration.server.group) } ?? .current
    }

    /// Every problem found, in the order of the keys.
    public static func problems(_ configuration: TernConfiguration) -> [String] {
        var problems: [String] = []
        if let name = configuration.server.user {
            if SystemUser.named(name) == nil {
                problems.append("server.user: there is no user \"\(name)\" on this system")
            } else if let group = configuration.server.group, SystemUser.groupID(named: group) == nil {
                problems.append("server.group: there is no group \"\(group)\" on this system")
            }
        }
        let user = serviceUser(for: configuration)
        // A missing directory is no problem with [server] user: tern serve,
        // started as root, creates it for the user (systemd's StateDirectory= too).
        if let problem = DataDirectoryAccess.problem(directory: configuration.dataDirectory, for: user),
           !(problem.missing && configuration.server.user != nil) {
            problems.append("data_directory: \(problem)")
        }
        if let certificate = configuration.tls.certificatePath, let key = configuration.tls.keyPath {
            problems += tlsProblems(certificate: certificate, key: key, user: user)
        }
        if let file = configuration.logging.file, let problem = logFileProblem(file, user: user) {
            problems.append("logging.file: \(problem)")
        }
        if let reason = StoreFactory.unavailability(of: configuration.store.backend) {
            problems.append(reason)
        }
        return problems
    }

    /// A missing or unreadable certificate or key file, naming which; a
    /// file that is not PEM of its kind.
    static func tlsProblems(certificate: String, key: String, user: SystemUser) -> [String] {
        var problems: [String] = []
        for (name, path) in [("tls.certificate", certificate), ("tls.key", key)] {
            if let problem = readProblem(path, user: user) {
                problems.append("\(name): \(problem)")
                continue
            }
            // The PEM is read as the user running the check, who may differ.
            guard FileManager.default.isReadableFile(atPath: path) else { continue }
            do {
                if name == "tls.certificate" {
                    if try NIOSSLCertificate.fromPEMFile(path).isEmpty {
                        problems.append("tls.certificate: \(path) holds no PEM certificate")
                    }
                } else {
                    _ = try NIOSSLPrivateKey(file: path, format: .pem)
                }
            } catch {
                problems.append("\(name): \(path) is not a PEM \(name == "tls.key" ? "private key" : "certificate"): "
                    + "\(error)")
            }
        }
        return problems
    }

    /// Why `user` cannot read the file at `path`, nil when it can.
    static func readProblem(_ path: String, user: SystemUser) -> String? {
        if let denial = FileAccess.searchDenial(above: path, for: user) {
            return "\(path) cannot be read by user \(user.name) (\(denial))"
        }
        guard FileAccess.status(of: path) != nil else { return "\(path) does not exist" }
        if let denial = FileAccess.denial(path, for: user, read: true, write: false) {
            return "\(path) cannot be read by user \(user.name) (\(denial))"
        }
        return nil
    }

    /// Why `user` cannot append to the log file (or create it), nil when it can.
    static func logFileProblem(_ path: String, user: SystemUser) -> String? {
        if let denial = FileAccess.searchDenial(above: path, for: user) {
            return "\(path) cannot be written by user \(user.name) (\(denial))"
        }
        if FileAccess.status(of: path) != nil {
            return FileAccess.denial(path, for: user, read: false, write: true)
                .map { "\(path) cannot be written by user \(user.name) (\($0))" }
        }
        let directory = (path as NSString).deletingLastPathComponent
        guard let info = FileAccess.status(of: directory) else { return "the directory \(directory) does not exist" }
        if !FileAccess.allows(info, user, read: false, write: true, execute: true) {
            return "\(path) cannot be created by user \(user.name) "
                + "(\(FileAccess.Denial(path: directory, info: info)))"
        }
        return nil
    }
}
