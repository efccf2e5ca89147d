import Foundation
import Logging

/// SIGHUP and SIGUSR1 on a running server.
extension TernServer {
    /// SIGHUP: reopens the log file, reads the configuration file again,
    /// logs one line per changed key ("applied" or "needs a restart"),
    /// applies what can change without a restart — new sessions take it,
    /// open ones keep theirs — and reads the certificate files again. A
    /// file that does not load is logged and the running configuration kept.
    func reload() async {
        notifier.reloading()
        reopenLogFile()
        guard let path = configurationPath else {
            logger.notice("reload: no configuration file; reading the certificate files again")
            reloadTLS(configuration)
            notifier.ready(status: "reloaded the certificate files")
            return
        }
        let loaded: TernConfiguration
        do {
            loaded = try ConfigurationLoader.load(path: path)
        } catch {
            logger.error("reload: \(path): \(error); keeping the running configuration")
            reloadTLS(configuration)
            notifier.ready(status: "configuration reload failed; running configuration kept")
            return
        }
        let running = configuration
        let reload = ConfigurationReload(running: running, loaded: loaded)
        state.withLock { $0.configuration = reload.effective }
        for change in reload.changes {
            logger.notice("reload: \(change)")
        }
        await apply(reload, running: running)
        let restartCount = reload.changes.filter { !$0.applied }.count
        logger.notice("configuration reloaded from \(path)", metadata: [
            "applied": "\(reload.changes.count - restartCount)", "needs-restart": "\(restartCount)",
        ])
        notifier.ready(status: "configuration reloaded")
    }

    /// SIGUSR1 (and SIGHUP): opens the log file again under its name, for
    /// logrotate, which renames the file and then signals.
    func reopenLogFile() {
        guard let path = LoggingSetup.filePath else { return }
        do {
            try LoggingSetup.reopen()
            logger.info("reopened the log file", metadata: ["file": "\(path)"])
        } catch {
            logger.error("cannot reopen the log file; writing to the old one", metadata: ["error": "\(error)"])
        }
    }

    /// Hands the settings of `reload.effective` to the running parts.
    private func apply(_ reload: ConfigurationReload, running: TernConfiguration) async {
        let configuration = reload.effective
        let (store, http, outbound, wakeup) = state.withLock { ($0.store, $0.http, $0.outbound, $0.wakeup) }
        if reload.changed("logging") {
            do {
                try LoggingSetup.apply(configuration.logging)
            } catch {
                logger.error("reload: \(error); logging stays as it was")
                state.withLock { $0.configuration.logging = running.logging }
            }
        }
        if reload.changed("local_domains"), let store {
            do {
                for domain in try await StoreSetup.addLocalDomains(store: store, configuration: configuration) {
                    logger.notice("added local domain \(domain)")
                }
            } catch {
                logger.error("reload: cannot add the local domains to the store", metadata: ["error": "\(error)"])
            }
        }
        if reload.changed("outbound") || reload.changed("host_name"), let store, let outbound {
            logger.notice("outbound delivery restarts with the new settings once its running deliveries end")
            outbound.restart(with: OutboundDelivery(configuration: configuration, store: store, logger: logger,
                                                    wakeup: wakeup))
        }
        if let http, let store {
            http.replaceRouter(makeRouter(configuration, store: store))
        }
        if reload.changed("limits") {
            // Budgets and timeouts for the connections accepted from now on.
            state.withLock { $0.listeners }?.apply(limits: configuration.limits)
        }
        reloadTLS(configuration)
    }

    /// Reads the certificate files again — the configured ones, or the
    /// generated pair, made anew when host_name or the local domains
    /// changed. On failure the previous certificate stays in use.
    private func reloadTLS(_ configuration: TernConfiguration) {
        guard let tls = state.withLock({ $0.tls }) else { return }
        do {
            try tls.apply(configuration, logger: logger)
            logger.notice("reloaded TLS certificate", metadata: ["certificate": "\(tls.certificatePath)"])
        } catch {
            logger.error("TLS reload failed; keeping the previous certificate", metadata: ["error": "\(error)"])
        }
    }
}
