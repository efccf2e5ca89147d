import Foundation
import Logging
import MailStore
import XCTest
@testable import Server

/// `[store] backend`: reading, errors, rendering, and `tern config check`
/// refusing the reserved "postgresql".
final class ConfigStoreTests: XCTestCase {
    private func load(_ text: String) throws -> TernConfiguration {
        try ConfigurationLoader.load(text: text, baseDirectory: "/etc/tern")
    }

    func testBackendDefaultsToSQLite() throws {
        XCTAssertEqual(TernConfiguration.localDefaults.store, StoreSettings(backend: .sqlite))
        XCTAssertEqual(try load("[store]\nbackend = \"sqlite\"\n").store.backend, .sqlite)
        XCTAssertEqual(try load("[store]\nbackend = \"postgresql\"\n").store.backend, .postgresql)
    }

    func testBadStoreValuesNameKeyAndLine() {
        let cases: [(String, String)] = [
            ("[store]\nbackend = \"mysql\"\n",
             "bad value for \"store.backend\": \"mysql\" (expected sqlite or postgresql) at line 2"),
            ("[store]\nbackend = 1\n", "wrong type for \"store.backend\": expected a string, found integer at line 2"),
            ("[store]\nbakend = \"sqlite\"\n", "unknown key \"store.bakend\" at line 2"),
        ]
        for (text, expected) in cases {
            do {
                _ = try load(text)
                XCTFail("accepted \(text)")
            } catch {
                XCTAssertEqual("\(error)", expected, text)
            }
        }
    }

    func testRendererRoundTripsStore() throws {
        var configuration = TernConfiguration.localDefaults
        configuration.dataDirectory = "/var/lib/tern"
        configuration.store.backend = .postgresql
        let text = ConfigurationRenderer.toml(configuration)
        XCTAssertTrue(text.contains("[store]\nbackend = \"postgresql\"\n"), text)
        XCTAssertEqual(try load(text), configuration)
    }

    func testConfigCheckAndFactoryRefusePostgreSQL() throws {
        var configuration = TernConfiguration.localDefaults
        configuration.dataDirectory = NSTemporaryDirectory() + "tern-config-store-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: configuration.dataDirectory) }
        try FileManager.default.createDirectory(atPath: configuration.dataDirectory, withIntermediateDirectories: true)
        XCTAssertFalse(ConfigurationCheck.problems(configuration).contains { $0.contains("store.backend") })
        configuration.store.backend = .postgresql
        let problems = ConfigurationCheck.problems(configuration)
        XCTAssertTrue(problems.contains { $0.contains("not available in this build yet") }, "\(problems)")
        XCTAssertThrowsError(try StoreFactory.open(configuration.store, dataDirectory: configuration.dataDirectory,
                                                   logger: Logger(label: "test"))) { error in
            XCTAssertTrue("\(error)".contains("not available in this build yet"), "\(error)")
        }
    }
}
