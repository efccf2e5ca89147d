import Foundation
import XCTest

/// Real sync clients against the server's IMAPS listener: mbsync (isync,
/// Debian; required on CI) pulls nested folders and flags into a Maildir,
/// pushes a local flag change and deletion back, and a further sync changes
/// nothing; curl lists mailboxes and fetches a message by UID.
final class IMAPSyncClientTests: IMAPEndToEndTestCase {
    /// The JSON shape of a mailbox in Scripts/imap_sync.py: sorted [Message-ID, flags] pairs.
    private static func entries(_ pairs: [(String, [String])]) -> NSArray {
        pairs.map { [$0.0 as Any, $0.1 as Any] as NSArray } as NSArray
    }

    /// Scripts/imap_sync.py server-state: mailbox -> sorted [Message-ID, flags].
    private func serverState(file: StaticString = #filePath, line: UInt = #line) throws -> NSDictionary {
        let result = try imapScript("imap_sync.py", ["server-state"], file: file, line: line)
        return try Self.json(result.stdout)
    }

    /// Scripts/imap_sync.py local-state of the Maildir: ["state": …, "files": […]].
    private func localState(_ maildir: URL, file: StaticString = #filePath, line: UInt = #line) throws -> NSDictionary {
        let result = try pythonOK("imap_sync.py", ["local-state", "--maildir", maildir.path], file: file, line: line)
        return try Self.json(result.stdout)
    }

    /// The JSON object on the last line of a script's output (the lines before are its checks).
    private static func json(_ text: String) throws -> NSDictionary {
        let last = text.split(separator: "\n").last.map(String.init) ?? ""
        let object = try JSONSerialization.jsonObject(with: Data(last.utf8))
        return try XCTUnwrap(object as? NSDictionary, "a JSON object: \(text)")
    }

    private func writeMbsyncConfig(maildir: URL) throws -> URL {
        let rc = workDir.appendingPathComponent("mbsyncrc")
        let certificate = dataDir.appendingPathComponent("tls/cert.pem").path
        XCTAssertTrue(FileManager.default.fileExists(atPath: certificate), "the generated certificate is at \(certificate)")
        // isync 1.4 spells TLSType as SSLType; the self-signed certificate is trusted by itself.
        let text = """
        IMAPAccount tern
        Host 127.0.0.1
        Port \(imapsPort)
        User \(account)
        Pass "\(password)"
        SSLType IMAPS
        SystemCertificates no
        CertificateFile \(certificate)
        AuthMechs LOGIN
        Timeout 30

        IMAPStore tern-remote
        Account tern

        MaildirStore tern-local
        Path \(maildir.path)/
        Inbox \(maildir.path)/INBOX
        SubFolders Verbatim

        Channel tern
        Far :tern-remote:
        Near :tern-local:
        Patterns *
        Create Near
        Expunge Both
        SyncState *

        """
        try Data(text.utf8).write(to: rc)
        return rc
    }

    private func mbsync(_ executable: URL, config: URL, label: String,
                        file: StaticString = #filePath, line: UInt = #line) throws {
        let result = try ChildProcess.run(executable: executable, arguments: ["-c", config.path, "-a"],
                                          directory: workDir, label: label, timeout: 180)
        XCTAssertTrue(result.succeeded, "mbsync (\(label)): \(result.transcript)\n\(serverLog)", file: file, line: line)
        guard result.succeeded else { throw HarnessError.failed("mbsync \(label)") }
    }

    func testMbsyncPullsPushesAndResyncsNothing() throws {
        let executable = try requireDebianClient("mbsync")
        try startIMAPServer()
        try imapScript("imap_sync.py", ["seed"])
        let maildir = workDir.appendingPathComponent("mail", isDirectory: true)
        try FileManager.default.createDirectory(at: maildir, withIntermediateDirectories: true)
        let config = try writeMbsyncConfig(maildir: maildir)

        // Pull: the local Maildir mirrors the server, nested folders and flags included.
        try mbsync(executable, config: config, label: "mbsync-pull")
        let pulled = try serverState()
        XCTAssertEqual(pulled["INBOX"] as? NSArray,
                       Self.entries([("sync-s1@e2e.test", ["\\Seen"]), ("sync-s2@e2e.test", ["\\Flagged"]),
                                     ("sync-s3@e2e.test", [])]))
        XCTAssertEqual(pulled["Work/Clients"] as? NSArray,
                       Self.entries([("sync-c1@e2e.test", ["\\Answered", "\\Seen"]), ("sync-c2@e2e.test", [])]))
        XCTAssertEqual(pulled["Work/Clients/Acme"] as? NSArray, Self.entries([("sync-a1@e2e.test", ["\\Seen"])]))
        let local = try localState(maildir)
        XCTAssertEqual(local["state"] as? NSDictionary, pulled, "the Maildir mirrors the server")

        // Push: a flag set and a message deleted locally reach the server.
        try pythonOK("imap_sync.py", ["modify-local", "--maildir", maildir.path])
        try mbsync(executable, config: config, label: "mbsync-push")
        let pushed = try serverState()
        XCTAssertEqual(pushed["INBOX"] as? NSArray,
                       Self.entries([("sync-s1@e2e.test", ["\\Seen"]), ("sync-s2@e2e.test", ["\\Flagged"]),
                                     ("sync-s3@e2e.test", ["\\Flagged"])]), "the local flag reached the server")
        XCTAssertEqual(pushed["Work/Clients"] as? NSArray, Self.entries([("sync-c1@e2e.test", ["\\Answered", "\\Seen"])]),
                       "the local deletion was expunged on the server")
        let afterPush = try localState(maildir)
        XCTAssertEqual(afterPush["state"] as? NSDictionary, pushed, "both sides agree after the push")

        // A further sync changes nothing on either side.
        try mbsync(executable, config: config, label: "mbsync-again")
        XCTAssertEqual(try serverState(), pushed, "the server is unchanged by a second sync")
        XCTAssertEqual(try localState(maildir), afterPush, "the Maildir (names and flags) is unchanged")
    }

