import Crypto
import Foundation
import MailCore

/// Signs outgoing messages with a DKIM-Signature (RFC 6376 §3.5, §5),
/// relaxed/relaxed canonicalisation, rsa-sha256 or ed25519-sha256.
public struct DKIMSigner: Sendable {
    /// The fields signed when present (RFC 6376 §5.4.1's recommendations).
    public static let defaultSignedHeaders = [
        "From", "To", "Cc", "Subject", "Date", "Message-ID", "In-Reply-To", "References",
        "MIME-Version", "Content-Type", "Content-Transfer-Encoding", "Reply-To",
    ]

    /// Field names to sign (From is always added).
    public var signedHeaders: [String]
    /// Lists From once more than it occurs, so that a From added in transit
    /// breaks the signature (over-signing, RFC 6376 §8.15).
    public var overSignFrom: Bool

    public init(signedHeaders: [String] = DKIMSigner.defaultSignedHeaders, overSignFrom: Bool = true) {
        self.signedHeaders = signedHeaders
        self.overSignFrom = overSignFrom
    }

    /// The message with a DKIM-Signature field prepended.
    public func sign(message: [UInt8], domain: String, selector: String, key: DKIMPrivateKey,
                     time: Date = Date()) throws -> [UInt8] {
        let field = try signatureField(message: message, domain: domain, selector: selector, key: key, time: time)
        let lineEnding = DKIMSigner.usesBareLF(message) ? "\n" : "\r\n"
        let text = lineEnding == "\r\n" ? field : field.replacingOccurrences(of: "\r\n", with: "\n")
        return Array((text + lineEnding).utf8) + message
    }

    /// The DKIM-Signature field (name included, folded with CRLF, without
    /// its final line ending) for `message`.
    public func signatureField(message: [UInt8], domain: String, selector: String, key: DKIMPrivateKey,
                               time: Date = Date()) throws -> String {
        let domain = try DKIMKeyStore.normalizedName(domain, isSelector: false)
        let selector = try DKIMKeyStore.normalizedName(selector, isSelector: true)
        let header = MessageHeader.parse(message)
        guard header.field("From") != nil else { throw DKIMError.missingFromHeader }

        // Body hash (§3.7 step 1).
        let body = DKIMCanonicalization.relaxedBody(message[min(header.bodyOffset, message.count)...])
        let bodyHash = Data(SHA256.hash(data: body)).base64EncodedString()

        // The h= list and the fields it picks, each name's instances from the
        // bottom up (§5.4.2); an over-signed name picks nothing.
        let (names, selected) = selectFields(header)
        var headerData: [UInt8] = []
        for field in selected {
            headerData += DKIMCanonicalization.relaxedHeader(field)
            headerData += [0x0D, 0x0A]
        }

        var writer = FoldedFieldWriter(start: "DKIM-Signature:")
        writer.append(" v=1;")
        writer.append(" a=\(key.algorithm.signatureTag);")
        writer.append(" c=relaxed/relaxed;")
        writer.append(" d=\(domain);")
        writer.append(" s=\(selector);")
        writer.append(" t=\(Int(time.timeIntervalSince1970));")
        for (index, name) in names.enumerated() {
            let piece = (index == 0 ? " h=" : "") + name + (index == names.count - 1 ? ";" : ":")
            writer.append(piece)
        }
        writer.append(" bh=\(bodyHash);")
        writer.append(" b=")
        let unsigned = writer.text

        // The signature field itself with an empty b=, relaxed and without
        // its line ending, is hashed last (§3.7 step 2).
        let colon = unsigned.utf8.firstIndex(of: 0x3A)!
        headerData += DKIMCanonicalization.relaxedHeader(
            name: "DKIM-Signature", rawValue: Array(unsigned.utf8[unsigned.utf8.index(after: colon)...]))
        let signature = Data(try key.signature(forHeaderData: headerData)).base64EncodedString()
        writer.appendUnbroken(signature)
        return writer.text
    }

    private func selectFields(_ header: MessageHeader) -> (names: [String], fields: [HeaderField]) {
        var wanted: [String] = []
        for name in ["From"] + signedHeaders where !wanted.contains(where: { $0.lowercased() == name.lowercased() }) {
            wanted.append(name)
        }
        var names: [String] = []
        var fields: [HeaderField] = []
        for name in wanted {
            let instances = header.fields(named: name)
            let lower = name.lowercased()
            for field in instances.reversed() {
                names.append(lower)
                fields.append(field)
            }
            if overSignFrom && lower == "from" { names.append(lower) }
        }
        return (names, fields)
    }

    /// True when the message's first line ends with a bare LF.
    private static func usesBareLF(_ message: [UInt8]) -> Bool {
        guard let lf = message.firstIndex(of: 0x0A) else { return false }
        return lf == 0 || message[lf - 1] != 0x0D
    }
}

/// Builds a header field folded at 78 characters (RFC 5322 §2.1.1): a line
/// break and a tab are put before a piece that would not fit.
struct FoldedFieldWriter {
    private(set) var text: String
    private var lineLength: Int
    static let limit = 78

    init(start: String) {
        text = start
        lineLength = start.utf8.count
    }

    /// Adds `piece`; a leading space of a piece moved to a new line is
    /// replaced by the folding tab.
    mutating func append(_ piece: String) {
        if lineLength + piece.utf8.count > FoldedFieldWriter.limit && lineLength > 1 {
            let trimmed = piece.hasPrefix(" ") ? String(piece.dropFirst()) : piece
            text += "\r\n\t" + trimmed
            lineLength = 1 + trimmed.utf8.count
        } else {
            text += piece
            lineLength += piece.utf8.count
        }
    }

    /// Adds a long token cut wherever the line is full (for b=, whose FWS a
    /// verifier removes with the value, RFC 6376 §3.5).
    mutating func appendUnbroken(_ token: String) {
        var rest = Substring(token)
        while !rest.isEmpty {
            let room = FoldedFieldWriter.limit - lineLength
            if room <= 0 {
                text += "\r\n\t"
                lineLength = 1
                continue
            }
            let piece = rest.prefix(room)
            text += piece
            lineLength += piece.utf8.count
            rest = rest.dropFirst(piece.count)
        }
    }
}
