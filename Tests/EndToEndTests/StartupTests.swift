import Foundation
import XCTest

/// Start-up fails whole and clearly: a listener of any kind that cannot
/// bind stops it before anything else happened; `tern config check` finds
/// the files the configuration names but the server could not use.
final class StartupTests: ServiceEndToEndTestCase {
    /// A mail port in use: the exact error, exit status 1, no first account
    /// (and no password printed), no data directory, no port left bound.
    func testMailPortInUseStopsTheStartBeforeAnythingHappens() throws {
        let (descriptor, busy) = try occupyLoopbackPort()
        defer { close(descriptor) }
        try writeServiceConfig()
        imapsPort = busy
        try writeServiceConfig()
        let result = try runServeUntilExit()
        XCTAssertEqual(result.status, 1, result.transcript)
        XCTAssertTrue(result.stderr.contains("cannot listen on 127.0.0.1:\(busy) (imap): address already in use"),
                      result.transcript)
        XCTAssertFalse(result.stdout.contains("Created account"), result.transcript)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dataDir.path), "nothing created before the binds")
        XCTAssertFalse(LoopbackPorts.accepts(smtpPort), "the SMTP port bound before is closed again")
    }

    /// HTTP too: without it autoconfig, /healthz and /metrics would be missing unnoticed.
    func testHTTPPortInUseStopsTheStart() throws {
        let (descriptor, busy) = try occupyLoopbackPort()
        defer { close(descriptor) }
        try writeServiceConfig(httpPort: busy)
        let result = try runServeUntilExit()
        XCTAssertEqual(result.status, 1, result.transcript)
        XCTAssertTrue(result.stderr.contains("cannot listen on 127.0.0.1:\(busy) (http): address already in use"),
                      result.transcript)
        XCTAssertFalse(result.stdout.contains("Created account"), result.transcript)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dataDir.path))
        XCTAssertFalse(LoopbackPorts.accepts(imapsPort))
    }

    /// `tern config check` names the missing certificate and key files, and
    /// a data directory [server] user cannot write, with exit status 1.
    func testConfigCheckNamesMissingTLSFilesAndAnUnwritableDataDirectory() throws {
        let certificate = workDir.appendingPathComponent("missing/cert.pem").path
        let key = workDir.appendingPathComponent("missing/key.pem").path
        try writeServiceConfig(extra: "\n[tls]\ncertificate = \"\(certificate)\"\nkey = \"\(key)\"\n")
        let check = try tern(["config", "check"])
        XCTAssertEqual(check.status, 1, check.transcript)
        XCTAssertTrue(check.stderr.contains("tls.certificate: \(certificate) does not exist"), check.transcript)
        XCTAssertTrue(check.stderr.contains("tls.key: \(key) does not exist"), check.transcript)

        try requireRoot()
        try writeServiceConfig(user: "nobody")
        try FileManager.default.createDirectory(at: dataDir, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let unwritable = try tern(["config", "check"])
        XCTAssertEqual(unwritable.status, 1, unwritable.transcript)
        XCTAssertTrue(unwritable.stderr.contains("data_directory: the data directory \(dataDir.path) cannot be "
            + "written by user nobody (it belongs to root, mode 0700)"), unwritable.transcript)
        // And tern serve says the same, naming the directory and the user, after binding.
        let serve = try runServeUntilExit()
        XCTAssertEqual(serve.status, 1, serve.transcript)
        XCTAssertTrue(serve.stderr.contains("the data directory \(dataDir.path) cannot be written by user nobody "
            + "(it belongs to root, mode 0700)"), serve.transcript)
        XCTAssertFalse(serve.stdout.contains("Created account"), serve.transcript)
    }

    /// `tern serve` that must fail: run to its end (bounded).
    private func runServeUntilExit() throws -> CommandResult {
        try ChildProcess.run(executable: try TernPaths.ternExecutable(), arguments: ["serve", "--config", configURL.path],
                             directory: workDir, label: "tern-serve-fails", timeout: 60)
    }
}
