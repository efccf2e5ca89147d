import Foundation
import Logging
import MailStore
import NIOHTTP1
import SMTP

/// Maps each request to its document. Every failure is an HTTP status:
/// unknown path 404, wrong method 405, bad address or body 400, address of
/// a domain not served here 404, admin path from outside `adminNetworks` 403.
struct HTTPRouter: Sendable {
    let settings: ClientSettings
    let store: any MailStore
    let adminNetworks: [IPNetwork]
    /// True while the mail listeners are up (false during shutdown).
    let listenersUp: @Sendable () -> Bool
    let logger: Logger

    init(configuration: TernConfiguration, store: any MailStore, logger: Logger,
         listenersUp: @escaping @Sendable () -> Bool) {
        self.settings = ClientSettings(configuration: configuration)
        self.store = store
        // Validated by the configuration loader.
        self.adminNetworks = configuration.http.adminNetworks.compactMap(IPNetwork.init)
        self.listenersUp = listenersUp
        self.logger = logger
    }

    enum Route: Equatable {
        case page, autoconfig, autodiscover, mobileconfig, health, metrics
    }

    static func route(path: String) -> Route? {
        switch path {
        case "/", "/index.html": return .page
        case "/.well-known/autoconfig/mail/config-v1.1.xml", "/mail/config-v1.1.xml": return .autoconfig
        case "/autodiscover/autodiscover.xml", "/Autodiscover/Autodiscover.xml": return .autodiscover
        case "/apple/mobileconfig": return .mobileconfig
        case "/healthz": return .health
        case "/metrics": return .metrics
        default: return nil
        }
    }

    func respond(to request: HTTPRequest) async -> HTTPResponse {
        guard let route = Self.route(path: request.path) else { return .plain(.notFound) }
        let allowed: [HTTPMethod] = route == .autodiscover ? [.POST] : [.GET, .HEAD]
        guard allowed.contains(request.method) else {
            var response = HTTPResponse.plain(.methodNotAllowed)
            response.extraHeaders = [("Allow", allowed.map(\.rawValue).joined(separator: ", "))]
            return response
        }
        switch route {
        case .page:
            return await page(request)
        case .autoconfig:
            return await withLocalAddress(request.query["emailaddress"]) { address in
                .xml(AutoconfigDocument.xml(settings: settings, address: address))
            }
        case .autodiscover:
            return await autodiscover(request)
        case .mobileconfig:
            return await withLocalAddress(request.query["email"]) { address in
                do {
                    guard let body = try MobileConfigDocument.plist(settings: settings, address: address) else {
                        return .plain(.notFound, "no IMAP or POP3 and no submission listener with TLS is configured")
                    }
                    let name = address.address.map { $0.isLetter || $0.isNumber || $0 == "." ? $0 : "_" }
                    return HTTPResponse(status: .ok, contentType: MobileConfigDocument.contentType, body: body,
                                        extraHeaders: [("Content-Disposition",
                                                        "attachment; filename=\"\(String(name)).mobileconfig\"")])
                } catch {
                    logger.error("cannot write the configuration profile", metadata: ["error": "\(error)"])
                    return .plain(.internalServerError)
                }
            }
        case .health:
            guard isAdmin(request) else { return .plain(.forbidden) }
            return await health()
        case .metrics:
            guard isAdmin(request) else { return .plain(.forbidden) }
            // The queue length is read from the store at each scrape.
            // One COUNT of the recipients still to deliver, not the whole queue.
            if let pending = try? await store.pendingRecipientCount() {
                ServerMetrics.queueLength(pending)
            }
            if let quotas = try? await store.quotas() { ServerMetrics.quotaUsage(quotas) }
            return HTTPResponse(status: .ok, contentType: "text/plain; version=0.0.4; charset=utf-8",
                                body: ServerMetrics.registry.emitToBuffer())
        }
    }

    // MARK: Routes

    private func autodiscover(_ request: HTTPRequest) async -> HTTPResponse {
        let raw: String
        do {
            raw = try AutodiscoverDocument.emailAddress(fromRequest: request.body)
        } catch {
            return .plain(.badRequest, "malformed Autodiscover request")
        }
        return await withLocalAddress(raw) { address in
            .xml(AutodiscoverDocument.xml(settings: settings, address: address))
        }
    }

    private func page(_ request: HTTPRequest) async -> HTTPResponse {
        guard let raw = request.query["email"], !raw.isEmpty else {
            return SettingsPage.html(settings: settings, address: nil, problem: nil, status: .ok)
        }
        guard let address = MailAddressQuery(raw) else {
            return SettingsPage.html(settings: settings, address: nil, problem: "\(raw) is not an e-mail address.",
                                     status: .badRequest)
        }
        switch await isLocal(address) {
        case .some(true):
            return SettingsPage.html(settings: settings, address: address, problem: nil, status: .ok)
        case .some(false):
            return SettingsPage.html(settings: settings, address: nil,
                                     problem: "\(address.domain) is not a domain of this server.", status: .notFound)
        case nil:
            return .plain(.serviceUnavailable)
        }
    }

    private func health() async -> HTTPResponse {
        let storeUp = (try? await store.domains()) != nil
        guard storeUp, listenersUp() else { return .plain(.serviceUnavailable, "unavailable") }
        return .plain(.ok, "ok")
    }

    // MARK: Helpers

    /// Runs `body` when `raw` is an address of a local domain: 400 for a
    /// malformed address, 404 for another domain, 503 when the store fails.
    private func withLocalAddress(_ raw: String?, _ body: (MailAddressQuery) -> HTTPResponse) async -> HTTPResponse {
        guard let raw else { return .plain(.badRequest, "missing e-mail address") }
        guard let address = MailAddressQuery(raw) else { return .plain(.badRequest, "not an e-mail address") }
        switch await isLocal(address) {
        case .some(true): return body(address)
        case .some(false): return .plain(.notFound, "not a domain of this server")
        case nil: return .plain(.serviceUnavailable)
        }
    }

    /// Nil when the store cannot be read.
    private func isLocal(_ address: MailAddressQuery) async -> Bool? {
        do {
            return try await store.domainExists(address.domain)
        } catch {
            logger.error("cannot read the domains", metadata: ["error": "\(error)"])
            return nil
        }
    }

    private func isAdmin(_ request: HTTPRequest) -> Bool {
        guard let remote = request.remoteAddress else { return false }
        return adminNetworks.contains { $0.contains(remote) }
    }
}
