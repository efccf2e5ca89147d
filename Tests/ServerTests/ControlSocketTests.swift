import Accounts
import Foundation
import Logging
import XCTest
@testable import Server

/// The control protocol's messages (fixture table of JSON lines) and the
/// control socket server: mode 0600, stale file replaced, a second server
/// refused, removed at stop, bad requests answered with an error.
final class ControlSocketTests: XCTestCase {
    private var directory: String!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tern-ctl-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private var socketPath: String { ControlCoding.socketPath(dataDirectory: directory) }

    func testRequestsRoundTripAsOneJSONLine() throws {
        let fixtures: [(ControlRequest, String)] = [
            (.who(protocolName: nil), #"{"request":"who"}"#),
            (.who(protocolName: "imap"), #"{"protocol":"imap","request":"who"}"#),
            (.kick(account: "a@example.org"), #"{"account":"a@example.org","request":"kick"}"#),
            (.throttleList, #"{"request":"throttle-list"}"#),
            (.throttleClear(target: "192.0.2.1"), #"{"request":"throttle-clear","target":"192.0.2.1"}"#),
        ]
        for (request, json) in fixtures {
            let line = try ControlCoding.line(request)
            XCTAssertEqual(String(decoding: line, as: UTF8.self), json + "\n")
            XCTAssertEqual(try ControlCoding.decode(ControlRequest.self, from: Array(json.utf8)), request)
        }
        for bad in [#"{"request":"reboot"}"#, #"{"request":"kick"}"#, "not json"] {
            XCTAssertThrowsError(try ControlCoding.decode(ControlRequest.self, from: Array(bad.utf8)), bad)
        }
    }

    func testResponsesRoundTrip() throws {
        let since = Date(timeIntervalSince1970: 1_750_000_000)
        let responses: [ControlResponse] = [
            .connections([ConnectionSnapshot(id: "2q4k1b-1", protocolName: "imap", remoteAddress: "192.0.2.1",
                                             localPort: 143, account: "a@example.org", isTLS: true,
                                             connectedSince: since),
                          ConnectionSnapshot(id: "2q4k1b-2", protocolName: "smtp", remoteAddress: "::1",
                                             localPort: 25, account: nil, isTLS: false, connectedSince: since)]),
            .connections([]),
            .kicked(2),
            .throttle([LoginThrottleEntry(kind: .addressAndAccount, address: "192.0.2.1", account: "a@example.org",
                                          failures: 3, lockedUntil: since),
                       LoginThrottleEntry(kind: .account, address: nil, account: "b@example.org", failures: 1,
                                          lockedUntil: nil)]),
            .cleared(0),
            .error("unknown protocol"),
        ]
        for response in responses {
            let line = try ControlCoding.line(response)
            XCTAssertEqual(line.last, 0x0A)
            XCTAssertFalse(line.dropLast().contains(0x0A))
            XCTAssertEqual(try ControlCoding.decode(ControlResponse.self, from: Array(line.dropLast())), response)
        }
        let who = String(decoding: try ControlCoding.line(responses[0]), as: UTF8.self)
        XCTAssertTrue(who.contains(#""protocol":"imap""#) && who.contains(#""since":"2025-06-15T15:06:40Z""#), who)
    }

    private func startServer(_ respond: @escaping ControlServer.Responder) async throws -> (ControlServer, Task<Void, Never>) {
        let server = ControlServer(path: socketPath, logger: Logger(label: "test"), respond: respond)
        try await server.bind()
        return (server, Task { await server.serve() })
    }

    func testServerAnswersWithMode0600AndRemovesTheSocketAtStop() async throws {
        // A stale socket file (left by a server that was killed) is replaced.
        try makeStaleSocketFile()
        XCTAssertTrue(FileManager.default.fileExists(atPath: socketPath))

        let (server, serving) = try await startServer { request in
            if case .kick(let account) = request { return .kicked(account.count) }
            return .error("unexpected")
        }
        let mode = try FileManager.default.attributesOfItem(atPath: socketPath)[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o600)
        let answer = try await ControlClient.send(.kick(account: "abc"), socketPath: socketPath)
        XCTAssertEqual(answer, .kicked(3))

        // A second server on the same data directory is refused: this one answers.
        let second = ControlServer(path: socketPath, logger: Logger(label: "test")) { _ in .kicked(0) }
        do {
            try await second.bind()
            XCTFail("a second server took the control socket")
        } catch let error as ServerError {
            XCTAssertEqual(error, .controlSocketInUse(path: socketPath))
        }
        let still = try await ControlClient.send(.kick(account: "x"), socketPath: socketPath)
        XCTAssertEqual(still, .kicked(1))

        server.close()
        await serving.value
        XCTAssertFalse(FileManager.default.fileExists(atPath: socketPath))
        do {
            _ = try await ControlClient.send(.throttleList, socketPath: socketPath)
            XCTFail("answered after stop")
        } catch let failure as ControlClient.Failure {
            XCTAssertEqual(failure.description, "tern serve is not running (no control socket at \(socketPath))")
        }
    }

    func testMalformedRequestGetsAnErrorAndTheServerGoesOn() async throws {
        let (server, serving) = try await startServer { _ in .cleared(7) }
        let answer = try await rawExchange("{\"request\":\"format-disk\"}\n")
        XCTAssertTrue(answer.hasPrefix(#"{"error":"not a control request"#), answer)
        let overlong = try await rawExchange(String(repeating: "x", count: ControlServer.maxRequestLength + 10) + "\n")
        XCTAssertTrue(overlong.contains("request longer than"), overlong)
        let good = try await ControlClient.send(.throttleClear(target: "a"), socketPath: socketPath)
        XCTAssertEqual(good, .cleared(7))
        server.close()
        await serving.value
    }

    /// A socket file nobody listens on, as a killed server leaves it.
    private func makeStaleSocketFile() throws {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        defer { close(fd) }
        var address = Self.unixAddress(socketPath)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else { throw POSIXError(.EADDRINUSE) }
    }

    private static func unixAddress(_ path: String) -> sockaddr_un {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in path.utf8.enumerated() where index < buffer.count - 1 { buffer[index] = byte }
        }
        return address
    }

    /// Sends raw bytes on the socket and reads the answer line (POSIX, blocking, bounded by SO_RCVTIMEO).
    private func rawExchange(_ text: String) async throws -> String {
        let path = socketPath
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try Self.rawExchange(text, path: path) })
            }
        }
    }

    private static func rawExchange(_ text: String, path: String) throws -> String {
        do {
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw POSIXError(.EIO) }
            defer { close(fd) }
            var timeout = timeval(tv_sec: 10, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var address = Self.unixAddress(path)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
            let bytes = Array(text.utf8)
            var sent = 0
            while sent < bytes.count {
                let written = bytes[sent...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                guard written > 0 else { break }
                sent += written
            }
            var answer: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while !answer.contains(0x0A) {
                let count = read(fd, &buffer, buffer.count)
                guard count > 0 else { break }
                answer += buffer[..<count]
            }
            return String(decoding: answer, as: UTF8.self)
        }
    }

    func testServiceAnswersWhoKickAndThrottle() async throws {
        let throttle = LoginThrottle(configuration: .withoutDelays)
        for _ in 0..<10 { _ = await throttle.recordFailure(address: "192.0.2.5", account: "a@example.org") }
        let listeners = ListenerSet(listeners: [], tls: nil, limits: TernConfiguration.localDefaults.limits,
                                    logger: Logger(label: "test"))
        let service = ControlService(listeners: listeners, throttle: throttle)
        let who = await service.respond(to: .who(protocolName: "imap"))
        XCTAssertEqual(who, .connections([]))
        let bad = await service.respond(to: .who(protocolName: "gopher"))
        guard case .error(let message) = bad else { return XCTFail("\(bad)") }
        XCTAssertTrue(message.contains("gopher"))
        let kicked = await service.respond(to: .kick(account: "a@example.org"))
        XCTAssertEqual(kicked, .kicked(0))
        guard case .throttle(let entries) = await service.respond(to: .throttleList) else { return XCTFail() }
        XCTAssertEqual(entries.first?.kind, .addressAndAccount)
        XCTAssertNotNil(entries.first?.lockedUntil)
        // An IP address clears the address and its pairs; a name clears the account.
        let byAddress = await service.respond(to: .throttleClear(target: "192.0.2.5"))
        XCTAssertEqual(byAddress, .cleared(2))
        let byAccount = await service.respond(to: .throttleClear(target: "a@example.org"))
        XCTAssertEqual(byAccount, .cleared(1))
        let locked = await throttle.isLocked(address: "192.0.2.5", account: "a@example.org")
        XCTAssertFalse(locked)
    }
}
