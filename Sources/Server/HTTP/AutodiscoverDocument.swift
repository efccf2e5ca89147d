import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Microsoft Autodiscover, plain-old-XML flavour ([MS-OXDSCLI] §2.2.4): the
/// request names an EMailAddress, the response lists one Protocol per
/// listener (IMAP, POP3, SMTP) with Server, Port, SSL/Encryption and LoginName.
enum AutodiscoverDocument {
    static let responseNamespace = "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006"
    static let outlookNamespace = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"

    static func xml(settings: ClientSettings, address: MailAddressQuery) -> String {
        var lines = [
            #"<?xml version="1.0" encoding="utf-8"?>"#,
            #"<Autodiscover xmlns="\#(responseNamespace)">"#,
            #"  <Response xmlns="\#(outlookNamespace)">"#,
            "    <User><DisplayName>\(Markup.escape(address.address))</DisplayName></User>",
            "    <Account>",
            "      <AccountType>email</AccountType>",
            "      <Action>settings</Action>",
        ]
        let ordered = settings.servers(.imap) + settings.servers(.pop3) + settings.servers(.submission)
        for server in ordered {
            let type: String
            switch server.service {
            case .imap: type = "IMAP"
            case .pop3: type = "POP3"
            case .submission: type = "SMTP"
            }
            lines += [
                "      <Protocol>",
                "        <Type>\(type)</Type>",
                "        <Server>\(Markup.escape(server.hostName))</Server>",
                "        <Port>\(server.port)</Port>",
                "        <LoginName>\(Markup.escape(address.address))</LoginName>",
                "        <DomainRequired>off</DomainRequired>",
                "        <SPA>off</SPA>",
                "        <SSL>on</SSL>",
                "        <Encryption>\(server.security == .implicitTLS ? "SSL" : "TLS")</Encryption>",
                "        <AuthRequired>on</AuthRequired>",
            ]
            if server.service == .submission { lines.append("        <UsePOPAuth>off</UsePOPAuth>") }
            lines.append("      </Protocol>")
        }
        lines += ["    </Account>", "  </Response>", "</Autodiscover>"]
        return lines.joined(separator: "\n") + "\n"
    }

    /// A response telling the client the address is not served here ([MS-OXDSCLI] §2.2.4.2.1.3).
    static func errorXML(code: Int, message: String) -> String {
        """
        <?xml version="1.0" encoding="utf-8"?>
        <Autodiscover xmlns="\(responseNamespace)">
          <Response>
            <Error>
              <ErrorCode>\(code)</ErrorCode>
              <Message>\(Markup.escape(message))</Message>
            </Error>
          </Response>
        </Autodiscover>

        """
    }

    enum RequestError: Error, Equatable {
        case malformed
        case noAddress
    }

    /// The text of the request's `Request/EMailAddress` element. Documents
    /// with a DTD are refused: no entity expansion, internal or external.
    static func emailAddress(fromRequest body: [UInt8]) throws(RequestError) -> String {
        let data = Data(body)
        if data.range(of: Data("<!DOCTYPE".utf8)) != nil || data.range(of: Data("<!ENTITY".utf8)) != nil {
            throw .malformed
        }
        let parser = XMLParser(data: data)
        parser.shouldResolveExternalEntities = false
        let collector = EMailAddressCollector()
        parser.delegate = collector
        guard parser.parse(), collector.sawRoot else { throw .malformed }
        guard let address = collector.address?.trimmingCharacters(in: .whitespacesAndNewlines), !address.isEmpty
        else { throw .noAddress }
        return address
    }
}

/// Collects the text of the first EMailAddress element (any namespace prefix).
private final class EMailAddressCollector: NSObject, XMLParserDelegate {
    var sawRoot = false
    var address: String?
    private var inAddress = false
    private var text = ""

    private static func localName(_ name: String) -> Substring {
        name.split(separator: ":").last ?? Substring(name)
    }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName: String?, attributes: [String: String] = [:]) {
        if !sawRoot {
            sawRoot = true
            guard Self.localName(elementName) == "Autodiscover" else {
                parser.abortParsing()
                return
            }
        }
        if address == nil, Self.localName(elementName) == "EMailAddress" {
            inAddress = true
            text = ""
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if inAddress, text.utf8.count < 1024 { text += string }
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?,
                qualifiedName: String?) {
        if inAddress, Self.localName(elementName) == "EMailAddress" {
            inAddress = false
            address = text
        }
    }
}
