import Foundation
import XCTest

/// Outbound delivery between two real `tern serve` instances on loopback:
/// A (sender.test) takes mail from its user by submission and delivers it
/// through its queue; B (remote.test, and d1.test … d20.test) is the remote
/// domains' MX. MX lookups go to a real DNS server (dnsmasq on a loopback
/// port) through A's `[outbound] nameserver`; A's `port` is B's MX port.
/// The DKIM signature is checked by dkimpy with the key from dnsmasq's TXT
/// record; bounces are parsed with Python's `email` package.
final class OutboundDeliveryTests: TernEndToEndTestCase {
    private var dns: Dnsmasq?
    private var senderServer: TernInstance!
    private var remoteServer: TernInstance!
    private var fakeMX: ChildProcess?

    private let alice = "alice@sender.test"
    private let alicePassword = "Alice-e2e-Secret-1"
    private let bob = "bob@remote.test"
    private let bobPassword = "Bob-e2e-Secret-1"
    private let selector = "e2e"
    private let loadDomains = (1...20).map { "d\($0).test" }

    override func tearDown() {
        fakeMX?.stop(grace: 2)
        senderServer?.stop()
        remoteServer?.stop()
        dns?.stop()
        super.tearDown()
    }

    /// B with bob and catch-alls for d1…d20; A with alice and a DKIM key;
    /// dnsmasq with the MX, A and TXT records; then both servers.
    private func startPair(firstRetrySeconds: Int = 2, transport: [String: Int] = [:],
                           idleConnectionSeconds: Int = 5, maxConnectionsPerHost: Int = 8,
                           dkimAlgorithm: String = "rsa") throws {
        _ = try Dnsmasq.executable()
        remoteServer = try TernInstance(name: "remote", parent: workDir, hostName: "mx.remote.test",
                                        localDomains: ["remote.test"] + loadDomains)
        try remoteServer.addDomains()
        try remoteServer.addAccount(bob, password: bobPassword)
        for domain in loadDomains {
            try remoteServer.ternOK(["alias", "add", "@\(domain)", bob])
        }

        senderServer = try TernInstance(name: "sender", parent: workDir, hostName: "mail.sender.test",
                                        localDomains: ["sender.test"])
        try senderServer.addDomains()
        try senderServer.addAccount(alice, password: alicePassword)
        let generated = try senderServer.ternOK(["dkim", "generate", "sender.test", "--selector", selector,
                                                 "--algorithm", dkimAlgorithm])
        let txtStrings = Self.quotedStrings(in: generated.stdout)
        XCTAssertTrue(txtStrings.joined().hasPrefix("v=DKIM1; k=\(dkimAlgorithm); p="), generated.transcript)

        var records: [Dnsmasq.Record] = [
            .mx(domain: "remote.test", exchange: "mx.remote.test", preference: 10),
            .host(name: "mx.remote.test", address: "127.0.0.1"),
            // RFC 7505 null MX: "accepts no mail".
            .mx(domain: "nullmx.test", exchange: ".", preference: 0),
            .txt(name: "\(selector)._domainkey.sender.test", strings: txtStrings),
        ]
        records += loadDomains.map { .mx(domain: $0, exchange: "mx.remote.test", preference: 10) }
        let dns = try Dnsmasq(records: records, localDomains: ["test"], directory: workDir)
        self.dns = dns

        let transportLines = transport.keys.sorted().map { "\"\($0)\" = \"127.0.0.1:\(transport[$0]!)\"" }
        senderServer.outboundTOML = """
        nameserver = "127.0.0.1:\(dns.port)"
        port = \(remoteServer.smtpPort)
        default_tls = "opportunistic"
        first_retry_seconds = \(firstRetrySeconds)
        max_retry_seconds = \(max(firstRetrySeconds, 10))
        poll_seconds = 1
        max_connections = 20
        max_connections_per_host = \(maxConnectionsPerHost)
        concurrent_deliveries = 20
        idle_connection_seconds = \(idleConnectionSeconds)

        [outbound.transport]
        \(transportLines.joined(separator: "\n"))
        """
        try senderServer.writeConfig()
        try remoteServer.start()
        try senderServer.start()
    }

    /// The quoted strings of `tern dkim generate`'s zone-file line.
    private static func quotedStrings(in text: String) -> [String] {
        guard let line = text.split(separator: "\n").first(where: { $0.contains("IN TXT") }) else { return [] }
        return line.split(separator: "\"", omittingEmptySubsequences: false).enumerated()
            .filter { $0.offset % 2 == 1 }.map { String($0.element) }
    }

