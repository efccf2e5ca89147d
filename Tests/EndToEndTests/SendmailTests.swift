import Foundation
import XCTest

/// `tern sendmail` and `tern mailq` with the real binary: messages piped in
/// (with recipients, with -t, with -f, with and without -i) are read back
/// over IMAPS; a remote recipient waits in the queue; bad input gets
/// sendmail's exit statuses and delivers nothing; it works with the server
/// stopped too.
final class SendmailTests: LocalMailEndToEndTestCase {
    private func prepare() throws {
        try writeLocalMailConfig()
        try ternOK(["domain", "add", domain])
        try ternOK(["account", "add", account, "--password-stdin"], stdin: password + "\n")
    }

    /// `tern sendmail ARGS --config FILE` with `message` on standard input.
    private func sendmail(_ arguments: [String], _ message: String) throws -> CommandResult {
        try tern(["sendmail"] + arguments, stdin: message)
    }

    func testPipedMessagesArriveAndRemoteRecipientsWaitInTheQueue() throws {
        try prepare()
        try startLocalMailServer()
        let empty = try ternOK(["mailq"])
        XCTAssertEqual(empty.stdout, "Mail queue is empty\n")

        // With a recipient and -f; no -i: the "." line ends the message.
        let first = try sendmail(["-f", account, account], "Subject: sendmail-e2e-1\n\nline one\n.\nnot read\n")
        XCTAssertTrue(first.succeeded, first.transcript)
        XCTAssertEqual(first.stdout + first.stderr, "", "quiet on success (cron mails any output)")
        try findMail("sendmail-e2e-1", user: account, password: password,
                     expect: ["Return-Path: <\(account)>\r\nReceived: by \(hostName) (Tern sendmail, from userid ",
                              "\r\nDate: ", "\r\nFrom: \(account)\r\n", "\r\nMessage-ID: <", "@\(hostName)>\r\n",
                              "\r\n\r\nline one\r\n"],
                     absent: ["not read"])

        // A real shell pipe into a link named sendmail (as /usr/sbin/sendmail), with -t -i and -F, as
        // cron and PHP call it; Bcc: names a remote recipient.
        let links = workDir.appendingPathComponent("bin", isDirectory: true)
        try FileManager.default.createDirectory(at: links, withIntermediateDirectories: true)
        for name in ["sendmail", "mailq"] {
            try FileManager.default.createSymbolicLink(at: links.appendingPathComponent(name),
                                                       withDestinationURL: TernPaths.ternExecutable())
        }
        let script = "printf 'To: \(account)\\nBcc: friend@remote.test\\nSubject: sendmail-e2e-2\\n\\nfirst\\n.\\n"
            + "after the dot\\n' | '\(links.path)/sendmail' -t -i -F 'Cron Daemon' -odi -oem -B8BITMIME "
            + "--config '\(configURL.path)'"
        let piped = try ChildProcess.run(executable: URL(fileURLWithPath: "/bin/sh"), arguments: ["-c", script],
                                         directory: workDir, label: "sendmail-pipe", timeout: 120)
        XCTAssertTrue(piped.succeeded, piped.transcript)
        try findMail("sendmail-e2e-2", user: account, password: password,
                     expect: ["From: Cron Daemon <", "@\(domain)>\r\n", "\r\nfirst\r\n.\r\nafter the dot\r\n"],
                     absent: ["Bcc:", "friend@remote.test"])
        let mailq = try ternOK(["mailq"])
        XCTAssertTrue(mailq.stdout.hasPrefix("-Queue ID-"), mailq.stdout)
        XCTAssertTrue(mailq.stdout.contains("friend@remote.test"), mailq.stdout)
        XCTAssertTrue(mailq.stdout.contains("@\(domain)\n"),
                      "the sender is the Unix user at the first local domain: \(mailq.stdout)")
        XCTAssertTrue(mailq.stdout.hasSuffix("Kbytes in 1 Request.\n"), mailq.stdout)
        let linked = try ChildProcess.run(executable: links.appendingPathComponent("mailq"),
                                          arguments: ["--config", configURL.path], directory: workDir,
                                          label: "mailq-link", timeout: 60)
        XCTAssertEqual(linked.stdout, mailq.stdout, "a link named mailq is `tern mailq`: \(linked.transcript)")
        let list = try ternOK(["queue", "list"])
        XCTAssertTrue(list.stdout.contains("-> friend@remote.test"), list.stdout)
    }

