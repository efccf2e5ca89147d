// SystemDNSResolver and MXRouter against a real DNS server: dnsmasq from
// Debian, started on a free loopback port for each test.
import Foundation
import XCTest
@testable import SMTP

final class DNSResolverTests: XCTestCase {
    private var server: DNSTestServer!

    override func setUp() async throws {
        server = try await DNSTestServer.start(arguments: [
            "--local=/test/",
            "--mx-host=mx.test,mx2.mx.test,20",
            "--mx-host=mx.test,mx1.mx.test,10",
            "--mx-host=mx.test,mx1b.mx.test,10",
            "--mx-host=mx.test,mx3.mx.test,30",
            "--host-record=mx1.mx.test,127.0.0.11",
            "--host-record=mx1b.mx.test,127.0.0.12",
            "--host-record=mx2.mx.test,127.0.0.20,::20",
            "--txt-record=mx3.mx.test,no address here",
            "--host-record=implicit.test,127.0.0.13,2001:db8::13",
            "--mx-host=null.test,.,0",
            "--cname=alias.test,mx.test",
            "--cname=alias2.test,alias.test",
            "--cname=dangling.test,gone.test",
            "--txt-record=txt.test,v=spf1 -all",
            "--txt-record=multi.test,first,second",
            "--txt-record=nomail.test,exists but has no address",
        ])
    }

    override func tearDown() {
        server?.stop()
        server = nil
    }

    private var resolver: SystemDNSResolver {
        SystemDNSResolver(nameserver: ("127.0.0.1", server.port), timeoutSeconds: 2, attempts: 2)
    }

    func testMXRecordsComeBackWithPreferences() async {
        let records = Set(await resolver.mx("mx.test").values)
        XCTAssertEqual(records, [
            MXRecord(preference: 10, exchange: "mx1.mx.test"), MXRecord(preference: 10, exchange: "mx1b.mx.test"),
            MXRecord(preference: 20, exchange: "mx2.mx.test"), MXRecord(preference: 30, exchange: "mx3.mx.test"),
        ])
    }

    func testAddressesGiveIPv4AndIPv6() async {
        let value1 = Set(await resolver.addresses("implicit.test").values.map(\.description))
        XCTAssertEqual(value1,
                       ["127.0.0.13", "2001:db8::13"])
        let value2 = await resolver.addresses("mx1.mx.test")
        XCTAssertEqual(value2, .found([.v4(127, 0, 0, 11)]))
    }

    func testTXTRecordsAreJoinedPerRecord() async {
        let value3 = await resolver.txt("txt.test")
        XCTAssertEqual(value3, .found(["v=spf1 -all"]))
        let value4 = await resolver.txt("multi.test")
        XCTAssertEqual(value4, .found(["firstsecond"]))
    }

    func testNXDOMAINAndNoDataAreToldApart() async {
        let value5 = await resolver.mx("missing.test")
        XCTAssertEqual(value5, .nameNotFound)
        let value6 = await resolver.addresses("missing.test")
        XCTAssertEqual(value6, .nameNotFound)
        let value7 = await resolver.mx("txt.test")
        XCTAssertEqual(value7, .noData)
        let value8 = await resolver.addresses("nomail.test")
        XCTAssertEqual(value8, .noData)
    }

    func testCNAMEChainIsFollowedToTheFinalName() async {
        let value9 = Set(await resolver.mx("alias2.test").values.map(\.exchange))
        XCTAssertEqual(value9,
                       ["mx1.mx.test", "mx1b.mx.test", "mx2.mx.test", "mx3.mx.test"])
        let dangling = await resolver.mx("dangling.test")
        XCTAssertTrue(dangling == .nameNotFound || dangling == .noData, "\(dangling)")
    }

    func testInvalidNamesAreRejectedWithoutAQuery() async {
        let value10 = await resolver.mx("a..test")
        XCTAssertEqual(value10, .nameNotFound)
        let value11 = await resolver.mx(String(repeating: "a", count: 64) + ".test")
        XCTAssertEqual(value11, .nameNotFound)
        let value12 = await resolver.mx("")
        XCTAssertEqual(value12, .nameNotFound)
    }

    func testSilentServerIsATemporaryFailure() async throws {
        // A UDP socket that never answers: the query times out.
        let silent = try DNSTestServer.boundUDPSocket()
        defer { close(silent.descriptor) }
        let resolver = SystemDNSResolver(nameserver: ("127.0.0.1", silent.port), timeoutSeconds: 1, attempts: 1)
        guard case .temporaryFailure = await resolver.mx("mx.test") else {
            return XCTFail("a timeout must be temporary")
        }
    }

    // MARK: Routing (RFC 5321 §5.1, RFC 7505)

    private func router(transportMap: [String: RelayDestination] = [:], smarthost: RelayDestination? = nil)
        -> MXRouter {
        MXRouter(resolver: resolver, transportMap: transportMap, smarthost: smarthost,
                 shuffle: { $0.sorted { $0.name > $1.name } })
    }

    func testMXRoutingOrdersByPreferenceAndSkipsHostsWithoutAddress() async {
        guard case let .hosts(hosts) = await router().route("mx.test") else { return XCTFail("no hosts") }
        // Equal preferences go through the shuffle (reverse name order here); mx3 has no address.
        XCTAssertEqual(hosts.map(\.name), ["mx1b.mx.test", "mx1.mx.test", "mx2.mx.test"])
        XCTAssertEqual(hosts.map(\.port), [25, 25, 25])
        XCTAssertEqual(hosts[0].addresses, [.v4(127, 0, 0, 12)])
        XCTAssertEqual(Set(hosts[2].addresses.map(\.description)), ["127.0.0.20", "::20"])
    }