    /// The fields of `tern queue list`'s line for `recipient`.
    private static func queueFields(_ listing: String, _ recipient: String) -> [String]? {
        listing.split(separator: "\n").first { $0.contains("-> \(recipient)") }
            .map { $0.components(separatedBy: "  ") }
    }

    private var logs: String {
        [senderServer?.log, remoteServer?.log, dns.map { "--- dnsmasq ---\n\($0.log.suffix(2000))" }]
            .compactMap { $0 }.joined(separator: "\n")
    }

    @discardableResult
    private func outbound(_ command: String, _ arguments: [String], timeout: TimeInterval = 240,
                          file: StaticString = #filePath, line: UInt = #line) throws -> CommandResult {
        let result = try python("outbound_e2e.py", [command] + arguments, timeout: timeout)
        guard result.succeeded, result.stdout.contains("\(command): all checks passed") else {
            XCTFail("outbound_e2e.py \(command) failed: \(result.transcript)\n\(logs)", file: file, line: line)
            throw HarnessError.failed("outbound_e2e.py \(command)")
        }
        return result
    }

    private func submit(to recipients: [String], marker: String, count: Int = 1, connections: Int = 1,
                        file: StaticString = #filePath, line: UInt = #line) throws {
        try outbound("submit", ["--port", String(senderServer.submissionPort), "--user", alice,
                                "--password", alicePassword, "--marker", marker, "--count", String(count),
                                "--connections", String(connections)] + recipients.flatMap { ["--to", $0] },
                     file: file, line: line)
    }

    private func remoteMailbox(_ user: String, _ password: String) -> [String] {
        ["--pop3s-port", String(remoteServer.pop3sPort), "--user", user, "--password", password]
    }

    private var aliceMailbox: [String] {
        ["--pop3s-port", String(senderServer.pop3sPort), "--user", alice, "--password", alicePassword]
    }

    /// Waits (bounded) until `tern queue list` on A satisfies `condition`; returns the last listing.
    @discardableResult
    private func waitForQueue(timeout: TimeInterval = 60, _ what: String, file: StaticString = #filePath,
                              line: UInt = #line, until condition: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var listing = ""
        while Date() < deadline {
            listing = try senderServer.ternOK(["queue", "list"], file: file, line: line).stdout
            if condition(listing) { return listing }
            usleep(500_000)
        }
        XCTFail("queue never showed \(what) within \(Int(timeout)) s; last listing:\n\(listing)\n\(logs)",
                file: file, line: line)
        throw HarnessError.timeout(what)
    }

