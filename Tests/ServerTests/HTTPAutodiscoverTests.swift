import Foundation
import XCTest
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import Server

/// Microsoft Autodiscover (POX) and the Apple configuration profile.
final class HTTPAutodiscoverTests: HTTPTestCase {
    private func request(_ address: String) -> String {
        """
        <?xml version="1.0" encoding="utf-8"?>
        <Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006">
          <Request>
            <EMailAddress>\(address)</EMailAddress>
            <AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema>
          </Request>
        </Autodiscover>
        """
    }

    func testProtocolsFromConfiguration() async throws {
        let router = router(standardConfiguration())
        for path in ["/autodiscover/autodiscover.xml", "/Autodiscover/Autodiscover.xml"] {
            let response = await post(router, path, body: request("carol@example.org"))
            XCTAssertEqual(response.status, .ok)
            let document = try xml(response)
            let protocols = try document.nodes(forXPath: "//*[local-name()='Protocol']")
            let summary = try protocols.map { node -> String in
                let value = { (name: String) in
                    try node.nodes(forXPath: "*[local-name()='\(name)']").first?.stringValue ?? "-"
                }
                XCTAssertEqual(try value("Server"), "mail.example.org")
                XCTAssertEqual(try value("LoginName"), "carol@example.org")
                return "\(try value("Type")) \(try value("Port")) \(try value("SSL")) \(try value("Encryption"))"
            }
            XCTAssertEqual(summary, ["IMAP 993 on SSL", "IMAP 143 on TLS", "POP3 995 on SSL", "POP3 110 on TLS",
                                     "SMTP 465 on SSL", "SMTP 587 on TLS"])
        }
    }

    func testHostileBodies() async throws {
        let router = router(standardConfiguration())
        let path = "/autodiscover/autodiscover.xml"
        let billionLaughs = """
        <?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>
        <Autodiscover><Request><EMailAddress>&lol2;@example.org</EMailAddress></Request></Autodiscover>
        """
        let external = """
        <?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]>
        <Autodiscover><Request><EMailAddress>&x;</EMailAddress></Request></Autodiscover>
        """
        for body in ["", "not xml", "<Autodiscover><Request><EMailAddress>a@example.org", billionLaughs, external,
                     "<Other><EMailAddress>a@example.org</EMailAddress></Other>",
                     "<Autodiscover><Request></Request></Autodiscover>",
                     request("<![CDATA[x]]>not-an-address"), request("a@example.org&lt;script&gt;")] {
            let response = await post(router, path, body: body)
            XCTAssertEqual(response.status, .badRequest, body)
        }
        let got1 = await post(router, path, body: request("a@example.com")).status
        XCTAssertEqual(got1, .notFound)
        let got2 = await get(router, path).status
        XCTAssertEqual(got2, .methodNotAllowed)
    }

    func testMobileConfigProfile() async throws {
        let response = await get(router(standardConfiguration()), "/apple/mobileconfig?email=dave@example.org")
        XCTAssertEqual(response.status, .ok)
        XCTAssertEqual(response.contentType, "application/x-apple-aspen-config")
        let plist = try XCTUnwrap(try PropertyListSerialization.propertyList(from: Data(response.body), format: nil)
            as? [String: Any])
        XCTAssertEqual(plist["PayloadType"] as? String, "Configuration")
        let payloads = try XCTUnwrap(plist["PayloadContent"] as? [[String: Any]])
        XCTAssertEqual(payloads.count, 1)
        let mail = payloads[0]
        XCTAssertEqual(mail["PayloadType"] as? String, "com.apple.mail.managed")
        XCTAssertEqual(mail["EmailAccountType"] as? String, "EmailTypeIMAP")
        XCTAssertEqual(mail["IncomingMailServerHostName"] as? String, "mail.example.org")
        XCTAssertEqual(mail["IncomingMailServerPortNumber"] as? Int, 993)
        XCTAssertEqual(mail["OutgoingMailServerPortNumber"] as? Int, 465)
        XCTAssertEqual(mail["IncomingMailServerUsername"] as? String, "dave@example.org")

        var popOnly = standardConfiguration()
        popOnly.listeners.removeAll { $0.protocolName == .imap }
        let pop = await get(router(popOnly), "/apple/mobileconfig?email=dave@example.org")
        let popPlist = try XCTUnwrap(try PropertyListSerialization.propertyList(from: Data(pop.body), format: nil)
            as? [String: Any])
        let popMail = try XCTUnwrap((popPlist["PayloadContent"] as? [[String: Any]])?.first)
        XCTAssertEqual(popMail["EmailAccountType"] as? String, "EmailTypePOP")
        XCTAssertEqual(popMail["IncomingMailServerPortNumber"] as? Int, 995)

        let got3 = await get(router(standardConfiguration()), "/apple/mobileconfig?email=x@example.com").status
        XCTAssertEqual(got3,
                       .notFound)
        let got4 = await get(router(standardConfiguration()), "/apple/mobileconfig").status
        XCTAssertEqual(got4, .badRequest)
    }

    func testSettingsPageEscapes() async throws {
        let router = router(standardConfiguration())
        let form = await get(router, "/")
        XCTAssertEqual(form.status, .ok)
        XCTAssertTrue(String(decoding: form.body, as: UTF8.self).contains("<form"))
        let shown = String(decoding: await get(router, "/?email=erin@example.org").body, as: UTF8.self)
        XCTAssertTrue(shown.contains("<td>993</td>"), shown)
        XCTAssertTrue(shown.contains("erin@example.org"))
        let hostile = await get(router, "/?email=%3Cscript%3Ealert(1)%3C/script%3E")
        XCTAssertEqual(hostile.status, .badRequest)
        let text = String(decoding: hostile.body, as: UTF8.self)
        XCTAssertFalse(text.contains("<script>"))
        XCTAssertTrue(text.contains("&lt;script&gt;"))
    }
}
