import Foundation
import Logging
import MailStore
import NIOHTTP1
import XCTest
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import Server

/// A router over a real store in a temp directory, with `example.org` local.
class HTTPTestCase: XCTestCase {
    var directory: String!
    var store: SQLiteMailStore!

    override func setUp() async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tern-http-\(UUID().uuidString)").path
        store = try SQLiteMailStore(directory: directory, logger: Logger(label: "test"), removeOrphanFiles: true)
        try await store.addDomain("example.org")
    }

    override func tearDown() async throws {
        try? await store.close()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Local defaults renamed: host mail.example.org, standard mail ports.
    func standardConfiguration() -> TernConfiguration {
        var configuration = TernConfiguration.localDefaults
        configuration.hostName = "mail.example.org"
        configuration.listeners = [
            .init(protocolName: .imap, address: "0.0.0.0", port: 143, tls: .starttls),
            .init(protocolName: .imap, address: "0.0.0.0", port: 993, tls: .implicit),
            .init(protocolName: .pop3, address: "0.0.0.0", port: 110, tls: .starttls),
            .init(protocolName: .pop3, address: "0.0.0.0", port: 995, tls: .implicit),
            .init(protocolName: .smtp, address: "0.0.0.0", port: 25, tls: .starttls),
            .init(protocolName: .submission, address: "0.0.0.0", port: 587, tls: .starttls),
            .init(protocolName: .submission, address: "0.0.0.0", port: 465, tls: .implicit),
        ]
        return configuration
    }

    func router(_ configuration: TernConfiguration, listenersUp: Bool = true) -> HTTPRouter {
        HTTPRouter(configuration: configuration, store: store, logger: Logger(label: "test")) { listenersUp }
    }

    func get(_ router: HTTPRouter, _ uri: String, from remote: String = "127.0.0.1") async -> HTTPResponse {
        guard let request = HTTPRequest(method: .GET, uri: uri, remoteAddress: remote) else {
            return .plain(.badRequest)
        }
        return await router.respond(to: request)
    }

    func post(_ router: HTTPRouter, _ uri: String, body: String) async -> HTTPResponse {
        await router.respond(to: HTTPRequest(method: .POST, uri: uri, body: Array(body.utf8),
                                             remoteAddress: "127.0.0.1")!)
    }

    /// Parses the body as XML; fails the test when it is not well-formed.
    func xml(_ response: HTTPResponse, file: StaticString = #filePath, line: UInt = #line) throws -> XMLDocument {
        do {
            return try XMLDocument(data: Data(response.body), options: [])
        } catch {
            XCTFail("not XML: \(String(decoding: response.body, as: UTF8.self))", file: file, line: line)
            throw error
        }
    }

    func texts(_ document: XMLDocument, _ xpath: String) throws -> [String] {
        try document.nodes(forXPath: xpath).map { $0.stringValue ?? "" }
    }
}