    /// `tern_connections_total{protocol="smtp"}` of an instance's /metrics.
    private func smtpConnections(at instance: TernInstance) throws -> Int {
        Int(try metric(#"tern_connections_total{protocol="smtp"}"#, httpPort: instance.httpPort))
    }

    // MARK: tests

    /// Submission on A → MX lookup in dnsmasq → SMTP (STARTTLS) to B → bob's
    /// INBOX, once, with a DKIM signature that dkimpy verifies; A's queue empties.
    func testDeliveredToRemoteWithVerifiedDKIM() throws {
        try startPair()
        try submit(to: [bob], marker: "dkim-e2e")
        try outbound("wait-count", remoteMailbox(bob, bobPassword) + ["--marker", "dkim-e2e", "--count", "1",
                                                                     "--settle", "3"])
        try outbound("dkim", remoteMailbox(bob, bobPassword) + ["--marker", "dkim-e2e", "--dns-port", String(dns!.port),
                                                               "--domain", "sender.test"])
        try waitForQueue("an empty queue") { $0.contains("queue is empty") }
        // A's operator log: the submission handed to the queue, then the
        // attempt, each with sender, Message-ID, size and relay (Postfix's fields).
        let log = senderServer.standardError
        let fields = "from=<\(alice)>, to=<\(bob)>, message-id=<dkim-e2e-0@outbound.e2e>, size="
        let queued = try Regex(NSRegularExpression.escapedPattern(for: fields)
            + #"\d+, relay=queue, delay=[0-9.]+, dsn=2\.0\.0, status=queued \(queued as [0-9a-f]+\)"#)
        XCTAssertTrue(log.contains(queued), logs)
        let sent = try Regex(NSRegularExpression.escapedPattern(for: fields)
            + #"\d+, relay=\S+ \[127\.0\.0\.1\]:\d+, conn=new, delay=[0-9.]+, attempts=1, dsn=2\.0\.0, status=sent \(250 "#)
        XCTAssertTrue(log.contains(sent), logs)
        // Submission is counted apart from MX mail: on A as submission, on B as smtp.
        let (a, b) = (senderServer.httpPort, remoteServer.httpPort)
        XCTAssertEqual(try metric(#"tern_messages_received_total{protocol="submission"}"#, httpPort: a), 1)
        XCTAssertEqual(try metric(#"tern_messages_queued_total{protocol="submission"}"#, httpPort: a), 1)
        XCTAssertEqual(try metric(#"tern_messages_received_total{protocol="smtp"}"#, httpPort: a), 0)
        XCTAssertEqual(try metric(#"tern_messages_received_total{protocol="smtp"}"#, httpPort: b), 1)
        XCTAssertEqual(try metric(#"tern_messages_received_total{protocol="submission"}"#, httpPort: b), 0)
    }

    /// The same with an Ed25519 key (RFC 8463), verified by dkimpy (with PyNaCl).
    func testEd25519SignatureVerifiedByDkimpy() throws {
        try startPair(dkimAlgorithm: "ed25519")
        try submit(to: [bob], marker: "ed25519-e2e")
        try outbound("wait-count", remoteMailbox(bob, bobPassword) + ["--marker", "ed25519-e2e", "--count", "1"])
        try outbound("dkim", remoteMailbox(bob, bobPassword) + ["--marker", "ed25519-e2e",
                                                               "--dns-port", String(dns!.port),
                                                               "--domain", "sender.test",
                                                               "--algorithm", "ed25519-sha256"])
    }

    /// A 550 from B (unknown user), a null MX and a domain that does not exist:
    /// each gives alice an RFC 3464 report with the right status at once.
    func testPermanentFailuresBounceToSender() throws {
        try startPair()
        try submit(to: ["nobody@remote.test"], marker: "bounce-550")
        try outbound("bounce", aliceMailbox + ["--marker", "bounce-550", "--recipient", "nobody@remote.test",
                                              "--status", "5.1.1", "--diagnostic", "550"])
        try submit(to: ["someone@nullmx.test"], marker: "bounce-nullmx")
        try outbound("bounce", aliceMailbox + ["--marker", "bounce-nullmx", "--recipient", "someone@nullmx.test",
                                              "--status", "5.1.10"])
        try submit(to: ["someone@nowhere.test"], marker: "bounce-nxdomain")
        try outbound("bounce", aliceMailbox + ["--marker", "bounce-nxdomain", "--recipient", "someone@nowhere.test",
                                              "--status", "5.1.2"])
        try waitForQueue("an empty queue") { $0.contains("queue is empty") }
    }

    /// B is down: the message stays queued with its error in `tern queue list`.
    /// A restarts with it in the queue, B comes back, `tern queue flush`
    /// sends it now (the retry interval is an hour), and it arrives once.
    func testRemoteDownThenUpAfterRestartAndFlush() throws {
        try startPair(firstRetrySeconds: 3600)
        remoteServer.stop()
        try submit(to: [bob], marker: "down-up")
        let listing = try waitForQueue("a deferred recipient with its error") { listing in
            // id  state  attempts  next-try  sender -> recipient  last-error
            guard let fields = Self.queueFields(listing, bob) else { return false }
            return fields.count >= 6 && fields[1] == "queued" && fields[2] != "0"
        }
        let id = try XCTUnwrap(Self.queueFields(listing, bob)?.first)
        let details = try senderServer.ternOK(["queue", "show", id])
        XCTAssertTrue(details.stdout.contains("last error:"), details.transcript)
        XCTAssertTrue(details.stdout.contains("next try:"), details.transcript)

        XCTAssertTrue(senderServer.stop(), "A stops cleanly with mail in the queue")
        try remoteServer.start()
        try senderServer.start()
        let flushed = try senderServer.ternOK(["queue", "flush"])
        XCTAssertTrue(flushed.stdout.contains("1 queued message will be retried now"), flushed.transcript)
        try outbound("wait-count", remoteMailbox(bob, bobPassword) + ["--marker", "down-up", "--count", "1",
                                                                     "--settle", "4"])
        try waitForQueue("an empty queue") { $0.contains("queue is empty") }
    }

    /// A transport-map destination (no DNS) that answers 451 first: the
    /// recipient is retried after first_retry_seconds and delivered once.
    func testTemporaryFailureIsRetriedThroughTransportMap() throws {
        guard let python = findOnPath("python3") else { throw HarnessError.notFound("python3") }
        let fakePort = try LoopbackPorts.free()
        let fakeDir = workDir.appendingPathComponent("fake-mx", isDirectory: true)
        try FileManager.default.createDirectory(at: fakeDir, withIntermediateDirectories: true)
        let script = try TernPaths.scriptsDirectory().appendingPathComponent("outbound_fake_mx.py")
        fakeMX = try ChildProcess(executable: python, arguments: [script.path, "--port", String(fakePort),
                                                                  "--dir", fakeDir.path, "--lifetime", "300"],
                                  directory: workDir, label: "fake-mx")
        let deadline = Date().addingTimeInterval(20)
        while !LoopbackPorts.accepts(fakePort) && Date() < deadline { usleep(50_000) }
        try startPair(firstRetrySeconds: 2, transport: ["flaky.test": fakePort])
        try submit(to: ["carol@flaky.test"], marker: "retry-451")
        let stored = fakeDir.appendingPathComponent("0001.eml")
        let arrival = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: stored.path) && Date() < arrival { usleep(200_000) }
        let message = try String(contentsOf: stored, encoding: .utf8)
        XCTAssertTrue(message.contains("retry-451"), message)
        XCTAssertTrue(message.contains("DKIM-Signature:"), "signed: \(message.prefix(600))")
        sleep(3)
        let replies = try String(contentsOf: fakeDir.appendingPathComponent("replies.log"), encoding: .utf8)
        XCTAssertEqual(replies.split(separator: "\n").map(String.init),
                       ["rcpt carol@flaky.test 451", "rcpt carol@flaky.test 250", "data carol@flaky.test 250"],
                       "first 451, then accepted once; \(logs)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: fakeDir.appendingPathComponent("0002.eml").path),
                       "delivered once")
        try waitForQueue("an empty queue") { $0.contains("queue is empty") }
    }

    /// 2,000 messages to 20 domains (all MX → B) drain completely; B counts
    /// every arrival and how many SMTP connections A opened (reuse, which
    /// `idle_connection_seconds` turns on; all 20 domains share B's one MX
    /// host, whose connection limit here lets every delivery keep its own).
    func testTwoThousandMessagesToTwentyDomainsDrain() throws {
        try startPair(idleConnectionSeconds: 5, maxConnectionsPerHost: 20)
        let count = 2_000
        let recipients = loadDomains.map { "rcpt@\($0)" }
        let before = try smtpConnections(at: remoteServer)
        try submit(to: recipients, marker: "load-e2e", count: count, connections: 4)
        let drained = try outbound("wait-count", remoteMailbox(bob, bobPassword) + ["--count", String(count),
                                                                                   "--timeout", "180"],
                                   timeout: 300)
        try waitForQueue(timeout: 60, "an empty queue") { $0.contains("queue is empty") }
        let connections = try smtpConnections(at: remoteServer) - before
        print("outbound load: \(count) messages to \(loadDomains.count) domains drained; "
            + "\(drained.stdout.split(separator: "\n").first { $0.hasPrefix("elapsed") } ?? "") s after submission; "
            + "B accepted \(connections) SMTP connections from A")
        XCTAssertGreaterThan(connections, 0, "B counted A's connections")
        XCTAssertLessThan(connections, count, "A reused connections: \(connections) for \(count) messages")
        // Per destination, from A's delivery log lines (`from=<…>, to=<rcpt@dN.test>, … conn=new|reused`).
        let lines = senderServer.standardError.split(separator: "\n").filter { $0.contains("status=sent") && $0.contains("conn=") }
        var reuse: [String: (new: Int, reused: Int)] = [:]
        for line in lines {
            guard let to = line.range(of: "to=<"), let at = line[to.upperBound...].range(of: "@"),
                  let end = line[at.upperBound...].firstIndex(of: ">") else { continue }
            let domain = String(line[at.upperBound..<end])
            var entry = reuse[domain, default: (0, 0)]
            if line.contains("conn=reused") { entry.reused += 1 } else { entry.new += 1 }
            reuse[domain] = entry
        }
        print("outbound load, connection reuse per destination (from A's log): " + reuse.keys.sorted().map {
            "\($0) \(reuse[$0]!.reused) reused/\(reuse[$0]!.new) new"
        }.joined(separator: ", "))
        let reusedTotal = reuse.values.reduce(0) { $0 + $1.reused }
        XCTAssertGreaterThan(reusedTotal, 0, "some deliveries reused a connection: \(reuse)")
        XCTAssertTrue(senderServer.stop(), "A stops cleanly (QUIT on its idle connections) within the grace time")
    }
}
