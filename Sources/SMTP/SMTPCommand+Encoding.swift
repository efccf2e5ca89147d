// The command line for an `SMTPCommand` (without CRLF): what a client
// sends. Used by the tests' round trips, and by Tern's own SMTP client later.

extension SMTPCommand {
    public var encoded: String {
        switch self {
        case .ehlo(let domain): return "EHLO \(domain)"
        case .helo(let domain): return "HELO \(domain)"
        case .mail(let from, let parameters):
            return "MAIL FROM:\(from)" + Self.encode(parameters)
        case .rcpt(let to, let parameters):
            return "RCPT TO:\(to)" + Self.encode(parameters)
        case .data: return "DATA"
        case .bdat(let size, let last): return last ? "BDAT \(size) LAST" : "BDAT \(size)"
        case .rset: return "RSET"
        case .noop: return "NOOP"
        case .quit: return "QUIT"
        case .help(let topic): return topic.map { "HELP \($0)" } ?? "HELP"
        case .vrfy(let text): return "VRFY \(text)"
        case .startTLS: return "STARTTLS"
        case .auth(let mechanism, let initialResponse):
            return initialResponse.map { "AUTH \(mechanism) \($0)" } ?? "AUTH \(mechanism)"
        }
    }

    static func encode(_ parameters: MailParameters) -> String {
        var text = ""
        if let size = parameters.size { text += " SIZE=\(size)" }
        if let body = parameters.body { text += " BODY=\(body.rawValue)" }
        if parameters.smtpUTF8 { text += " SMTPUTF8" }
        if let ret = parameters.ret { text += " RET=\(ret.rawValue)" }
        if let envelopeID = parameters.envelopeID { text += " ENVID=\(XText.encode(envelopeID))" }
        switch parameters.auth {
        case .unknown?: text += " AUTH=<>"
        case .identity(let identity)?: text += " AUTH=\(XText.encode(identity))"
        case nil: break
        }
        return text
    }

    static func encode(_ parameters: RecipientParameters) -> String {
        var text = ""
        if let notify = parameters.notify { text += " NOTIFY=\(notify.value)" }
        if let original = parameters.originalRecipient {
            text += " ORCPT=\(original.addressType);\(XText.encode(original.address))"
        }
        return text
    }
}
