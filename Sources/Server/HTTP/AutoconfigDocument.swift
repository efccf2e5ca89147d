/// The Thunderbird autoconfig document, clientConfig version 1.1
/// (https://wiki.mozilla.org/Thunderbird:Autoconfiguration:ConfigFileFormat):
/// one incomingServer per IMAP and POP3 listener, one outgoingServer per
/// submission listener, password authentication with the full address as
/// user name (`%EMAILADDRESS%`).
enum AutoconfigDocument {
    static func xml(settings: ClientSettings, address: MailAddressQuery) -> String {
        let domain = Markup.escape(address.domain)
        var lines = [
            #"<?xml version="1.0" encoding="UTF-8"?>"#,
            #"<clientConfig version="1.1">"#,
            #"  <emailProvider id="\#(domain)">"#,
            "    <domain>\(domain)</domain>",
            "    <displayName>\(Markup.escape(settings.hostName)) mail</displayName>",
            "    <displayShortName>\(domain)</displayShortName>",
        ]
        for server in settings.servers(.imap) + settings.servers(.pop3) {
            lines += entry(element: "incomingServer", type: server.service.rawValue, server: server)
        }
        for server in settings.servers(.submission) {
            lines += entry(element: "outgoingServer", type: "smtp", server: server)
        }
        lines += ["  </emailProvider>", "</clientConfig>"]
        return lines.joined(separator: "\n") + "\n"
    }

    private static func entry(element: String, type: String, server: ClientSettings.Server) -> [String] {
        let socketType = server.security == .implicitTLS ? "SSL" : "STARTTLS"
        return [
            #"    <\#(element) type="\#(type)">"#,
            "      <hostname>\(Markup.escape(server.hostName))</hostname>",
            "      <port>\(server.port)</port>",
            "      <socketType>\(socketType)</socketType>",
            "      <authentication>password-cleartext</authentication>",
            "      <username>%EMAILADDRESS%</username>",
            "    </\(element)>",
        ]
    }
}
