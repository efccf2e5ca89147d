import Foundation
import NIOHTTP1

/// `GET /`: a small page for people who configure their client by hand,
/// with a form for the address and, for a local address, the same settings
/// as the XML documents. Everything from the request is HTML-escaped.
enum SettingsPage {
    static func html(settings: ClientSettings, address: MailAddressQuery?, problem: String?,
                     status: HTTPResponseStatus) -> HTTPResponse {
        let host = Markup.escape(settings.hostName)
        var lines = [
            "<!DOCTYPE html>",
            "<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Mail settings for \(host)</title></head>",
            "<body>",
            "<h1>Mail settings</h1>",
            "<form method=\"get\" action=\"/\"><label>E-mail address <input type=\"email\" name=\"email\""
                + " value=\"\(Markup.escape(address?.address ?? ""))\"></label> <button>Show settings</button></form>",
        ]
        if let problem { lines.append("<p class=\"problem\">\(Markup.escape(problem))</p>") }
        if let address {
            let user = Markup.escape(address.address)
            lines.append("<table>")
            lines.append("<tr><th>Service</th><th>Server</th><th>Port</th><th>Security</th><th>User name</th></tr>")
            for server in settings.servers {
                let service: String
                switch server.service {
                case .imap: service = "IMAP (incoming)"
                case .pop3: service = "POP3 (incoming)"
                case .submission: service = "SMTP (outgoing)"
                }
                let security = server.security == .implicitTLS ? "SSL/TLS" : "STARTTLS"
                lines.append("<tr><td>\(service)</td><td>\(Markup.escape(server.hostName))</td><td>\(server.port)</td>"
                    + "<td>\(security)</td><td>\(user)</td></tr>")
            }
            lines.append("</table>")
            var allowed = CharacterSet.alphanumerics
            allowed.insert(charactersIn: "@.-_")
            let query = address.address.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
            lines.append("<p>Authentication: normal password. <a href=\"/apple/mobileconfig?email=\(Markup.escape(query))\">"
                + "Profile for iPhone, iPad and Mac</a></p>")
        }
        lines += ["</body></html>"]
        return HTTPResponse(status: status, contentType: "text/html; charset=utf-8",
                            text: lines.joined(separator: "\n") + "\n")
    }
}
