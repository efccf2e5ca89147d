import Foundation
import XCTest

/// `tern serve` on a fresh data directory, and stopping/restarting it.
final class ServerLifecycleTests: TernEndToEndTestCase {
    /// With no account, the first start creates postmaster@<first local domain>
    /// and prints its password once; that password works over POP3.
    func testFirstStartCreatesPostmasterWhoseLoginWorks() throws {
        try writeConfig()
        try startServer()
        let pattern = try NSRegularExpression(pattern: #"(postmaster@example\.test)\S* with password (\S+)"#)
        var found: (String, String)?
        let deadline = Date().addingTimeInterval(15)
        while found == nil && Date() < deadline {
            let text = (server?.stdout ?? "") + (server?.stderr ?? "")
            if let m = pattern.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
               let a = Range(m.range(at: 1), in: text), let p = Range(m.range(at: 2), in: text) {
                found = (String(text[a]), String(text[p]))
            } else {
                usleep(50_000)
            }
        }
        guard let (address, secret) = found else {
            return XCTFail("no `… postmaster@example.test with password …` line printed: \(serverLog)")
        }
        try pythonOK("pop3e2e.py", ["stat", "--port", String(pop3sPort), "--mode", "ssl", "--user", address,
                                    "--password", secret, "--expect", "0"])
        let accounts = try ternOK(["account", "list"])
        XCTAssertTrue(accounts.stdout.contains(address), accounts.transcript)
    }

    /// SIGTERM ends the server by itself (graceful shutdown); a restart on the
    /// same data directory serves the same messages with the same UIDLs.
    func testSIGTERMStopsCleanlyAndRestartKeepsMail() throws {
        try prepareAccount()
        let mbox = try generateMbox(count: 8, seed: 61)
        XCTAssertTrue(try importMbox(mbox).succeeded)
        try startServer()
        try pop3Check("verify", ["--mbox", mbox.path, "--exact"])
        let running = server
        XCTAssertTrue(stopServer(), "tern serve exited by itself after SIGTERM: \(running?.result.transcript ?? "")")
        XCTAssertEqual(running?.process.terminationStatus, 0, running?.result.transcript ?? "")
        try startServer()
        try pop3Check("session", mode: "ssl", ["--mbox", mbox.path])
    }

    /// `tern config check`: the test config is valid; a misspelt key is an error naming the key and its line.
    func testConfigCheckAcceptsTheConfigAndNamesABadKey() throws {
        try writeConfig()
        let good = try ternOK(["config", "check"])
        XCTAssertTrue((good.stdout + good.stderr).contains(String(pop3sPort)), good.transcript)
        var text = try String(contentsOf: configURL, encoding: .utf8)
        text = text.replacingOccurrences(of: "on_delete = ", with: "on_delet = ")
        try Data(text.utf8).write(to: configURL)
        let line = text.components(separatedBy: "\n").firstIndex { $0.hasPrefix("on_delet ") }.map { $0 + 1 } ?? -1
        let bad = try tern(["config", "check"])
        XCTAssertNotEqual(bad.status, 0, bad.transcript)
        let message = bad.stdout + bad.stderr
        XCTAssertTrue(message.contains("on_delet"), bad.transcript)
        XCTAssertTrue(message.contains(String(line)), "names line \(line): \(bad.transcript)")
    }
}
