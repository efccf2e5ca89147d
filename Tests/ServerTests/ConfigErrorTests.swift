import XCTest
@testable import Server

final class ConfigErrorTests: XCTestCase {
    /// Loads `text` and returns the error's description; fails when it loads.
    private func error(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            _ = try ConfigurationLoader.load(text: text, baseDirectory: "/")
            XCTFail("expected an error", file: file, line: line)
            return ""
        } catch let error as ConfigurationError {
            return error.description
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
            return ""
        }
    }

    func testUnknownKeyNamesKeyAndLine() {
        let text = """
        host_name = "a.example"

        [limits]
        max_connections = 5
        max_conection = 12
        """
        XCTAssertEqual(error(text), "unknown key \"limits.max_conection\" at line 5")
        XCTAssertEqual(error("hostname = \"x\""), "unknown key \"hostname\" at line 1")
        XCTAssertEqual(error("\n[tsl]\ncertificate = \"x\""), "unknown key \"tsl\" at line 2")
        XCTAssertEqual(error("limits.max_conections = 3\n"), "unknown key \"limits.max_conections\" at line 1")
    }

    func testUnknownKeyInSecondListener() {
        let text = """
        [[listener]]
        protocol = "imap"
        port = 143

        [[listener]]
        protocol = "pop3"
        prot = 110
        """
        XCTAssertEqual(error(text), "unknown key \"listener.prot\" at line 7")
    }

    func testWrongTypes() {
        XCTAssertEqual(error("a = 1\n"), "unknown key \"a\" at line 1")
        XCTAssertEqual(error("\n\nhost_name = 5"), "wrong type for \"host_name\": expected a string, found integer at line 3")
        XCTAssertEqual(error("local_domains = \"example.org\""),
                       "wrong type for \"local_domains\": expected an array of strings, found string at line 1")
        XCTAssertEqual(error("local_domains = [\n  \"a.org\",\n  3,\n]"),
                       "wrong type for \"local_domains\": expected an array of strings, found integer at line 1")
        XCTAssertEqual(error("[limits]\nmax_connections = \"many\""),
                       "wrong type for \"limits.max_connections\": expected an integer, found string at line 2")
        XCTAssertEqual(error("[authentication]\nallow_cleartext = \"yes\""),
                       "wrong type for \"authentication.allow_cleartext\": expected true or false, found string at line 2")
        XCTAssertEqual(error("tls = 1"), "wrong type for \"tls\": expected a table, found integer at line 1")
        XCTAssertEqual(error("[listener]\nport = 1"),
                       "wrong type for \"listener\": expected an array of tables ([[listener]]), found table at line 1")
        XCTAssertEqual(error("[[listener]]\nprotocol = \"imap\"\nport = 143.0"),
                       "wrong type for \"listener.port\": expected an integer, found floating-point number at line 3")
    }

    func testBadListenerValues() {
        XCTAssertEqual(error("[[listener]]\nprotocol = \"pop3\"\nport = 0"),
                       "bad value for \"listener.port\": 0 is not a port number (1-65535) at line 3")
        XCTAssertEqual(error("[[listener]]\nprotocol = \"pop3\"\nport = 65536"),
                       "bad value for \"listener.port\": 65536 is not a port number (1-65535) at line 3")
        XCTAssertEqual(error("[[listener]]\nprotocol = \"http\"\nport = 80"),
                       "bad value for \"listener.protocol\": \"http\" (expected imap, pop3, smtp or submission) at line 2")
        XCTAssertEqual(error("[[listener]]\nprotocol = \"imap\"\nport = 143\ntls = \"ssl\""),
                       "bad value for \"listener.tls\": \"ssl\" (expected implicit, starttls or none) at line 4")
        XCTAssertEqual(error("[[listener]]\nprotocol = \"imap\"\naddress = \"example.org\"\nport = 143"),
                       "bad value for \"listener.address\": \"example.org\" is not an IPv4 or IPv6 address at line 3")
        XCTAssertEqual(error("[[listener]]\nport = 143"),
                       "\"listener.protocol\" is missing (imap, pop3, smtp or submission) at line 1")
        XCTAssertEqual(error("\n[[listener]]\nprotocol = \"imap\""), "\"listener.port\" is missing at line 2")
        XCTAssertEqual(error("listener = []"), "\"listener\" is empty: at least one listener is needed at line 1")
    }

    func testDuplicateListener() {
        let text = """
        [[listener]]
        protocol = "imap"
        address = "0.0.0.0"
        port = 143

        [[listener]]
        protocol = "pop3"
        address = "0.0.0.0"
        port = 143
        """
        XCTAssertEqual(error(text), "duplicate listener 0.0.0.0:143 (also at line 1) at line 6")
    }

    func testBadValues() {
        XCTAssertEqual(error("[pop3]\non_delete = \"purge\""),
                       "bad value for \"pop3.on_delete\": \"purge\" (expected delete, keep, mark-read or move:MAILBOX) at line 2")
        XCTAssertEqual(error("[pop3]\non_delete = \"move:\""),
                       "bad value for \"pop3.on_delete\": \"move:\" (expected delete, keep, mark-read or move:MAILBOX) at line 2")
        XCTAssertTrue(error("[logging]\nlevel = \"verbose\"").hasPrefix("bad value for \"logging.level\": \"verbose\""))
        XCTAssertTrue(error("[logging]\nlevel = \"verbose\"").hasSuffix("at line 2"))
        XCTAssertEqual(error("[logging]\nformat = \"xml\""),
                       "bad value for \"logging.format\": \"xml\" (expected text or json) at line 2")
        XCTAssertEqual(error("[limits]\nmax_connections = 0"),
                       "bad value for \"limits.max_connections\": 0 (must be at least 1) at line 2")
        XCTAssertEqual(error("[limits]\nshutdown_grace_seconds = -1"),
                       "bad value for \"limits.shutdown_grace_seconds\": -1 (must be at least 0) at line 2")
        XCTAssertEqual(error("host_name = \"bad name\""), "bad value for \"host_name\": \"bad name\" is not a host name at line 1")
        XCTAssertEqual(error("local_domains = [\"ok.org\", \"-bad.org\"]"),
                       "bad value for \"local_domains\": \"-bad.org\" is not a domain name at line 1")
        XCTAssertEqual(error("data_directory = \"\""), "bad value for \"data_directory\": empty path at line 1")
    }

    func testCertificateWithoutKey() {
        XCTAssertEqual(error("[tls]\n\ncertificate = \"/etc/cert.pem\""),
                       "\"tls.certificate\" is set without \"tls.key\" at line 3")
        XCTAssertEqual(error("[tls]\nkey = \"/etc/key.pem\""), "\"tls.key\" is set without \"tls.certificate\" at line 2")
    }

    func testSyntaxErrorGivesLine() {
        let message = error("host_name = \"a.org\"\n\n[limits\nmax_connections = 3\n")
        XCTAssertTrue(message.hasPrefix("TOML syntax error: "), message)
        XCTAssertTrue(message.hasSuffix(" at line 3"), message)
        let unterminated = error("# comment\nhost_name = \"a.org\n")
        XCTAssertTrue(unterminated.hasSuffix(" at line 2"), unterminated)
        let duplicate = error("host_name = \"a.org\"\nhost_name = \"b.org\"\n")
        XCTAssertTrue(duplicate.hasSuffix(" at line 2"), duplicate)
    }

    func testKeyLinesSkipMultilineValues() {
        let lines = TOMLKeyLines(text: """
        local_domains = [
          "a.org",   # not = a key
          "b.org",
        ]
        note = \"\"\"
        fake = 1
        \"\"\"
        [limits]
        "max_connections" = 3
        """)
        XCTAssertEqual(lines.line(of: "local_domains"), 1)
        XCTAssertNil(lines.line(of: "fake"))
        XCTAssertEqual(lines.line(of: "limits"), 8)
        XCTAssertEqual(lines.line(of: "limits.max_connections"), 9)
        XCTAssertEqual(lines.line(of: "limits.unknown"), 8)
    }
}
