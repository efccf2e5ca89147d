import Foundation
import XCTest
@testable import Server

/// sd_notify(3) against a fake NOTIFY_SOCKET: a datagram socket of the test's own.
final class SystemdNotifierTests: XCTestCase {
    /// A bound AF_UNIX datagram socket; `receive` waits (bounded) for one datagram.
    private final class FakeNotifySocket {
        let descriptor: CInt
        let path: String

        init(path: String, abstract: Bool = false) throws {
            self.path = path
            descriptor = socket(AF_UNIX, CInt(SOCK_DGRAM.rawValue), 0)
            guard descriptor >= 0 else { throw POSIXError(.EIO) }
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            var bytes = Array(path.utf8)
            if abstract { bytes[0] = 0 }
            withUnsafeMutableBytes(of: &address.sun_path) { buffer in
                for (index, byte) in bytes.enumerated() { buffer[index] = byte }
            }
            let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + (abstract ? 0 : 1))
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
            }
            guard bound == 0 else { throw POSIXError(.EADDRINUSE) }
            var timeout = timeval(tv_sec: 10, tv_usec: 0)
            setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }

        func receive() -> String? {
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = recv(descriptor, &buffer, buffer.count, 0)
            return count > 0 ? String(decoding: buffer.prefix(count), as: UTF8.self) : nil
        }

        deinit {
            close(descriptor)
            unlink(path)
        }
    }

    func testReadyReloadingStoppingReachThePathSocket() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("notify-\(UUID().uuidString.prefix(8))").path
        let fake = try FakeNotifySocket(path: path)
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": path])
        notifier.ready(status: "listening on 7 mail and 2 HTTP ports")
        XCTAssertEqual(fake.receive(), "READY=1\nSTATUS=listening on 7 mail and 2 HTTP ports\nMAINPID=\(getpid())\n")
        notifier.reloading()
        let reloading = try XCTUnwrap(fake.receive())
        XCTAssertTrue(reloading.hasPrefix("RELOADING=1\nMONOTONIC_USEC="), reloading)
        let microseconds = UInt64(reloading.split(separator: "=").last?.dropLast() ?? "")
        XCTAssertNotNil(microseconds, reloading)
        notifier.stopping()
        XCTAssertEqual(fake.receive(), "STOPPING=1\n")
    }

    func testAbstractNamespaceSocket() throws {
        let name = "@tern-notify-test-\(UUID().uuidString.prefix(8))"
        let fake = try FakeNotifySocket(path: name, abstract: true)
        XCTAssertTrue(SystemdNotifier(environment: ["NOTIFY_SOCKET": name]).send(["READY=1"]))
        XCTAssertEqual(fake.receive(), "READY=1\n")
    }

    func testWithoutNotifySocketNothingIsSent() {
        let notifier = SystemdNotifier(environment: [:])
        XCTAssertNil(notifier.socketPath)
        XCTAssertFalse(notifier.send(["READY=1"]))
        XCTAssertFalse(SystemdNotifier(environment: ["NOTIFY_SOCKET": "/nonexistent/notify"]).send(["READY=1"]))
    }
}
