import Foundation
import NIOHTTP1

/// A complete request, body included (bounded by `HTTPServer.maxBodySize`).
struct HTTPRequest: Sendable {
    var method: HTTPMethod
    /// Percent-decoded path, e.g. `/mail/config-v1.1.xml`.
    var path: String
    /// First value of each query parameter, percent-decoded.
    var query: [String: String]
    var headers: HTTPHeaders
    var body: [UInt8]
    /// The client's IP address, when known.
    var remoteAddress: String?

    /// Nil when the request target is not a valid origin-form URI (RFC 9112 §3.2.1).
    init?(method: HTTPMethod, uri: String, headers: HTTPHeaders = [:], body: [UInt8] = [],
          remoteAddress: String? = nil) {
        guard uri.hasPrefix("/"), let components = URLComponents(string: uri) else { return nil }
        self.method = method
        self.path = components.path
        var query: [String: String] = [:]
        for item in components.queryItems ?? [] where query[item.name] == nil {
            query[item.name] = item.value ?? ""
        }
        self.query = query
        self.headers = headers
        self.body = body
        self.remoteAddress = remoteAddress
    }
}

struct HTTPResponse: Sendable {
    var status: HTTPResponseStatus
    var contentType: String
    var body: [UInt8]
    var extraHeaders: [(String, String)] = []

    init(status: HTTPResponseStatus, contentType: String, body: [UInt8], extraHeaders: [(String, String)] = []) {
        self.status = status
        self.contentType = contentType
        self.body = body
        self.extraHeaders = extraHeaders
    }

    init(status: HTTPResponseStatus, contentType: String, text: String) {
        self.init(status: status, contentType: contentType, body: Array(text.utf8))
    }

    static func plain(_ status: HTTPResponseStatus, _ text: String? = nil) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "text/plain; charset=utf-8",
                     text: (text ?? status.reasonPhrase) + "\n")
    }

    static func xml(_ text: String) -> HTTPResponse {
        HTTPResponse(status: .ok, contentType: "application/xml; charset=utf-8", text: text)
    }
}