    /// Bad input: plain errors and sendmail's statuses, nothing delivered,
    /// and the server still delivers afterwards.
    func testBadInputGetsSendmailExitStatuses() throws {
        try prepare()
        try startLocalMailServer()
        let good = "Subject: sendmail-bad\n\nbody\n"
        let cases: [(String, [String], String, Int32, String)] = [
            ("no recipient", [], good, 64, "no recipients given"),
            ("unknown option", ["-x", account], good, 64, "unknown option -x"),
            ("unknown user", ["nobody@\(domain)"], good, 67, "nobody@\(domain): no such user here"),
            ("binary garbage", [account], "Subject: sendmail-bad\n\n\u{0}\u{1}\u{FF}\u{0}garbage\n", 65, "NUL octets"),
            ("too large", [account], good + String(repeating: "0123456789\n", count: maxMessageSize / 11 + 10), 65,
             "larger than the limit of \(maxMessageSize) octets"),
            ("long line", [account], "Subject: sendmail-bad\n\n" + String(repeating: "x", count: 2000) + "\n", 65,
             "longer than 998"),
        ]
        for (name, arguments, message, status, text) in cases {
            let result = try sendmail(arguments, message)
            XCTAssertEqual(result.status, status, "\(name): \(result.transcript)")
            XCTAssertTrue(result.stderr.hasPrefix("tern sendmail: ") && result.stderr.contains(text),
                          "\(name): \(result.transcript)")
        }
        let badConfig = try ChildProcess.run(
            executable: TernPaths.ternExecutable(), arguments: ["sendmail", "--config", "/nonexistent/tern.toml", account],
            stdin: good, directory: workDir, label: "sendmail-config", timeout: 60)
        XCTAssertEqual(badConfig.status, 78, badConfig.transcript)
        // No store where the options point (a typo, a server never started): refused, and none is created.
        let nowhere = workDir.appendingPathComponent("no-store")
        for command in ["sendmail", "mailq"] {
            let result = try ChildProcess.run(
                executable: TernPaths.ternExecutable(), arguments: [command, "--data-dir", nowhere.path]
                    + (command == "sendmail" ? [account] : []),
                stdin: good, directory: workDir, label: "\(command)-no-store", timeout: 60)
            XCTAssertEqual(result.status, command == "sendmail" ? 78 : 1, result.transcript)
            XCTAssertTrue(result.stderr.contains("no mail store in \(nowhere.path)"), result.transcript)
            XCTAssertFalse(FileManager.default.fileExists(atPath: nowhere.path), "\(command) created no store")
        }
        // A store that cannot be opened (here a database file that is none): try again later.
        let broken = workDir.appendingPathComponent("broken-store", isDirectory: true)
        try FileManager.default.createDirectory(at: broken, withIntermediateDirectories: true)
        try Data(String(repeating: "not a database ", count: 40).utf8)
            .write(to: broken.appendingPathComponent("tern.sqlite"))
        let unopenable = try ChildProcess.run(
            executable: TernPaths.ternExecutable(), arguments: ["sendmail", "--data-dir", broken.path, account],
            stdin: good, directory: workDir, label: "sendmail-store", timeout: 60)
        XCTAssertEqual(unopenable.status, 75, unopenable.transcript)
        XCTAssertTrue(unopenable.stderr.hasPrefix("tern sendmail: ") && unopenable.stderr.contains("cannot open store"),
                      unopenable.transcript)
        try expectNoMail("sendmail-bad", user: account, password: password)
        let queue = try ternOK(["mailq"])
        XCTAssertEqual(queue.stdout, "Mail queue is empty\n")
        let after = try sendmail([account], "Subject: sendmail-after-bad\n\nstill fine\n")
        XCTAssertTrue(after.succeeded, after.transcript)
        try findMail("sendmail-after-bad", user: account, password: password)
    }

    /// With the server stopped the message goes into the store all the same.
    func testWorksWhileTheServerIsStopped() throws {
        try prepare()
        let result = try sendmail(["-f", "robot@\(domain)", account], "Subject: sendmail-offline\n\nqueued offline\n")
        XCTAssertTrue(result.succeeded, result.transcript)
        try startLocalMailServer()
        try findMail("sendmail-offline", user: account, password: password,
                     expect: ["Return-Path: <robot@\(domain)>", "queued offline"])
    }
}
