/// The settings a mail client needs, derived from the actual listener
/// configuration: one entry per listener that clients use (IMAP, POP3,
/// submission) and that offers TLS, implicit TLS first. Listeners without
/// TLS are left out: Tern never tells a client to send a password in clear.
struct ClientSettings: Sendable, Equatable {
    enum Service: String, Sendable, Equatable {
        case imap, pop3, submission
    }

    enum Security: String, Sendable, Equatable {
        /// TLS from the first byte (RFC 8314).
        case implicitTLS
        /// Plain, upgraded with STARTTLS / STLS.
        case starttls
    }

    struct Server: Sendable, Equatable {
        var service: Service
        var hostName: String
        var port: Int
        var security: Security
    }

    var hostName: String
    var servers: [Server]

    init(hostName: String, servers: [Server]) {
        self.hostName = hostName
        self.servers = servers
    }

    init(configuration: TernConfiguration) {
        var servers: [Server] = []
        for listener in configuration.listeners {
            let service: Service
            switch listener.protocolName {
            case .imap: service = .imap
            case .pop3: service = .pop3
            case .submission: service = .submission
            case .smtp: continue
            }
            let security: Security
            switch listener.tls {
            case .implicit: security = .implicitTLS
            case .starttls: security = .starttls
            case .none: continue
            }
            let server = Server(service: service, hostName: configuration.hostName, port: listener.port,
                                security: security)
            if !servers.contains(server) { servers.append(server) }
        }
        // Stable: implicit TLS before STARTTLS within each service, configuration order otherwise.
        let ranked = servers.enumerated().sorted { left, right in
            let leftRank = left.element.security == .implicitTLS ? 0 : 1
            let rightRank = right.element.security == .implicitTLS ? 0 : 1
            return (leftRank, left.offset) < (rightRank, right.offset)
        }
        self.init(hostName: configuration.hostName, servers: ranked.map(\.element))
    }

    func servers(_ service: Service) -> [Server] { servers.filter { $0.service == service } }

    /// What a client should read mail with: IMAP if offered, else POP3.
    var preferredIncoming: Server? { servers(.imap).first ?? servers(.pop3).first }
}
