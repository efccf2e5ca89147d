import Foundation

/// An unsigned Apple configuration profile (Configuration Profile Reference,
/// "Mail" payload `com.apple.mail.managed`) for iOS and macOS: the preferred
/// incoming server (IMAP, else POP3) and the first submission server.
/// `UseSSL` is true for STARTTLS ports too: Apple Mail then negotiates STARTTLS.
enum MobileConfigDocument {
    static let contentType = "application/x-apple-aspen-config"

    /// Nil when the configuration has no incoming or no submission listener with TLS.
    static func plist(settings: ClientSettings, address: MailAddressQuery) throws -> [UInt8]? {
        guard let incoming = settings.preferredIncoming, let outgoing = settings.servers(.submission).first else {
            return nil
        }
        let identifier = settings.hostName.split(separator: ".").reversed().joined(separator: ".") + ".tern"
        let mail: [String: Any] = [
            "PayloadType": "com.apple.mail.managed",
            "PayloadVersion": 1,
            "PayloadIdentifier": "\(identifier).mail.\(address.address)",
            "PayloadUUID": UUID().uuidString,
            "PayloadDisplayName": "Mail (\(address.address))",
            "EmailAccountDescription": address.address,
            "EmailAccountType": incoming.service == .imap ? "EmailTypeIMAP" : "EmailTypePOP",
            "EmailAddress": address.address,
            "IncomingMailServerHostName": incoming.hostName,
            "IncomingMailServerPortNumber": incoming.port,
            "IncomingMailServerUseSSL": true,
            "IncomingMailServerUsername": address.address,
            "IncomingMailServerAuthentication": "EmailAuthPassword",
            "OutgoingMailServerHostName": outgoing.hostName,
            "OutgoingMailServerPortNumber": outgoing.port,
            "OutgoingMailServerUseSSL": true,
            "OutgoingMailServerUsername": address.address,
            "OutgoingMailServerAuthentication": "EmailAuthPassword",
            "OutgoingPasswordSameAsIncomingPassword": true,
        ]
        let profile: [String: Any] = [
            "PayloadType": "Configuration",
            "PayloadVersion": 1,
            "PayloadIdentifier": "\(identifier).profile.\(address.address)",
            "PayloadUUID": UUID().uuidString,
            "PayloadDisplayName": "\(address.domain) mail",
            "PayloadDescription": "Mail settings for \(address.address) on \(settings.hostName)",
            "PayloadRemovalDisallowed": false,
            "PayloadContent": [mail],
        ]
        let data = try PropertyListSerialization.data(fromPropertyList: profile, format: .xml, options: 0)
        return [UInt8](data)
    }
}
