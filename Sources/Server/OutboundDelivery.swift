import Foundation
import Logging
import MailStore
import NIOCore
import NIOPosix
import SMTP

/// The outbound queue runner as the server runs it: built from the
/// configuration, started after the listeners are bound, stopped at shutdown.
struct OutboundDelivery: Sendable {
    let configuration: TernConfiguration
    let store: any MailStore
    let logger: Logger
    /// Where the SMTP listeners find the runner to wake it.
    var wakeup: OutboundWakeup? = nil

    /// Runs the queue runner until the task is cancelled (server shutdown).
    func run() async {
        let outbound = configuration.outbound
        let credentials: SMTPClientCredentials?
        do {
            credentials = try Self.smarthostCredentials(outbound)
        } catch {
            // Sending without the configured AUTH would only get refusals
            // (and bounces): keep the mail queued until the file is fixed.
            logger.error("outbound delivery not started: \(error)")
            return
        }
        let router = Self.router(outbound)
        let client = NIOSMTPClient(heloName: configuration.hostName, group: MultiThreadedEventLoopGroup.singleton,
                                   maxConnections: outbound.maxConnections,
                                   maxConnectionsPerHost: outbound.maxConnectionsPerHost, logger: logger,
                                   idleConnectionTimeout: outbound.idleConnectionSeconds > 0
                                       ? .seconds(Int64(outbound.idleConnectionSeconds)) : nil)
        let runner = QueueRunner(store: store, router: router, transport: client,
                                 configuration: Self.runnerConfiguration(configuration, credentials: credentials),
                                 dkimKeys: DKIMKeyStore(dataDirectory: configuration.dataDirectory),
                                 observer: MetricsQueueObserver(), logger: logger)
        logger.notice("outbound delivery started", metadata: [
            "nameserver": "\(outbound.nameserver?.description ?? "system")",
            "smarthost": "\(outbound.smarthost?.description ?? "none")",
            "port": "\(outbound.port)",
        ])
        wakeup?.attach(runner)
        await runner.run()
        wakeup?.attach(nil)
        // Shutdown: QUIT on the connections kept for reuse.
        await client.closeIdleConnections()
    }

    /// DNS through libresolv (the configured nameserver or /etc/resolv.conf),
    /// then the transport map and the smarthost (RFC 5321 §5.1 routing).
    static func router(_ outbound: OutboundSettings) -> MXRouter {
        let resolver = SystemDNSResolver(nameserver: outbound.nameserver.map { ($0.host, UInt16($0.port)) })
        return MXRouter(
            resolver: resolver,
            transportMap: outbound.transport.mapValues { RelayDestination(host: $0.host, port: $0.port) },
            smarthost: outbound.smarthost.map { RelayDestination(host: $0.host, port: $0.port) },
            port: outbound.port)
    }

    /// The queue runner's policy from `[outbound]` (the loader validated the TLS names).
    static func runnerConfiguration(_ configuration: TernConfiguration,
                                    credentials: SMTPClientCredentials?) -> OutboundConfiguration {
        let outbound = configuration.outbound
        return OutboundConfiguration(
            hostName: configuration.hostName,
            firstRetryInterval: TimeInterval(outbound.firstRetrySeconds),
            maxRetryInterval: TimeInterval(outbound.maxRetrySeconds),
            giveUpAfter: TimeInterval(outbound.giveUpAfterSeconds),
            delayWarningAfter: TimeInterval(outbound.delayWarningSeconds),
            pollInterval: TimeInterval(outbound.pollSeconds),
            concurrentDeliveries: outbound.concurrentDeliveries,
            tlsPolicies: outbound.tlsPolicy.compactMapValues(OutboundTLSPolicy.init(rawValue:)),
            defaultTLS: OutboundTLSPolicy(rawValue: outbound.defaultTLS) ?? .opportunistic,
            smarthostTLS: OutboundTLSPolicy(rawValue: outbound.smarthostTLS) ?? .opportunistic,
            smarthostCredentials: credentials)
    }

    /// The smarthost's AUTH credentials; the password file's first line is the password.
    static func smarthostCredentials(_ outbound: OutboundSettings) throws -> SMTPClientCredentials? {
        guard let username = outbound.smarthostUsername else { return nil }
        if let password = outbound.smarthostPassword {
            return SMTPClientCredentials(username: username, password: password)
        }
        guard let path = outbound.smarthostPasswordFile else { return nil }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ConfigurationError("cannot read outbound.smarthost_password_file \(path): "
                + error.localizedDescription)
        }
        let firstLine = String(decoding: data, as: UTF8.self)
            .split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).first ?? ""
        let password = firstLine.hasSuffix("\r") ? String(firstLine.dropLast()) : String(firstLine)
        guard !password.isEmpty else {
            throw ConfigurationError("outbound.smarthost_password_file \(path) is empty")
        }
        return SMTPClientCredentials(username: username, password: password)
    }
}