    func testDefaultShuffleKeepsPreferenceGroups() async {
        let router = MXRouter(resolver: resolver)
        for _ in 0..<5 {
            guard case let .hosts(hosts) = await router.route("MX.test.") else { return XCTFail("no hosts") }
            XCTAssertEqual(Set(hosts.prefix(2).map(\.name)), ["mx1.mx.test", "mx1b.mx.test"])
            XCTAssertEqual(hosts.last?.name, "mx2.mx.test")
        }
    }

    func testImplicitMXUsesTheDomainsAddresses() async {
        guard case let .hosts(hosts) = await router().route("implicit.test") else { return XCTFail("no hosts") }
        XCTAssertEqual(hosts.map(\.name), ["implicit.test"])
        XCTAssertEqual(Set(hosts[0].addresses.map(\.description)), ["127.0.0.13", "2001:db8::13"])
    }

    func testNullMXIsPermanent() async {
        let route = await router().route("null.test")
        XCTAssertEqual(route, .nullMX)
        XCTAssertEqual(route.permanentStatus, "5.1.10")
    }

    func testMissingDomainAndDomainWithoutAddressArePermanent() async {
        let value13 = await router().route("missing.test")
        XCTAssertEqual(value13, .domainNotFound)
        let value14 = await router().route("nomail.test")
        XCTAssertEqual(value14, .noUsableHost)
        let value15 = await router().route("alias.test").permanentStatus
        XCTAssertEqual(value15, nil)
    }

    func testTransportMapAndSmarthostOverrideDNS() async {
        let map = ["null.test": RelayDestination(host: "127.0.0.1", port: 2525),
                   ".sub.test": RelayDestination(host: "mx1.mx.test", port: 2526)]
        let router = router(transportMap: map, smarthost: RelayDestination(host: "[::1]", port: 587))
        let value16 = await router.route("NULL.test")
        XCTAssertEqual(value16,
                       .hosts([DeliveryHost(name: "127.0.0.1", port: 2525, addresses: [.v4(127, 0, 0, 1)])]))
        let value17 = await router.route("a.b.sub.test")
        XCTAssertEqual(value17,
                       .hosts([DeliveryHost(name: "mx1.mx.test", port: 2526, addresses: [.v4(127, 0, 0, 11)])]))
        guard case let .hosts(smart) = await router.route("mx.test") else { return XCTFail("no smarthost") }
        XCTAssertEqual(smart.map(\.port), [587])
        XCTAssertEqual(smart.first?.addresses.map(\.description), ["::1"])
        let broken = self.router(smarthost: RelayDestination(host: "missing.test"))
        guard case .temporaryFailure = await broken.route("mx.test") else {
            return XCTFail("a relay host without address keeps the mail")
        }
    }

    func testAddressLiteralNeedsNoLookup() async {
        let value18 = await router().route("[127.0.0.9]")
        XCTAssertEqual(value18,
                       .hosts([DeliveryHost(name: "[127.0.0.9]", port: 25, addresses: [.v4(127, 0, 0, 9)])]))
        guard case let .hosts(hosts) = await router().route("[IPv6:2001:db8::1]") else { return XCTFail() }
        XCTAssertEqual(hosts.first?.addresses.map(\.description), ["2001:db8::1"])
    }
}

/// dnsmasq on 127.0.0.1 and a free port, in the foreground, no other config.
final class DNSTestServer: @unchecked Sendable {
    let port: UInt16
    private let process: Process

    private init(port: UInt16, process: Process) {
        self.port = port
        self.process = process
    }

    static func executable() throws -> URL {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "") + ":/usr/sbin:/sbin"
        for directory in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent("dnsmasq")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            XCTFail("dnsmasq is not installed, but CI=true: .ci/run must install dnsmasq-base")
        }
        throw XCTSkip("dnsmasq not installed (apt-get install dnsmasq-base)")
    }

    /// A bound UDP socket on a free loopback port (closed by the caller).
    static func boundUDPSocket() throws -> (descriptor: Int32, port: UInt16) {
        let descriptor = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard descriptor >= 0 else { throw POSIXError(.EIO) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(descriptor, socketAddress, length) == 0 && getsockname(descriptor, socketAddress, &length) == 0
            }
        }
        guard bound else { close(descriptor); throw POSIXError(.EADDRINUSE) }
        return (descriptor, UInt16(bigEndian: address.sin_port))
    }

    static func start(arguments: [String]) async throws -> DNSTestServer {
        let executable = try executable()
        for _ in 0..<5 {
            let probe = try boundUDPSocket()
            close(probe.descriptor)
            let process = Process()
            process.executableURL = executable
            process.arguments = ["--no-daemon", "--port=\(probe.port)", "--listen-address=127.0.0.1",
                                 "--bind-interfaces", "--no-resolv", "--no-hosts", "--conf-file=/dev/null",
                                 "--pid-file", "--user=\(NSUserName())", "--cache-size=0"] + arguments
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            let server = DNSTestServer(port: probe.port, process: process)
            // Ready when it answers; gone when the port was taken meanwhile.
            let resolver = SystemDNSResolver(nameserver: ("127.0.0.1", probe.port), timeoutSeconds: 1, attempts: 1)
            for _ in 0..<50 where process.isRunning {
                if case .found = await resolver.txt("ready.invalid.") { return server }
                if case .nameNotFound = await resolver.addresses("probe.test") { return server }
                try await Task.sleep(nanoseconds: 100_000_000)
            }
            server.stop()
        }
        throw XCTSkip("dnsmasq did not start")
    }

    func stop() {
        guard process.isRunning else { return }
        // SIGKILL: the child inherits the test process's blocked SIGTERM.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
