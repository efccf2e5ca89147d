/// One node of a message's MIME tree (RFC 2045, RFC 2046) with everything
/// IMAP BODYSTRUCTURE and BODY[section] need (RFC 9051 §7.5.2, §6.4.5),
/// so bodies are never reparsed after delivery.
///
/// Offsets are absolute positions in the raw message. For the root part the
/// header starts at 0. A multipart's children are in `parts`; a
/// message/rfc822 (or message/global) part has exactly one child, the root
/// part of the encapsulated message, and that message's `envelope`.
public struct MIMEPart: Sendable, Equatable {
    /// Lower-cased media type and subtype ("text", "plain").
    public var type: String
    public var subtype: String
    /// Content-Type parameters, RFC 2231 decoded. A part without a valid
    /// Content-Type gets the RFC 2045 §5.2 default: text/plain; charset=us-ascii
    /// (message/rfc822 inside multipart/digest, RFC 2046 §5.1.5).
    public var parameters: [MIMEParameter]
    public var contentID: String?
    public var contentDescription: String?
    /// Content-Transfer-Encoding lower-cased; "7bit" when absent.
    public var encoding: String
    public var disposition: String?
    public var dispositionParameters: [MIMEParameter]
    /// Content-Language tags, in order.
    public var language: [String]
    public var location: String?
    public var md5: String?

    public var headerOffset: Int
    public var headerSize: Int
    public var bodyOffset: Int
    /// Body size in octets, in its transfer encoding.
    public var bodySize: Int
    /// Lines of the body (meaningful for text/* and message/rfc822 parts).
    public var bodyLines: Int

    /// Children: the parts of a multipart, or the one encapsulated message.
    public var parts: [MIMEPart]
    /// The encapsulated message's envelope, for message/rfc822 and message/global.
    public var envelope: Envelope?

    public init(type: String = "text", subtype: String = "plain",
                parameters: [MIMEParameter] = [MIMEParameter(name: "charset", value: "us-ascii")],
                contentID: String? = nil, contentDescription: String? = nil, encoding: String = "7bit",
                disposition: String? = nil, dispositionParameters: [MIMEParameter] = [], language: [String] = [],
                location: String? = nil, md5: String? = nil, headerOffset: Int = 0, headerSize: Int = 0,
                bodyOffset: Int = 0, bodySize: Int = 0, bodyLines: Int = 0, parts: [MIMEPart] = [],
                envelope: Envelope? = nil) {
        self.type = type
        self.subtype = subtype
        self.parameters = parameters
        self.contentID = contentID
        self.contentDescription = contentDescription
        self.encoding = encoding
        self.disposition = disposition
        self.dispositionParameters = dispositionParameters
        self.language = language
        self.location = location
        self.md5 = md5
        self.headerOffset = headerOffset
        self.headerSize = headerSize
        self.bodyOffset = bodyOffset
        self.bodySize = bodySize
        self.bodyLines = bodyLines
        self.parts = parts
        self.envelope = envelope
    }

    public var isMultipart: Bool { type == "multipart" }

    /// The part's header bytes in the raw message (IMAP BODY[n.MIME], or
    /// BODY[HEADER] for a root part), empty line included.
    public var headerRange: Range<Int> { headerOffset..<(headerOffset + headerSize) }

    /// The part's body bytes in the raw message (IMAP BODY[n], BODY[TEXT]).
    public var bodyRange: Range<Int> { bodyOffset..<(bodyOffset + bodySize) }

    /// True for message/rfc822 and message/global, whose body is a message.
    public var isMessage: Bool { type == "message" && (subtype == "rfc822" || subtype == "global") }

