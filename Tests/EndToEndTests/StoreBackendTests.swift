import Foundation
import XCTest

/// `[store] backend`: "postgresql" is reserved, and both `tern config
/// check` and `tern serve` refuse it with a clear message.
final class StoreBackendTests: TernEndToEndTestCase {
    func testPostgreSQLIsRefusedByConfigCheckAndServe() throws {
        try writeConfig()
        var toml = try String(contentsOf: configURL, encoding: .utf8)
        toml += "\n[store]\nbackend = \"postgresql\"\n"
        try Data(toml.utf8).write(to: configURL)

        let check = try tern(["config", "check"])
        XCTAssertEqual(check.status, 1, check.transcript)
        XCTAssertTrue(check.stdout.contains("[store]\nbackend = \"postgresql\""), check.transcript)
        XCTAssertTrue(check.stderr.contains("not available in this build yet"), check.transcript)

        let serve = try tern(["serve"], timeout: 60)
        XCTAssertFalse(serve.succeeded, serve.transcript)
        XCTAssertTrue(serve.stderr.contains("not available in this build yet"), serve.transcript)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dataDir.appendingPathComponent("tern.sqlite").path),
                       "no store was made")
    }
}