    func testCurlListsAndFetches() throws {
        let curl = try requireDebianClient("curl")
        try startIMAPServer()
        try imapScript("imap_sync.py", ["seed"])
        let credentials = "\(account):\(password)"
        func run(_ label: String, _ arguments: [String]) throws -> CommandResult {
            let result = try ChildProcess.run(
                executable: curl, arguments: ["--silent", "--show-error", "--max-time", "30", "-u", credentials] + arguments,
                directory: workDir, label: label, timeout: 60)
            XCTAssertTrue(result.succeeded, "curl \(label): \(result.transcript)\n\(serverLog)")
            return result
        }
        // LIST over IMAPS (certificate check off: self-signed).
        let list = try run("curl-list", ["-k", "imaps://127.0.0.1:\(imapsPort)/"])
        for name in ["INBOX", "Work/Clients/Acme", "Archive"] {
            XCTAssertTrue(list.stdout.contains(name), "curl lists \(name): \(list.stdout)")
        }
        // A message by UID, whole.
        let message = try run("curl-fetch", ["-k", "imaps://127.0.0.1:\(imapsPort)/INBOX;UID=1"])
        XCTAssertTrue(message.stdout.contains("Message-ID: <sync-s1@e2e.test>"), message.stdout)
        XCTAssertTrue(message.stdout.contains("Body of sync-s1."), message.stdout)
        // A nested folder over STARTTLS (TLS required), a message by UID.
        let nested = try run("curl-starttls", ["-k", "--ssl-reqd",
                                               "imap://127.0.0.1:\(imapPort)/Work%2FClients%2FAcme;UID=1"])
        XCTAssertTrue(nested.stdout.contains("Message-ID: <sync-a1@e2e.test>"), nested.stdout)
        // A custom command: SEARCH.
        let search = try run("curl-search", ["-k", "imaps://127.0.0.1:\(imapsPort)/INBOX?FLAGGED"])
        XCTAssertTrue(search.stdout.contains("* SEARCH 2"), "curl SEARCH FLAGGED: \(search.stdout)")
        // Wrong password: curl fails, the server goes on.
        let refused = try ChildProcess.run(
            executable: curl, arguments: ["--silent", "--max-time", "30", "-k", "-u", "\(account):wrong",
                                          "imaps://127.0.0.1:\(imapsPort)/"],
            directory: workDir, label: "curl-wrong", timeout: 60)
        XCTAssertFalse(refused.succeeded, "a wrong password is refused: \(refused.transcript)")
    }

    /// Debian's mutt with `imap_deflate` over IMAPS (a pseudo-terminal from
    /// `script`, keys pushed): it turns COMPRESS on, then lists, selects,
    /// saves the first message into a folder it creates, flags the last and
    /// purges on quit — all over the compressed connection.
    func testMuttWithCompressionSavesAndFlags() throws {
        let mutt = try requireDebianClient("mutt")
        let script = try requireDebianClient("script")
        try startIMAPServer()
        try imapScript("imap_sync.py", ["seed"])
        let before = try serverState()
        let certificate = dataDir.appendingPathComponent("tls/cert.pem").path
        let rc = workDir.appendingPathComponent("muttrc")
        try Data("""
            set imap_user = "\(account)"
            set imap_pass = "\(password)"
            set imap_deflate = yes
            set certificate_file = "\(certificate)"
            set ssl_verify_host = no
            set folder = "imaps://127.0.0.1:\(imapsPort)/"
            set spoolfile = "+INBOX"
            set sort = mailbox-order
            set confirmcreate = no
            set delete = yes
            set mail_check = 0
            set timeout = 10
            set header_cache = ""
            set message_cachedir = ""

            """.utf8).write(to: rc)
        let keys = "<first-entry><save-message>=Saved<enter><last-entry><flag-message><sync-mailbox><quit>"
        let command = "TERM=vt100 \(mutt.path) -n -F \(rc.path) -e 'push \"\(keys)\"'"
        let result = try ChildProcess.run(executable: script, arguments: ["-qec", command, "/dev/null"],
                                          directory: workDir, label: "mutt", timeout: 60)
        XCTAssertTrue(result.succeeded, "mutt: \(result.transcript)\n\(serverLog)")
        XCTAssertTrue(serverLog.contains("DEFLATE compression started"), "mutt turned COMPRESS on: \(serverLog)")
        let after = try serverState()
        XCTAssertEqual(after["Saved"] as? NSArray, Self.entries([("sync-s1@e2e.test", ["\\Seen"])]),
                       "the first message was saved (COPY) into the new folder: \(after)")
        XCTAssertEqual(after["INBOX"] as? NSArray,
                       Self.entries([("sync-s2@e2e.test", ["\\Flagged"]), ("sync-s3@e2e.test", ["\\Flagged"])]),
                       "moved out of INBOX and the last one flagged: before \(before), after \(after)")
    }
}
