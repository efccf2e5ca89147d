import Foundation
import Logging
import MailStore
import XCTest
@testable import Server

/// Binding every listener before anything else: all or none, and an error
/// that names address, port, protocol and the reason.
final class ListeningSocketsTests: XCTestCase {
    private func configuration(mail: [Int], http: [Int]) -> TernConfiguration {
        var configuration = TernConfiguration.localDefaults
        configuration.listeners = mail.map { .init(protocolName: .imap, address: "127.0.0.1", port: $0, tls: .none) }
        configuration.http.listeners = http.map { .init(address: "127.0.0.1", port: $0, tls: false) }
        return configuration
    }

    /// A port some socket listens on now.
    private func occupiedPort() throws -> (ListeningSocket, Int) {
        let sockets = try ListeningSockets.bind(configuration(mail: [], http: [0]))
        let socket = sockets.http[0]
        let descriptor = try XCTUnwrap(socket.take())
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        return (ListeningSocket(descriptor: descriptor), Int(UInt16(bigEndian: address.sin_port)))
    }

    func testPortInUseNamesAddressPortProtocolAndReason() throws {
        let (holder, port) = try occupiedPort()
        defer { holder.close() }
        XCTAssertThrowsError(try ListeningSockets.bind(configuration(mail: [0, port], http: []))) { error in
            XCTAssertEqual("\(error)", "cannot listen on 127.0.0.1:\(port) (imap): address already in use")
        }
        XCTAssertThrowsError(try ListeningSockets.bind(configuration(mail: [0], http: [port]))) { error in
            XCTAssertEqual("\(error)", "cannot listen on 127.0.0.1:\(port) (http): address already in use")
        }
    }

    /// After a failure nothing stays bound: the first port can be bound again.
    func testAllOrNone() throws {
        let (holder, busy) = try occupiedPort()
        defer { holder.close() }
        let (probe, free) = try occupiedPort()
        probe.close()
        XCTAssertThrowsError(try ListeningSockets.bind(configuration(mail: [free], http: [busy])))
        let again = try ListeningSockets.bind(configuration(mail: [free], http: []))
        again.closeUnused()
    }

    func testErrorTextsOfOtherErrnos() {
        let error = ServerError.bindFailed(protocolName: "smtp", address: "::1", port: 25,
                                           reason: SocketErrorText.describe(EACCES, port: 25))
        XCTAssertEqual(error.description, "cannot listen on [::1]:25 (smtp): permission denied (ports below 1024 "
            + "need root or CAP_NET_BIND_SERVICE)")
        XCTAssertEqual(SocketErrorText.describe(EADDRNOTAVAIL, port: 2525), "cannot assign requested address")
        XCTAssertThrowsError(try ListeningSockets.bind(address: "192.0.2.1", port: 0, protocolName: "pop3")) {
            XCTAssertEqual("\($0)", "cannot listen on 192.0.2.1:0 (pop3): cannot assign requested address")
        }
    }

    /// A listener set and an HTTP server serve on sockets bound beforehand.
    func testListenersServeOnPreboundSockets() async throws {
        let sockets = try ListeningSockets.bind(configuration(mail: [0], http: [0]))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tern-prebound-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try SQLiteMailStore(directory: directory, logger: Logger(label: "test"))
        let http = HTTPServer(listeners: [.init(address: "127.0.0.1", port: 0, tls: false)], tls: nil,
                              maxConnections: 10, logger: Logger(label: "test"),
                              router: HTTPRouter(configuration: .localDefaults, store: store,
                                                 logger: Logger(label: "test"), listenersUp: { true }))
        let bound = try await http.bind(sockets: sockets.http)
        XCTAssertNil(sockets.http[0].take(), "NIO owns the descriptor now")
        let serving = Task { await http.serve() }
        let port = try XCTUnwrap(bound.first?.port)
        try await withTimeout {
            let client = try await TestClient.connect(port: port)
            try await client.send("GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n")
            let status = try await client.readLine()
            XCTAssertEqual(status, "HTTP/1.1 404 Not Found")
            await client.close()
        }
        http.close()
        await serving.value
        sockets.closeUnused()
        try await store.close()
    }
}
