import Foundation
import Logging
import MailStore
import XCTest
@testable import Server

/// `/healthz`, `/metrics`, the login counters and the `[http]` configuration.
final class HTTPHealthMetricsTests: HTTPTestCase {
    func testHealthRestrictedToAdminNetworks() async throws {
        let router = router(standardConfiguration())
        let healthy = await get(router, "/healthz")
        XCTAssertEqual(healthy.status, .ok)
        XCTAssertEqual(String(decoding: healthy.body, as: UTF8.self), "ok\n")
        let got1 = await get(router, "/healthz", from: "192.0.2.7").status
        XCTAssertEqual(got1, .forbidden)
        let got2 = await get(router, "/metrics", from: "192.0.2.7").status
        XCTAssertEqual(got2, .forbidden)
        let got3 = await get(self.router(standardConfiguration(), listenersUp: false), "/healthz").status
        XCTAssertEqual(got3,
                       .serviceUnavailable)
        var open = standardConfiguration()
        open.http.adminNetworks = ["192.0.2.0/24"]
        let got4 = await get(self.router(open), "/healthz", from: "192.0.2.7").status
        XCTAssertEqual(got4, .ok)
        let got5 = await get(self.router(open), "/healthz").status
        XCTAssertEqual(got5, .forbidden)
        try await store.close()
        let got6 = await get(router, "/healthz").status
        XCTAssertEqual(got6, .serviceUnavailable, "store closed")
    }