    /// The part at an IMAP section path such as [1, 2] ("1.2") of the
    /// message whose root part this is, or nil (RFC 9051 §6.4.5). The
    /// first number counts the message's own parts: a multipart's
    /// children, or part 1 for any other message — one whose own
    /// Content-Type is message/rfc822 included, whose part 1 is then the
    /// encapsulated message. Each further number below a message/rfc822
    /// part counts the encapsulated message's parts; a non-multipart has
    /// part 1 = itself.
    public func part(at path: [Int]) -> MIMEPart? {
        var node = self
        for (depth, number) in path.enumerated() {
            if depth > 0, node.isMessage, let inner = node.parts.first { node = inner }
            if node.isMultipart {
                guard number >= 1, number <= node.parts.count else { return nil }
                node = node.parts[number - 1]
            } else if number != 1 {
                return nil
            }
        }
        return node
    }
}

extension MIMEPart: Codable {
    private enum CodingKeys: String, CodingKey {
        case type = "t", subtype = "s", parameters = "p", contentID = "id", contentDescription = "desc"
        case encoding = "enc", disposition = "disp", dispositionParameters = "dp", language = "lang"
        case location = "loc", md5, headerOffset = "ho", headerSize = "hs", bodyOffset = "bo"
        case bodySize = "bs", bodyLines = "bl", parts, envelope = "env"
    }

    /// Encodes only non-default values, so the stored JSON stays small.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(type, forKey: .type)
        try container.encode(subtype, forKey: .subtype)
        if !parameters.isEmpty { try container.encode(parameters, forKey: .parameters) }
        try container.encodeIfPresent(contentID, forKey: .contentID)
        try container.encodeIfPresent(contentDescription, forKey: .contentDescription)
        if encoding != "7bit" { try container.encode(encoding, forKey: .encoding) }
        try container.encodeIfPresent(disposition, forKey: .disposition)
        if !dispositionParameters.isEmpty { try container.encode(dispositionParameters, forKey: .dispositionParameters) }
        if !language.isEmpty { try container.encode(language, forKey: .language) }
        try container.encodeIfPresent(location, forKey: .location)
        try container.encodeIfPresent(md5, forKey: .md5)
        try container.encode(headerOffset, forKey: .headerOffset)
        try container.encode(headerSize, forKey: .headerSize)
        try container.encode(bodyOffset, forKey: .bodyOffset)
        try container.encode(bodySize, forKey: .bodySize)
        if bodyLines != 0 { try container.encode(bodyLines, forKey: .bodyLines) }
        if !parts.isEmpty { try container.encode(parts, forKey: .parts) }
        try container.encodeIfPresent(envelope, forKey: .envelope)
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        type = try container.decode(String.self, forKey: .type)
        subtype = try container.decode(String.self, forKey: .subtype)
        parameters = try container.decodeIfPresent([MIMEParameter].self, forKey: .parameters) ?? []
        contentID = try container.decodeIfPresent(String.self, forKey: .contentID)
        contentDescription = try container.decodeIfPresent(String.self, forKey: .contentDescription)
        encoding = try container.decodeIfPresent(String.self, forKey: .encoding) ?? "7bit"
        disposition = try container.decodeIfPresent(String.self, forKey: .disposition)
        dispositionParameters = try container.decodeIfPresent([MIMEParameter].self, forKey: .dispositionParameters) ?? []
        language = try container.decodeIfPresent([String].self, forKey: .language) ?? []
        location = try container.decodeIfPresent(String.self, forKey: .location)
        md5 = try container.decodeIfPresent(String.self, forKey: .md5)
        headerOffset = try container.decode(Int.self, forKey: .headerOffset)
        headerSize = try container.decode(Int.self, forKey: .headerSize)
        bodyOffset = try container.decode(Int.self, forKey: .bodyOffset)
        bodySize = try container.decode(Int.self, forKey: .bodySize)
        bodyLines = try container.decodeIfPresent(Int.self, forKey: .bodyLines) ?? 0
        parts = try container.decodeIfPresent([MIMEPart].self, forKey: .parts) ?? []
        envelope = try container.decodeIfPresent(Envelope.self, forKey: .envelope)
    }
}
