import Foundation
import XCTest
@testable import Server

/// `[server] user/group` and `[logging] file`: reading, errors, rendering.
final class ConfigServiceTests: XCTestCase {
    private func load(_ text: String) throws -> TernConfiguration {
        try ConfigurationLoader.load(text: text, baseDirectory: "/etc/tern")
    }

    private func error(_ text: String) -> ConfigurationError? {
        do {
            _ = try load(text)
            return nil
        } catch let error as ConfigurationError {
            return error
        } catch {
            XCTFail("unexpected \(error)")
            return nil
        }
    }

    func testServerUserAndGroupAndLogFile() throws {
        let configuration = try load("""
        [server]
        user = "tern"
        group = "mail"
        [logging]
        file = "log/tern.log"
        """)
        XCTAssertEqual(configuration.server, ServerSettings(user: "tern", group: "mail"))
        XCTAssertEqual(configuration.logging.file, "/etc/tern/log/tern.log", "relative to the file's directory")
        XCTAssertEqual(TernConfiguration.localDefaults.server, ServerSettings())
        XCTAssertNil(TernConfiguration.localDefaults.logging.file)
    }

    func testBadServerValuesNameKeyAndLine() {
        let cases: [(String, String)] = [
            ("[server]\nuser = \"-x\"\n", "bad value for \"server.user\": \"-x\" is not a user name at line 2"),
            ("[server]\nuser = \"a b\"\n", "bad value for \"server.user\": \"a b\" is not a user name at line 2"),
            ("[server]\ngroup = \"mail\"\n", "\"server.group\" is set without \"server.user\" at line 2"),
            ("[server]\nusr = \"tern\"\n", "unknown key \"server.usr\" at line 2"),
            ("[server]\nuser = 7\n", "wrong type for \"server.user\": expected a string, found integer at line 2"),
            ("[logging]\nfile = \"\"\n", "bad value for \"logging.file\": empty path at line 2"),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(error(text)?.description, expected, text)
        }
    }

    func testRendererRoundTripsServerAndLogFile() throws {
        var configuration = TernConfiguration.localDefaults
        configuration.dataDirectory = "/var/lib/tern"
        configuration.server = ServerSettings(user: "tern", group: "tern")
        configuration.logging.file = "/var/log/tern/tern.log"
        let text = ConfigurationRenderer.toml(configuration)
        XCTAssertTrue(text.contains("[server]\nuser = \"tern\"\ngroup = \"tern\"\n"), text)
        XCTAssertTrue(text.contains("file = \"/var/log/tern/tern.log\""), text)
        XCTAssertEqual(try load(text), configuration)
        let defaults = ConfigurationRenderer.toml(TernConfiguration.localDefaults)
        XCTAssertTrue(defaults.contains("[server]\n# no user"), defaults)
    }
}