    /// The value of one sample line, e.g. `tern_logins_total{protocol="pop3",result="failed"} 3`.
    static func sample(_ text: String, _ series: String) -> Double? {
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            if parts.count == 2, parts[0] == series { return Double(parts[1]) }
        }
        return nil
    }

    func testLoginCountersMoveWithAuthenticatorOutcomes() async throws {
        let router = router(standardConfiguration())
        let series = #"tern_logins_total{protocol="pop3",result="failed"}"#
        let before = String(decoding: await get(router, "/metrics").body, as: UTF8.self)
        let start = try XCTUnwrap(Self.sample(before, series), before)
        let observer = MetricsAuthenticationObserver()
        observer.authenticationFinished(protocolName: "POP3", result: .invalidCredentials)
        observer.authenticationFinished(protocolName: "pop3", result: .temporarilyLocked)
        let response = await get(router, "/metrics")
        XCTAssertTrue(response.contentType.hasPrefix("text/plain; version=0.0.4"))
        let after = String(decoding: response.body, as: UTF8.self)
        XCTAssertEqual(Self.sample(after, series), start + 2)
        XCTAssertNotNil(Self.sample(after, #"tern_logins_total{protocol="pop3",result="succeeded"}"#))
        XCTAssertNotNil(Self.sample(after, #"tern_connections_total{protocol="smtp"}"#))
        XCTAssertNotNil(Self.sample(after, #"tern_messages_queued_total{protocol="smtp"}"#))
        XCTAssertNotNil(Self.sample(after, #"tern_connections_total{protocol="submission"}"#))
    }

    /// Open connections go up and down; outbound outcomes count; the queue
    /// length is read from the store at scrape time; command latencies
    /// land in a histogram per protocol and command.
    func testGaugesCountersAndLatencyHistograms() async throws {
        let router = router(standardConfiguration())
        let open = #"tern_connections_open{protocol="imap"}"#
        let bounced = "tern_outbound_bounced_total"
        let before = String(decoding: await get(router, "/metrics").body, as: UTF8.self)
        let openBefore = try XCTUnwrap(Self.sample(before, open), before)
        let bouncedBefore = try XCTUnwrap(Self.sample(before, bounced), before)
        ServerMetrics.connectionOpened(protocolName: "imap")
        ServerMetrics.connectionOpened(protocolName: "imap")
        ServerMetrics.connectionClosed(protocolName: "imap")
        MetricsQueueObserver().recipientBounced()
        MetricsMessageObserver(protocolName: "smtp").commandCompleted("RCPT", seconds: 0.002)
        _ = try await store.enqueueOutbound(OutboundMessageDraft(
            sender: "a@example.com", recipients: [.init(address: "x@one.example"), .init(address: "y@two.example")],
            body: Array("Subject: hi\r\n\r\nhello\r\n".utf8)))
        let after = String(decoding: await get(router, "/metrics").body, as: UTF8.self)
        XCTAssertEqual(Self.sample(after, open), openBefore + 1)
        XCTAssertEqual(Self.sample(after, bounced), bouncedBefore + 1)
        XCTAssertEqual(Self.sample(after, "tern_queue_recipients"), 2)
        let count = #"tern_command_duration_seconds_count{protocol="smtp",command="RCPT"}"#
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(Self.sample(after, count), after), 1)
        XCTAssertTrue(after.contains(#"tern_command_duration_seconds_bucket{protocol="smtp",command="RCPT",le="#), after)
    }

    /// Quota use at each scrape: accounts near (≥ 90 %) and at their
    /// limits, and the octets stored in all.
    func testQuotaGauges() async throws {
        let router = router(standardConfiguration())
        let near = try await store.createAccount(address: "near@example.org", passwordHash: "x")
        let full = try await store.createAccount(address: "full@example.org", passwordHash: "x")
        for account in [near, full] {
            let inbox = try await store.mailbox(accountID: account.id, name: "INBOX")
            for number in 0..<9 {
                _ = try await store.appendMessage(mailboxID: try XCTUnwrap(inbox).id,
                                                  NewMessage(body: Array("Subject: \(number)\r\n\r\nx\r\n".utf8)))
            }
        }
        try await store.setQuota(accountID: near.id, .custom(QuotaLimits(messages: 10)))
        try await store.setQuota(accountID: full.id, .custom(QuotaLimits(messages: 9)))
        let metrics = String(decoding: await get(router, "/metrics").body, as: UTF8.self)
        XCTAssertEqual(Self.sample(metrics, #"tern_quota_accounts{state="near"}"#), 1, metrics)
        XCTAssertEqual(Self.sample(metrics, #"tern_quota_accounts{state="full"}"#), 1, metrics)
        let all = try await store.quotas()
        XCTAssertEqual(Self.sample(metrics, "tern_storage_used_bytes"), Double(all.reduce(0) { $0 + $1.usage.storage }))
    }

    /// Messages are counted per listener kind: MX (`protocol="smtp"`) apart
    /// from submission; both series exist from the start.
    func testMessagesCountedPerListenerKind() async throws {
        let router = router(standardConfiguration())
        let names = ["tern_messages_received_total", "tern_messages_delivered_total", "tern_messages_queued_total"]
        func samples() async throws -> [String: Double] {
            let text = String(decoding: await get(router, "/metrics").body, as: UTF8.self)
            var values: [String: Double] = [:]
            for name in names {
                for kind in ["smtp", "submission"] {
                    let series = "\(name){protocol=\"\(kind)\"}"
                    values[series] = try XCTUnwrap(Self.sample(text, series), "\(series) in\n\(text)")
                }
            }
            return values
        }
        let before = try await samples()
        MetricsMessageObserver(protocolName: "submission").messageAccepted(localCopies: 2, relayedRecipients: 3)
        MetricsMessageObserver(protocolName: "smtp").messageAccepted(localCopies: 1, relayedRecipients: 0)
        MetricsMessageObserver(protocolName: "submission").commandCompleted("DATA", seconds: 0.01)
        let after = try await samples()
        let expected: [String: Double] = [
            #"tern_messages_received_total{protocol="submission"}"#: 1,
            #"tern_messages_delivered_total{protocol="submission"}"#: 2,
            #"tern_messages_queued_total{protocol="submission"}"#: 1,
            #"tern_messages_received_total{protocol="smtp"}"#: 1,
            #"tern_messages_delivered_total{protocol="smtp"}"#: 1,
            #"tern_messages_queued_total{protocol="smtp"}"#: 0,
        ]
        for (series, increase) in expected {
            XCTAssertEqual(after[series]! - before[series]!, increase, series)
        }
        let text = String(decoding: await get(router, "/metrics").body, as: UTF8.self)
        let count = #"tern_command_duration_seconds_count{protocol="submission",command="DATA"}"#
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(Self.sample(text, count), text), 1)
    }

    /// IMAP latencies are labelled by command; anything else is "OTHER".
    func testIMAPCommandLabels() {
        XCTAssertEqual(IMAPByteSession.metricsLabel(Array("a1 fetch 1:* (FLAGS)\r\n".utf8)), "FETCH")
        XCTAssertEqual(IMAPByteSession.metricsLabel(Array("7 UID store 1 +FLAGS (\\Seen)\r\n".utf8)), "UID STORE")
        XCTAssertEqual(IMAPByteSession.metricsLabel(Array("a2 LOGIN {5}\r\n".utf8)), "LOGIN")
        XCTAssertEqual(IMAPByteSession.metricsLabel(Array("DONE\r\n".utf8)), "OTHER")
        XCTAssertEqual(IMAPByteSession.metricsLabel(Array("x1 XYZZY\r\n".utf8)), "OTHER")
        XCTAssertEqual(IMAPByteSession.metricsLabel(Array("t UID XYZZY 1\r\n".utf8)), "OTHER")
        XCTAssertEqual(IMAPByteSession.metricsLabel([]), "OTHER")
    }

    func testHTTPTableLoadsRendersAndRejects() throws {
        let text = """
        [http]
        admin_networks = ["10.0.0.0/8"]

        [[http.listener]]
        port = 8081
        tls = "none"

        [[http.listener]]
        address = "::1"
        port = 8443
        """
        let configuration = try ConfigurationLoader.load(text: text, baseDirectory: "/tmp")
        XCTAssertEqual(configuration.http, HTTPSettings(listeners: [
            .init(address: "127.0.0.1", port: 8081, tls: false), .init(address: "::1", port: 8443, tls: true),
        ], adminNetworks: ["10.0.0.0/8"]))
        XCTAssertEqual(TernConfiguration.localDefaults.http.listeners.map(\.port), [8080, 8443])
        var off = configuration
        off.http.listeners = []
        for value in [configuration, off, TernConfiguration.localDefaults] {
            let again = try ConfigurationLoader.load(text: ConfigurationRenderer.toml(value), baseDirectory: "/tmp")
            XCTAssertEqual(again.http, value.http)
        }
        func error(_ text: String) -> String {
            do {
                _ = try ConfigurationLoader.load(text: text, baseDirectory: "/tmp")
                return "no error"
            } catch { return "\(error)" }
        }
        XCTAssertEqual(error("[http]\nadmin_networks = [\"nowhere\"]"),
                       "bad value for \"http.admin_networks\": \"nowhere\" is not an IP address or CIDR network "
                       + "(like \"127.0.0.0/8\" or \"::1/128\") at line 2")
        XCTAssertEqual(error("[http]\nport = 1"), "unknown key \"http.port\" at line 2")
        XCTAssertEqual(error("[[http.listener]]\nport = 80\ntls = \"starttls\""),
                       "bad value for \"http.listener.tls\": \"starttls\" (expected implicit or none) at line 3")
        XCTAssertEqual(error("[[http.listener]]\nport = 70000"),
                       "bad value for \"http.listener.port\": 70000 is not a port number (1-65535) at line 2")
        XCTAssertEqual(error("[[http.listener]]\naddress = \"x\"\nport = 80"),
                       "bad value for \"http.listener.address\": \"x\" is not an IPv4 or IPv6 address at line 2")
        XCTAssertEqual(error("[[http.listener]]\ntls = \"none\""), "\"http.listener.port\" is missing at line 1")
        XCTAssertEqual(error("[[http.listener]]\nport = 80\n[[http.listener]]\nport = 80"),
                       "duplicate http listener 127.0.0.1:80 at line 3")
    }

    func testDNSZoneFragment() throws {
        var configuration = standardConfiguration()
        configuration.localDomains = ["example.org"]
        configuration.listeners.removeAll { $0.protocolName == .pop3 && $0.tls == .starttls }
        configuration.listeners.append(.init(protocolName: .imap, address: "192.0.2.10", port: 10993, tls: .implicit))
        configuration.http.listeners = [.init(address: "0.0.0.0", port: 443, tls: true)]
        let zone = try XCTUnwrap(DNSZoneFragment.render(domain: "Example.org.", configuration: configuration))
        let records = zone.split(separator: "\n").filter { !$0.hasPrefix(";") && !$0.isEmpty }
            .map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
        XCTAssertEqual(records, [
            "example.org. IN MX 10 mail.example.org.",
            "example.org. IN TXT \"v=spf1 mx -all\"",
            "_dmarc.example.org. IN TXT \"v=DMARC1; p=none; rua=mailto:postmaster@example.org\"",
            "_imaps._tcp.example.org. IN SRV 0 1 993 mail.example.org.",
            "_imap._tcp.example.org. IN SRV 0 1 143 mail.example.org.",
            "_pop3s._tcp.example.org. IN SRV 0 1 995 mail.example.org.",
            "_pop3._tcp.example.org. IN SRV 0 0 0 .",
            "_submissions._tcp.example.org. IN SRV 0 1 465 mail.example.org.",
            "_submission._tcp.example.org. IN SRV 0 1 587 mail.example.org.",
            "autoconfig.example.org. IN CNAME mail.example.org.",
            "autodiscover.example.org. IN CNAME mail.example.org.",
            "_autodiscover._tcp.example.org. IN SRV 0 0 443 mail.example.org.",
        ])
        XCTAssertTrue(zone.contains("DKIM"))
        XCTAssertTrue(zone.contains("10.2.0.192.in-addr.arpa.  IN PTR  mail.example.org."), zone)
        XCTAssertNil(DNSZoneFragment.render(domain: "bad domain", configuration: configuration))
    }
}
