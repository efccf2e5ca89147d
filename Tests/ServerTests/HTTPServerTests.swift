import Foundation
import Logging
import XCTest
@testable import Server

/// The NIO listener with real sockets: HTTP and HTTPS, hostile requests
/// answered with 4xx and the server still serving afterwards.
final class HTTPServerTests: HTTPTestCase {
    private var server: HTTPServer!
    private var serving: Task<Void, Never>!
    private var plainPort = 0
    private var tlsPort = 0

    override func setUp() async throws {
        try await super.setUp()
        let (files, _) = try SelfSignedCertificate.loadOrCreate(hostName: "localhost", dataDirectory: directory)
        let tls = try TLSContextProvider(certificatePath: files.certificatePath, keyPath: files.keyPath)
        server = HTTPServer(listeners: [.init(address: "127.0.0.1", port: 0, tls: false),
                                        .init(address: "127.0.0.1", port: 0, tls: true)],
                            tls: tls, maxConnections: 50, logger: Logger(label: "test"),
                            router: router(standardConfiguration()))
        let bound = try await server.bind()
        XCTAssertEqual(bound.count, 2)
        plainPort = bound[0].port
        tlsPort = bound[1].port
        let server = self.server!
        serving = Task { await server.serve() }
    }

    override func tearDown() async throws {
        server.close()
        await serving.value
        try await super.tearDown()
    }

    /// Sends the bytes and returns the status line and the rest, read until the server closes.
    private func exchange(_ request: String, port: Int? = nil, tls: Bool = false) async throws -> (String, String) {
        let port = port ?? plainPort
        return try await withTimeout {
            let client = try await TestClient.connect(port: port, implicitTLS: tls)
            try await client.send(request)
            let lines = await client.readUntilClosed()
            await client.close()
            return (lines.first ?? "", lines.dropFirst().joined(separator: "\n"))
        }
    }

    func testAutoconfigOverHTTPAndHTTPS() async throws {
        let request = "GET /mail/config-v1.1.xml?emailaddress=a%40example.org HTTP/1.1\r\nHost: x\r\n\r\n"
        for (port, tls) in [(plainPort, false), (tlsPort, true)] {
            let (status, rest) = try await exchange(request, port: port, tls: tls)
            XCTAssertEqual(status, "HTTP/1.1 200 OK")
            XCTAssertTrue(rest.contains("<socketType>SSL</socketType>"), rest)
            XCTAssertTrue(rest.lowercased().contains("connection: close"))
        }
    }

    func testHostileRequestsGet4xxAndServerStaysUp() async throws {
        let huge = "POST /autodiscover/autodiscover.xml HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n"
        let chunk = String(repeating: "A", count: 70_000)
        let chunked = "POST /autodiscover/autodiscover.xml HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            + String(chunk.utf8.count, radix: 16) + "\r\n" + chunk + "\r\n0\r\n\r\n"
        let bigHeader = "GET / HTTP/1.1\r\nHost: x\r\nX-Long: \(String(repeating: "b", count: 100_000))\r\n\r\n"
        let malformedXML = "POST /autodiscover/autodiscover.xml HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n<a><b"
        let cases: [(String, String)] = [
            (huge, "HTTP/1.1 413 Payload Too Large"),
            (chunked, "HTTP/1.1 413 Payload Too Large"),
            ("GARBAGE\r\n\r\n", "HTTP/1.1 400"),
            (bigHeader, "HTTP/1.1 4"),
            ("GET /etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 404 Not Found"),
            ("GET http://evil.example/ HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 400 Bad Request"),
            (malformedXML, "HTTP/1.1 400 Bad Request"),
        ]
        for (request, expected) in cases {
            let status = try await exchange(request).0
            XCTAssertTrue(status.hasPrefix(expected), "\(request.prefix(60)): \(status)")
        }
        let (status, rest) = try await exchange("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(status, "HTTP/1.1 200 OK")
        XCTAssertTrue(rest.hasSuffix("ok"), rest)
        let head = try await exchange("HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(head.0, "HTTP/1.1 200 OK")
        XCTAssertFalse(head.1.contains("ok"))
    }
}
