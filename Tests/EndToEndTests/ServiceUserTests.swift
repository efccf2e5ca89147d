import Foundation
import XCTest

/// `[server] user`: `tern serve` started as root binds, then runs as that
/// user; admin commands as root leave no file the service cannot open;
/// admin commands as a user who cannot use the data directory say who can.
final class ServiceUserTests: ServiceEndToEndTestCase {
    private var nobody: (uid: UInt32, gid: UInt32, name: String) { Self.nobody }

    /// Root starts it; it binds its listeners, creates the data directory
    /// for nobody and becomes nobody for good (real, effective, saved and
    /// file-system ids; no capabilities left); it still serves an IMAP
    /// login, and every file in the data directory belongs to nobody.
    func testStartedAsRootBindsThenRunsAsServerUser() throws {
        try requireRoot()
        try writeServiceConfig(user: "nobody")
        try launchServer()
        try waitUntilAccepting([imapsPort, smtpPort])
        // The ports accept as soon as they are bound (as root); the drop comes next.
        try waitFor("listening in the log") { server!.stderr.contains("smtp listening on") }
        XCTAssertTrue(server!.stderr.contains("listeners bound; now running as nobody"), serverLog)
        let status = processStatus(server!.pid)
        let uid = "\(nobody.uid)\t\(nobody.uid)\t\(nobody.uid)\t\(nobody.uid)"
        let gid = "\(nobody.gid)\t\(nobody.gid)\t\(nobody.gid)\t\(nobody.gid)"
        XCTAssertEqual(status["Uid"], uid, "\(status)")
        XCTAssertEqual(status["Gid"], gid, "\(status)")
        XCTAssertEqual(status["CapEff"], "0000000000000000", "\(status)")
        XCTAssertEqual(status["CapPrm"], "0000000000000000", "\(status)")
        XCTAssertFalse((status["Groups"] ?? "").split(separator: " ").contains("0"), "\(status)")

        // The first account was created by the server running as nobody.
        let printed = server!.stdout
        let pattern = try NSRegularExpression(pattern: #"Created account (postmaster@example\.test) with password (\S+)"#)
        guard let match = pattern.firstMatch(in: printed, range: NSRange(printed.startIndex..., in: printed)),
              let passwordRange = Range(match.range(at: 2), in: printed) else {
            return XCTFail("no postmaster password printed: \(serverLog)")
        }
        try pythonOK("service_e2e.py", ["imap-login", "--port", String(imapsPort), "--user", "postmaster@example.test",
                                        "--password", String(printed[passwordRange])])
        let owners = owners(under: dataDir)
        XCTAssertGreaterThan(owners.count, 3, "\(owners)")
        XCTAssertTrue(owners.contains { $0.0.hasSuffix("/tls/key.pem") }, "\(owners)")
        for (path, owner) in owners {
            XCTAssertEqual(owner, nobody.uid, "\(path) belongs to uid \(owner)")
        }
        XCTAssertTrue(stopServer(), "stops by itself on SIGTERM")
    }

    /// Started as an unprivileged user from the start (as systemd's User=
    /// does), it serves: IMAP logins and SMTP, whose accepted sockets get
    /// only options such a user may set.
    func testServesWhenStartedAsAnUnprivilegedUser() throws {
        try requireRoot()
        try writeServiceConfig()
        try FileManager.default.createDirectory(at: dataDir, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        XCTAssertEqual(chown(dataDir.path, nobody.uid, nobody.gid), 0)
        let add = try tern(asUID: nobody.uid, gid: nobody.gid, ["domain", "add", domain])
        XCTAssertTrue(add.succeeded, add.transcript)
        let account = try tern(asUID: nobody.uid, gid: nobody.gid, ["account", "add", self.account, "--password-stdin"],
                               stdin: password + "\n")
        XCTAssertTrue(account.succeeded, account.transcript)
        try launchServer(executable: try setpriv(),
                         arguments: ["--reuid=\(nobody.uid)", "--regid=\(nobody.gid)", "--clear-groups", "--",
                                     try TernPaths.ternExecutable().path, "serve", "--config", configURL.path])
        try waitUntilAccepting([imapsPort, smtpPort])
        try waitFor("listening in the log") { server!.stderr.contains("smtp listening on") }
        XCTAssertFalse(server!.stderr.contains("running as root"), serverLog)
        try imapLogin()
        try rcpt(self.account, expect: 250)
        try imapLogin()
        XCTAssertEqual(processStatus(server!.pid)["Uid"], "\(nobody.uid)\t\(nobody.uid)\t\(nobody.uid)\t\(nobody.uid)")
        XCTAssertTrue(stopServer())
    }

    /// Admin commands run by root on a data directory of the service become
    /// its owner: the database, message files and DKIM keys they create
    /// all belong to nobody, who can then use them.
    func testAdminCommandsAsRootCreateNoRootFiles() throws {
        try requireRoot()
        try writeServiceConfig(user: "nobody")
        // No data directory yet: created for [server] user.
        try ternOK(["domain", "add", domain])
        try ternOK(["account", "add", account, "--password-stdin"], stdin: password + "\n")
        let mbox = try generateMbox(count: 5, seed: 7)
        XCTAssertTrue(try importMbox(mbox).succeeded)
        try ternOK(["dkim", "generate", domain])
        let owners = owners(under: dataDir)
        XCTAssertTrue(owners.contains { $0.0.contains("/messages/") && $0.0.hasSuffix(".eml") }, "\(owners)")
        XCTAssertTrue(owners.contains { $0.0.contains("/dkim/") }, "\(owners)")
        for (path, owner) in owners {
            XCTAssertEqual(owner, nobody.uid, "\(path) belongs to uid \(owner)")
        }
        let asNobody = try tern(asUID: nobody.uid, gid: nobody.gid, ["account", "list"])
        XCTAssertTrue(asNobody.succeeded, asNobody.transcript)
        XCTAssertTrue(asNobody.stdout.contains(account), asNobody.transcript)

        try launchServer()
        try waitUntilAccepting([imapsPort])
        try imapLogin()
        // Root adds an account while the server (as nobody) runs; it can log in.
        try ternOK(["account", "add", "second@\(domain)", "--password-stdin"], stdin: password + "\n")
        try pythonOK("service_e2e.py", ["imap-login", "--port", String(imapsPort), "--user", "second@\(domain)",
                                        "--password", password])
        for (path, owner) in self.owners(under: dataDir) {
            XCTAssertEqual(owner, nobody.uid, "\(path) belongs to uid \(owner)")
        }
    }

    /// A user who cannot read the store is told so plainly, with the owner
    /// and the command to run instead (not SQLite's "unable to open").
    func testAdminCommandAsTheWrongUserSaysWhoCan() throws {
        try requireRoot()
        let daemon = try XCTUnwrap(Self.passwdEntry("daemon"), "Debian has the user daemon")
        try writeServiceConfig()
        try ternOK(["domain", "add", domain])  // as root, no [server] user: root's directory
        let denied = try tern(asUID: nobody.uid, gid: nobody.gid, ["account", "list"])
        XCTAssertNotEqual(denied.status, 0, denied.transcript)
        XCTAssertTrue(denied.stderr.contains("cannot open the store in \(dataDir.path) as user nobody: permission "
            + "denied (the data directory belongs to root; run the command as root)"), denied.transcript)
        XCTAssertFalse(denied.stderr.contains("SQLite"), denied.transcript)

        let chown = try ChildProcess.run(executable: URL(fileURLWithPath: "/bin/chown"),
                                         arguments: ["-R", "\(nobody.uid):\(nobody.gid)", dataDir.path],
                                         directory: workDir, label: "chown", timeout: 60)
        XCTAssertTrue(chown.succeeded, chown.transcript)
        let other = try tern(asUID: daemon.uid, gid: daemon.gid, ["account", "list"])
        XCTAssertNotEqual(other.status, 0, other.transcript)
        let ternPath = try TernPaths.ternExecutable().path
        XCTAssertTrue(other.stderr.contains("cannot open the store in \(dataDir.path) as user daemon: permission "
            + "denied (the data directory belongs to nobody; run as nobody, e.g. sudo -u nobody \(ternPath) account list "
            + "--config \(configURL.path))"), other.transcript)
        let owner = try tern(asUID: nobody.uid, gid: nobody.gid, ["account", "list"])
        XCTAssertTrue(owner.succeeded, owner.transcript)
    }

    /// Started as neither root nor [server] user, `tern serve` refuses to
    /// start and says why; nothing is created.
    func testServeAsAnotherUserThanServerUserRefuses() throws {
        try requireRoot()
        try writeServiceConfig(user: "daemon")
        let result = try ChildProcess.run(
            executable: try setpriv(),
            arguments: ["--reuid=\(nobody.uid)", "--regid=\(nobody.gid)", "--clear-groups", "--",
                        try TernPaths.ternExecutable().path, "serve", "--config", configURL.path],
            directory: workDir, label: "tern-serve-as-nobody", timeout: 60)
        XCTAssertNotEqual(result.status, 0, result.transcript)
        XCTAssertTrue(result.stderr.contains("[server] user is \"daemon\" but tern serve was started as nobody "
            + "(uid \(nobody.uid)): start it as root (it binds its ports, then becomes daemon) or as daemon"),
                      result.transcript)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dataDir.path))
        XCTAssertFalse(LoopbackPorts.accepts(imapsPort))
    }
}
