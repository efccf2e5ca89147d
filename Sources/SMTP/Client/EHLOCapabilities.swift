// The service extensions a server announces in its EHLO reply (RFC 5321
// §4.1.1.1: the first line is the server's name, each further line an
// ehlo-keyword with optional parameters separated by spaces).

/// What the remote server offers, as far as the client uses it.
struct EHLOCapabilities: Sendable, Hashable {
    /// RFC 2920.
    var pipelining = false
    /// RFC 1870: nil when SIZE is not announced; 0 means no fixed limit.
    var maximumSize: Int?
    /// RFC 6152.
    var eightBitMIME = false
    /// RFC 6531.
    var smtpUTF8 = false
    /// RFC 3207.
    var startTLS = false
    /// RFC 4954: the SASL mechanisms, upper-cased.
    var authMechanisms: Set<String> = []
    /// RFC 3461.
    var dsn = false
    /// RFC 2034.
    var enhancedStatusCodes = false

    /// After HELO: no extension at all.
    static let none = EHLOCapabilities()

    init() {}

    /// Reads the lines of a 250 EHLO reply.
    init(ehloLines: [String]) {
        for line in ehloLines.dropFirst() {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard let first = words.first else { continue }
            let keyword = first.uppercased()
            let parameters = words.dropFirst().map { $0.uppercased() }
            switch keyword {
            case "PIPELINING": pipelining = true
            case "SIZE":
                // RFC 1870 §4: "SIZE" [SP number]; a missing or unreadable number is no fixed limit.
                maximumSize = parameters.first.flatMap { Int($0) }.map { max(0, $0) } ?? 0
            case "8BITMIME": eightBitMIME = true
            case "SMTPUTF8": smtpUTF8 = true
            case "STARTTLS": startTLS = true
            case "AUTH": authMechanisms.formUnion(parameters)
            case "DSN": dsn = true
            case "ENHANCEDSTATUSCODES": enhancedStatusCodes = true
            default:
                // Pre-RFC 4954 servers announce "AUTH=PLAIN LOGIN".
                if keyword.hasPrefix("AUTH=") {
                    authMechanisms.insert(String(keyword.dropFirst(5)))
                    authMechanisms.formUnion(parameters)
                }
            }
        }
    }

    /// RFC 1870 §6.1: a message larger than the announced limit is not sent.
    func refusesSize(_ size: Int) -> Bool {
        guard let maximumSize, maximumSize > 0 else { return false }
        return size > maximumSize
    }
}
