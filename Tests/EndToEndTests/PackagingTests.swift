import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// What ships beside the binary: the systemd unit, and the version the
/// README states.
final class PackagingTests: TernEndToEndTestCase {
    /// `systemd-analyze verify` (Debian's systemd package) accepts the unit,
    /// without a warning, with ExecStart pointing at the built binary.
    func testSystemdUnitVerifies() throws {
        let unit = TernPaths.packageRoot.appendingPathComponent("contrib/systemd/tern.service")
        let text = try String(contentsOf: unit, encoding: .utf8)
        for directive in ["Type=notify", "User=tern", "AmbientCapabilities=CAP_NET_BIND_SERVICE",
                          "NoNewPrivileges=yes", "ProtectSystem=strict", "ReadWritePaths=/var/lib/tern",
                          "ExecReload=/bin/kill -HUP $MAINPID"] {
            XCTAssertTrue(text.components(separatedBy: "\n").contains { $0.hasPrefix(directive) }, "no \(directive)")
        }
        let analyze = try requireDebianClient("systemd-analyze")
        let copy = workDir.appendingPathComponent("tern.service")
        try Data(text.replacingOccurrences(of: "/usr/local/bin/tern", with: try TernPaths.ternExecutable().path).utf8)
            .write(to: copy)
        let result = try ChildProcess.run(executable: analyze, arguments: ["verify", copy.path], directory: workDir,
                                          label: "systemd-analyze", timeout: 120)
        XCTAssertEqual(result.status, 0, result.transcript)
        XCTAssertFalse((result.stdout + result.stderr).contains("tern.service"), "warnings: \(result.transcript)")

        // verify does complain about a wrong key (so the check above can fail).
        try Data((text + "\n[Service]\nNoNewPrivilege=yes\n").replacingOccurrences(
            of: "/usr/local/bin/tern", with: try TernPaths.ternExecutable().path).utf8).write(to: copy)
        let wrong = try ChildProcess.run(executable: analyze, arguments: ["verify", copy.path], directory: workDir,
                                         label: "systemd-analyze-wrong", timeout: 120)
        XCTAssertTrue(wrong.stderr.contains("Unknown key"), wrong.transcript)
    }

    /// The sysusers.d file creates the user tern (`systemd-sysusers --dry-run` changes nothing).
    func testSysusersFileCreatesTheUser() throws {
        let sysusers = try requireDebianClient("systemd-sysusers")
        let file = TernPaths.packageRoot.appendingPathComponent("contrib/systemd/tern.sysusers")
        let result = try ChildProcess.run(executable: sysusers, arguments: ["--dry-run", file.path],
                                          directory: workDir, label: "systemd-sysusers", timeout: 60)
        XCTAssertEqual(result.status, 0, result.transcript)
        let output = result.stdout + result.stderr
        // Where the user exists already there is nothing to create.
        XCTAssertTrue(getpwnam("tern") != nil || output.contains("Creating user 'tern' (Tern mail server)"),
                      result.transcript)
        XCTAssertFalse(output.contains("tern.sysusers:"), "complaints about a line: \(result.transcript)")
    }

    /// `tern version` prints the version the README's first lines state.
    func testVersionIsTheOneTheREADMEStates() throws {
        let readme = try String(contentsOf: TernPaths.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let head = readme.components(separatedBy: "\n").prefix(15).joined(separator: "\n")
        let pattern = try NSRegularExpression(pattern: #"version \(([0-9][^)]*)\)"#)
        guard let match = pattern.firstMatch(in: head, range: NSRange(head.startIndex..., in: head)),
              let range = Range(match.range(at: 1), in: head) else {
            return XCTFail("the README's first lines state no version like \"version (0.3.0-dev)\":\n\(head)")
        }
        let stated = String(head[range])
        let version = try ChildProcess.run(executable: try TernPaths.ternExecutable(), arguments: ["version"],
                                           directory: workDir, label: "tern-version", timeout: 60)
        XCTAssertEqual(version.stdout, "tern \(stated)\n", version.transcript)
        let flag = try ChildProcess.run(executable: try TernPaths.ternExecutable(), arguments: ["--version"],
                                        directory: workDir, label: "tern--version", timeout: 60)
        XCTAssertEqual(flag.stdout, "tern \(stated)\n", flag.transcript)
    }
}
