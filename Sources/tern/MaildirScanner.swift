import Foundation
import MailCore

/// Finds the folders and message files of a maildir with Maildir++ subfolders.
enum MaildirScanner {
    struct Folder {
        var path: String
        var mailboxName: String
    }

    struct MessageFile {
        var path: String
        var flags: MessageFlags
        var modified: Date
    }

    /// The root (as INBOX) and every `.Name` folder holding cur/ or new/, root first.
    static func folders(root: String) throws -> [Folder] {
        var status = stat()
        guard stat(root, &status) == 0 else {
            // errno says which: missing, or a parent directory not searchable.
            throw CommandError("cannot open \(root): \(String(cString: strerror(errno)))")
        }
        guard status.st_mode & S_IFMT == S_IFDIR else {
            throw CommandError("\(root) is a file, not a maildir (for an mbox file: tern import mbox)")
        }
        let entries = try listDirectory(root)
        guard isMaildir(root) else {
            throw CommandError("\(root) is not a maildir (it has no cur/ or new/ directory)")
        }
        var folders = [Folder(path: root, mailboxName: "INBOX")]
        for entry in entries.sorted() {
            let path = (root as NSString).appendingPathComponent(entry)
            guard let name = MaildirPlusPlus.mailboxName(forDirectory: entry), isMaildir(path) else { continue }
            folders.append(Folder(path: path, mailboxName: name))
        }
        return folders
    }

    /// The messages of new/ (no flags: not yet seen by a client) and cur/
    /// (flags from the name), oldest first.
    static func messageFiles(in folder: Folder) throws -> [MessageFile] {
        var files: [MessageFile] = []
        for subdirectory in ["new", "cur"] {
            let directory = (folder.path as NSString).appendingPathComponent(subdirectory)
            guard isDirectory(directory) else { continue }
            let names = try listDirectory(directory)
            for name in names where !name.hasPrefix(".") {
                let path = (directory as NSString).appendingPathComponent(name)
                var status = stat()
                guard stat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { continue }
                let modified = Date(timeIntervalSince1970: TimeInterval(status.st_mtim.tv_sec))
                let flags = subdirectory == "cur" ? MaildirFilename(name).flags : []
                files.append(MessageFile(path: path, flags: flags, modified: modified))
            }
        }
        return files.sorted { ($0.modified, $0.path) < ($1.modified, $1.path) }
    }

    private static func isMaildir(_ path: String) -> Bool {
        ["cur", "new"].contains { isDirectory((path as NSString).appendingPathComponent($0)) }
    }

    private static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// The entries of a directory; one that cannot be read is an error, not
    /// an empty folder (the import would report nothing imported).
    private static func listDirectory(_ path: String) throws -> [String] {
        guard let handle = opendir(path) else {
            throw CommandError("cannot read \(path): \(String(cString: strerror(errno)))")
        }
        closedir(handle)
        do {
            return try FileManager.default.contentsOfDirectory(atPath: path)
        } catch {
            throw CommandError("cannot read \(path): \(error.localizedDescription)")
        }
    }
}
