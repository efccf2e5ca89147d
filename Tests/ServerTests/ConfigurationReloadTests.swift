import Foundation
import XCTest
@testable import Server

/// What a SIGHUP reload applies and what waits for a restart.
final class ConfigurationReloadTests: XCTestCase {
    private var running: TernConfiguration {
        var configuration = TernConfiguration.localDefaults
        configuration.dataDirectory = "/var/lib/tern"
        return configuration
    }

    func testSameConfigurationChangesNothing() {
        let reload = ConfigurationReload(running: running, loaded: running)
        XCTAssertEqual(reload.changes, [])
        XCTAssertEqual(reload.effective, running)
    }

    func testLiveKeysAreAppliedOnePerLine() {
        var loaded = running
        loaded.localDomains = ["localhost", "example.net"]
        loaded.limits.maxMessageSize = 1_000_000
        loaded.smtp.maxRecipients = 200
        loaded.logging.level = "debug"
        loaded.outbound.pollSeconds = 30
        loaded.tls = TLSFiles(certificatePath: "/etc/tern/cert.pem", keyPath: "/etc/tern/key.pem")
        let reload = ConfigurationReload(running: running, loaded: loaded)
        XCTAssertEqual(reload.effective, loaded, "everything changed here applies without a restart")
        XCTAssertEqual(reload.changes.map(\.key), [
            "local_domains", "tls.certificate", "tls.key", "limits.max_message_size", "smtp.max_recipients",
            "logging.level", "outbound.poll_seconds",
        ])
        XCTAssertTrue(reload.changes.allSatisfy(\.applied))
        XCTAssertEqual(reload.changes[0].description,
                       "local_domains changed from [\"localhost\"] to [\"localhost\", \"example.net\"]: applied")
        XCTAssertEqual(reload.changes[1].description,
                       "tls.certificate changed from (not set) to \"/etc/tern/cert.pem\": applied")
        XCTAssertTrue(reload.changed("outbound"))
        XCTAssertTrue(reload.changed("logging"))
        XCTAssertFalse(reload.changed("pop3"))
    }

    /// Listeners, the data directory, [server], the login throttle's
    /// settings and the in-flight bound keep their running values, and their
    /// lines say so.
    func testRestartKeysKeepTheirRunningValues() {
        var loaded = running
        loaded.listeners.removeLast()
        loaded.http.listeners = []
        loaded.dataDirectory = "/srv/tern"
        loaded.server = ServerSettings(user: "tern")
        loaded.limits.maxUnauthenticatedInFlightPerAddress = 1_000
        loaded.authentication.throttle.maximumFailuresPerAddressAndAccount = 3
        loaded.hostName = "mail.example.org"
        let reload = ConfigurationReload(running: running, loaded: loaded)
        var expected = running
        expected.hostName = "mail.example.org"
        XCTAssertEqual(reload.effective, expected)
        let outcomes = Dictionary(uniqueKeysWithValues: reload.changes.map { ($0.key, $0.applied) })
        XCTAssertEqual(outcomes, [
            "host_name": true, "data_directory": false, "listener": false,
            "limits.max_unauthenticated_in_flight_per_address": false, "authentication.lock_after_failures": false,
            "http.listener": false, "server.user": false,
        ])
        let listener = reload.changes.first { $0.key == "listener" }
        XCTAssertEqual(listener?.description, "listener changed: needs a restart")
        let directory = reload.changes.first { $0.key == "data_directory" }
        XCTAssertEqual(directory?.description,
                       "data_directory changed from \"/var/lib/tern\" to \"/srv/tern\": needs a restart")
        // The next reload of the same file still reports them.
        let again = ConfigurationReload(running: reload.effective, loaded: loaded)
        XCTAssertEqual(again.changes.filter(\.applied).count, 0)
        XCTAssertEqual(again.changes.count, 6)
    }

    /// Connection budgets and timeouts apply to new connections at once
    /// (`ListenerSet.apply(limits:)`), per protocol too.
    func testConnectionLimitsAreApplied() {
        var loaded = running
        loaded.limits.maxConnections = 10
        loaded.limits.idleTimeoutSeconds = 60
        loaded.limits.loginTimeoutSeconds = 30
        loaded.limits.protocols[.imap] = ConnectionBudgetSettings(maxUnauthenticated: 5)
        let reload = ConfigurationReload(running: running, loaded: loaded)
        XCTAssertEqual(reload.effective.limits, loaded.limits)
        XCTAssertTrue(reload.changed("limits"))
        XCTAssertTrue(reload.changes.allSatisfy(\.applied), "\(reload.changes)")
        XCTAssertTrue(reload.changes.contains { $0.key == "limits.imap.max_unauthenticated" }, "\(reload.changes)")
    }

    func testPasswordChangeIsReportedWithoutTheValue() {
        var before = running
        before.outbound.smarthostUsername = "relay"
        before.outbound.smarthostPassword = "old-secret"
        var loaded = before
        loaded.outbound.smarthostPassword = "new-secret"
        let reload = ConfigurationReload(running: before, loaded: loaded)
        XCTAssertEqual(reload.changes.map(\.description),
                       ["outbound.smarthost_password changed from (hidden) to (hidden): applied"])
        XCTAssertEqual(reload.effective.outbound.smarthostPassword, "new-secret")
    }

    func testOrderFollowsTheRenderedFile() {
        var loaded = running
        loaded.logging.file = "/var/log/tern/tern.log"
        loaded.hostName = "mx.example.org"
        loaded.pop3.onDelete = "keep"
        let reload = ConfigurationReload(running: running, loaded: loaded)
        XCTAssertEqual(reload.changes.map(\.key), ["host_name", "pop3.on_delete", "logging.file"])
    }
}
