import Foundation
import XCTest
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import Server

/// Thunderbird autoconfig (clientConfig 1.1) built from the listener configuration.
final class HTTPAutoconfigTests: HTTPTestCase {
    private struct Entry: Equatable {
        var type: String, hostname: String, port: String, socketType: String
    }

    private func entries(_ document: XMLDocument, _ element: String) throws -> [Entry] {
        try document.nodes(forXPath: "/clientConfig/emailProvider/\(element)").map { node in
            let child = { (name: String) in try node.nodes(forXPath: name).first?.stringValue ?? "" }
            XCTAssertEqual(try child("authentication"), "password-cleartext")
            XCTAssertEqual(try child("username"), "%EMAILADDRESS%")
            return Entry(type: try child("@type"), hostname: try child("hostname"), port: try child("port"),
                         socketType: try child("socketType"))
        }
    }

    func testStandardPortsBothPaths() async throws {
        let router = router(standardConfiguration())
        for path in ["/.well-known/autoconfig/mail/config-v1.1.xml", "/mail/config-v1.1.xml"] {
            let response = await get(router, "\(path)?emailaddress=alice%40Example.org")
            XCTAssertEqual(response.status, .ok)
            XCTAssertTrue(response.contentType.hasPrefix("application/xml"))
            let document = try xml(response)
            XCTAssertEqual(try texts(document, "/clientConfig/@version"), ["1.1"])
            XCTAssertEqual(try texts(document, "/clientConfig/emailProvider/domain"), ["example.org"])
            XCTAssertEqual(try entries(document, "incomingServer"), [
                Entry(type: "imap", hostname: "mail.example.org", port: "993", socketType: "SSL"),
                Entry(type: "imap", hostname: "mail.example.org", port: "143", socketType: "STARTTLS"),
                Entry(type: "pop3", hostname: "mail.example.org", port: "995", socketType: "SSL"),
                Entry(type: "pop3", hostname: "mail.example.org", port: "110", socketType: "STARTTLS"),
            ])
            XCTAssertEqual(try entries(document, "outgoingServer"), [
                Entry(type: "smtp", hostname: "mail.example.org", port: "465", socketType: "SSL"),
                Entry(type: "smtp", hostname: "mail.example.org", port: "587", socketType: "STARTTLS"),
            ])
        }
    }

    func testCustomPortsAndDisabledListeners() async throws {
        var configuration = standardConfiguration()
        configuration.listeners = [
            .init(protocolName: .pop3, address: "127.0.0.1", port: 1995, tls: .implicit),
            .init(protocolName: .pop3, address: "127.0.0.1", port: 1110, tls: .none),
            .init(protocolName: .submission, address: "127.0.0.1", port: 2587, tls: .starttls),
        ]
        let document = try xml(await get(router(configuration), "/mail/config-v1.1.xml?emailaddress=bob@example.org"))
        XCTAssertEqual(try entries(document, "incomingServer"), [
            Entry(type: "pop3", hostname: "mail.example.org", port: "1995", socketType: "SSL"),
        ])
        XCTAssertEqual(try entries(document, "outgoingServer"), [
            Entry(type: "smtp", hostname: "mail.example.org", port: "2587", socketType: "STARTTLS"),
        ])
    }

    func testForeignMalformedAndHostileAddresses() async throws {
        let router = router(standardConfiguration())
        let path = "/mail/config-v1.1.xml"
        let foreign = await get(router, "\(path)?emailaddress=alice@example.com")
        XCTAssertEqual(foreign.status, .notFound)
        let got1 = await get(router, path).status
        XCTAssertEqual(got1, .badRequest)
        for hostile in ["alice", "a@b@example.org", "%3Cx%3E@example.org", "alice@example.org%3Cscript%3E",
                        "alice@example.org%0D%0AX-Injected:%201", "%22%3E%3C/clientConfig%3E@example.org",
                        String(repeating: "a", count: 300) + "@example.org", "alice@-example.org"] {
            let response = await get(router, "\(path)?emailaddress=\(hostile)")
            XCTAssertEqual(response.status, .badRequest, hostile)
            XCTAssertFalse(String(decoding: response.body, as: UTF8.self).contains("<"), hostile)
        }
        let got2 = await get(router, "/nowhere?emailaddress=alice@example.org").status
        XCTAssertEqual(got2, .notFound)
        let wrongMethod = await post(router, path, body: "")
        XCTAssertEqual(wrongMethod.status, .methodNotAllowed)
        XCTAssertNil(HTTPRequest(method: .GET, uri: "http://evil/"), "absolute-form is not origin-form")
    }

    func testMarkupEscaping() {
        XCTAssertEqual(Markup.escape(#"<a href="x">&'</a>"#), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;")
        XCTAssertEqual(Markup.escape("a\u{1}b\u{7F}c"), "abc")
    }
}
