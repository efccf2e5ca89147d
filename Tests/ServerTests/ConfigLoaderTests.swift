import Foundation
import XCTest
@testable import Server

final class ConfigLoaderTests: XCTestCase {
    private func load(_ text: String, base: String = "/etc/tern") throws -> TernConfiguration {
        try ConfigurationLoader.load(text: text, baseDirectory: base)
    }

    func testNoPathGivesLocalDefaults() throws {
        XCTAssertEqual(try ConfigurationLoader.load(path: nil), TernConfiguration.localDefaults)
    }

    func testEmptyFileKeepsDefaults() throws {
        XCTAssertEqual(try load("# nothing here\n"), TernConfiguration.localDefaults)
    }

    func testEveryKey() throws {
        let configuration = try load("""
        host_name = "Mail.Example.org"
        local_domains = ["example.org", "Example.NET"]
        data_directory = "/var/lib/tern"
        [tls]
        certificate = "/etc/tern/cert.pem"
        key = "key.pem"
        [[listener]]
        protocol = "pop3"
        address = "127.0.0.1"
        port = 1110
        tls = "starttls"
        [[listener]]
        protocol = "imap"
        address = "::1"
        port = 993
        [[listener]]
        protocol = "submission"
        port = 2587
        tls = "none"
        [limits]
        max_connections = 10
        max_connections_per_address = 2
        idle_timeout_seconds = 30
        max_message_size = 4096
        shutdown_grace_seconds = 0
        [authentication]
        allow_cleartext = true
        [pop3]
        on_delete = "move:Archive/POP"
        [logging]
        level = "debug"
        format = "json"
        """)
        XCTAssertEqual(configuration.hostName, "mail.example.org")
        XCTAssertEqual(configuration.localDomains, ["example.org", "example.net"])
        XCTAssertEqual(configuration.dataDirectory, "/var/lib/tern")
        XCTAssertEqual(configuration.tls, TLSFiles(certificatePath: "/etc/tern/cert.pem", keyPath: "/etc/tern/key.pem"))
        XCTAssertEqual(configuration.listeners, [
            ListenerConfiguration(protocolName: .pop3, address: "127.0.0.1", port: 1110, tls: .starttls),
            ListenerConfiguration(protocolName: .imap, address: "::1", port: 993, tls: .implicit),
            ListenerConfiguration(protocolName: .submission, address: "127.0.0.1", port: 2587, tls: TLSMode.none),
        ])
        XCTAssertEqual(configuration.limits, Limits(maxConnections: 10, maxConnectionsPerAddress: 2, idleTimeoutSeconds: 30,
                                                    maxMessageSize: 4096, shutdownGraceSeconds: 0))
        XCTAssertTrue(configuration.authentication.allowCleartext)
        XCTAssertEqual(configuration.pop3.onDelete, "move:Archive/POP")
        XCTAssertEqual(configuration.logging, LoggingSettings(level: "debug", format: .json))
    }

    func testMissingKeysKeepDefaults() throws {
        let configuration = try load("[limits]\nmax_connections = 5\n[logging]\nformat = \"json\"\n")
        var expected = TernConfiguration.localDefaults
        expected.limits.maxConnections = 5
        expected.logging.format = .json
        XCTAssertEqual(configuration, expected)
    }

    func testRelativeDataDirectoryIsResolvedAgainstTheFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cfg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("tern.toml")
        try Data("data_directory = \"./data/../store\"\n".utf8).write(to: file)
        let configuration = try ConfigurationLoader.load(path: file.path)
        XCTAssertEqual(configuration.dataDirectory, directory.appendingPathComponent("store").standardizedFileURL.path)
    }

    func testMissingFileIsAnError() {
        XCTAssertThrowsError(try ConfigurationLoader.load(path: "/nonexistent/tern.toml")) { error in
            XCTAssertTrue("\(error)".contains("/nonexistent/tern.toml"), "\(error)")
        }
    }

    func testRenderedConfigurationReadsBackTheSame() throws {
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("tern.example.toml")
        let fromExample = try ConfigurationLoader.load(path: example.path)
        XCTAssertEqual(fromExample.listeners.map(\.port), [143, 993, 110, 995, 25, 587, 465])
        XCTAssertEqual(fromExample.tls.certificatePath, "/etc/tern/cert.pem")
        for configuration in [TernConfiguration.localDefaults, fromExample] {
            let text = ConfigurationRenderer.toml(configuration)
            var reread = try load(text, base: "/")
            // The defaults' relative data directory comes back resolved against the base.
            reread.dataDirectory = configuration.dataDirectory
            XCTAssertEqual(reread, configuration, text)
        }
        XCTAssertEqual(ConfigurationRenderer.quoted("a\"b\\c\n\u{1}"), "\"a\\\"b\\\\c\\n\\u0001\"")
    }
}
