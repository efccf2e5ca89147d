import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A real DNS server for the outbound tests: Debian's dnsmasq on a free
/// loopback port, answering only from its command line (no /etc/hosts, no
/// upstream). Names under the given local domains that it does not know get
/// NXDOMAIN (`--local`), so "domain not found" is testable too.
final class Dnsmasq {
    /// One record, as dnsmasq's options spell it.
    enum Record {
        /// `--mx-host=domain,exchange,preference`; exchange "." is RFC 7505's null MX.
        case mx(domain: String, exchange: String, preference: Int)
        /// `--host-record=name,address` (A or AAAA, and PTR).
        case host(name: String, address: String)
        /// `--txt-record=name,string,string…` (strings of at most 255 octets, no commas).
        case txt(name: String, strings: [String])

        var option: String {
            switch self {
            case let .mx(domain, exchange, preference): return "--mx-host=\(domain),\(exchange),\(preference)"
            case let .host(name, address): return "--host-record=\(name),\(address)"
            case let .txt(name, strings): return "--txt-record=\(([name] + strings).joined(separator: ","))"
            }
        }
    }

    let port: Int
    private let child: ChildProcess

    /// Starts dnsmasq and waits (bounded) until it answers a query.
    init(records: [Record], localDomains: [String], directory: URL) throws {
        let executable = try Dnsmasq.executable()
        port = try LoopbackPorts.freeUDP()
        var arguments = [
            "--no-daemon", "--no-resolv", "--no-hosts", "--no-poll", "--listen-address=127.0.0.1",
            "--port=\(port)", "--bind-interfaces", "--pid-file=", "--log-queries",
            "--log-facility=\(directory.appendingPathComponent("dnsmasq.log").path)",
        ]
        arguments += localDomains.map { "--local=/\($0)/" }
        arguments += records.map(\.option)
        // dnsmasq closes every inherited descriptor at start, which makes
        // Foundation's Process believe it ended and block in waitpid (and
        // then miss every other child's exit). A shell in between keeps the
        // descriptor and passes SIGTERM on.
        let script = "\"$0\" \"$@\" & child=$!; trap 'kill -TERM $child; wait $child; exit 0' TERM INT; wait $child"
        child = try ChildProcess(executable: URL(fileURLWithPath: "/bin/sh"),
                                 arguments: ["-c", script, executable.path] + arguments,
                                 directory: directory, label: "dnsmasq")
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if !child.isRunning {
                throw HarnessError.failed("dnsmasq exited: \(child.result.transcript)")
            }
            if Dnsmasq.answers(port: port) { return }
            usleep(50_000)
        }
        child.stop(grace: 2)
        throw HarnessError.timeout("dnsmasq on 127.0.0.1:\(port)")
    }

    func stop() { child.stop(grace: 5) }

    var log: String { child.stdout + child.stderr }

    /// /usr/sbin/dnsmasq (Debian dnsmasq-base): skipped on a developer machine
    /// without it, a failure when CI=true.
    static func executable() throws -> URL {
        for path in ["/usr/sbin/dnsmasq", "/usr/bin/dnsmasq", "/sbin/dnsmasq"]
        where FileManager.default.isExecutableFile(atPath: path) {
            return URL(fileURLWithPath: path)
        }
        return try requireDebianClient("dnsmasq")
    }

    /// True when a DNS query for "." SOA gets any reply on 127.0.0.1:port.
    static func answers(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        // Header: id 0x7465, RD, one question: root, type SOA (6), class IN.
        let query: [UInt8] = [0x74, 0x65, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 6, 0, 1]
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(fd, query, query.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard sent == query.count else { return false }
        var reply = [UInt8](repeating: 0, count: 512)
        let received = recv(fd, &reply, reply.count, 0)
        return received >= 12 && reply[0] == 0x74 && reply[1] == 0x65
    }
}

extension LoopbackPorts {
    /// A UDP port free on 127.0.0.1 whose TCP twin is free too (dnsmasq binds both).
    static func freeUDP() throws -> Int {
        for _ in 0..<50 {
            let port = try free()
            let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
            guard fd >= 0 else { continue }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let bound = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            close(fd)
            if bound == 0 { return port }
        }
        throw HarnessError.failed("no free UDP port")
    }
}
