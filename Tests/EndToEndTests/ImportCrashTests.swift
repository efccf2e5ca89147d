import Foundation
import XCTest

/// `kill -9` of a running `tern import`: every message it reported committed is
/// there and complete, and running the import again adds exactly the rest.
final class ImportCrashTests: TernEndToEndTestCase {
    func testKill9DuringImportLosesNothingCommittedAndReimportCompletes() throws {
        let total = 3000
        try prepareAccount()
        let mbox = try generateMbox(count: total, seed: 41)
        let importer = try ChildProcess(
            executable: TernPaths.ternExecutable(),
            arguments: ["import", "mbox", mbox.path, "--account", account, "--config", configURL.path],
            directory: workDir, label: "tern-import-crash")
        children.append(importer)
        let deadline = Date().addingTimeInterval(600)
        var reported = 0
        while importer.isRunning && Date() < deadline {
            reported = ImportOutput.lastCommitted(importer.stderr)
            if reported >= 300 { break }
            usleep(5_000)
        }
        let killedMidway = importer.isRunning
        importer.crash()
        reported = ImportOutput.lastCommitted(importer.stderr)
        if killedMidway {
            XCTAssertLessThan(reported, total, "killed before the import finished")
        } else {
            print("e2e: the import ended before it could be killed (exit \(importer.process.terminationStatus)); "
                  + "checking the result anyway")
            XCTAssertEqual(importer.process.terminationStatus, 0, importer.result.transcript)
        }
        XCTAssertGreaterThan(reported, 0, "the import reported progress (`committed N` on stderr): "
                             + importer.result.transcript)

        try startServer()
        try pop3Check("verify", ["--mbox", mbox.path, "--min", String(reported)])

        let again = try importMbox(mbox, timeout: 600)
        XCTAssertTrue(again.succeeded, again.transcript)
        if let summary = ImportOutput.summary(again.stdout) {
            XCTAssertEqual(summary.imported + summary.skipped, total, again.transcript)
            XCTAssertGreaterThanOrEqual(summary.skipped, reported, again.transcript)
        } else {
            XCTFail("no `imported N messages, skipped M duplicates` line: \(again.transcript)")
        }
        try pop3Check("verify", ["--mbox", mbox.path, "--exact"])
    }
}
