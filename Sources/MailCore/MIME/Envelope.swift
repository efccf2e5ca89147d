/// The ENVELOPE data of a message (RFC 9051 §7.5.2), taken from its header:
/// raw unfolded strings (RFC 2047 words left encoded, as IMAP sends them)
/// and address lists in IMAP form. An empty address list means NIL.
public struct Envelope: Sendable, Equatable, Codable {
    public var date: String?
    public var subject: String?
    public var from: [EnvelopeAddress]
    /// Defaults to `from` when the Sender field is absent or empty (§7.5.2).
    public var sender: [EnvelopeAddress]
    /// Defaults to `from` when the Reply-To field is absent or empty (§7.5.2).
    public var replyTo: [EnvelopeAddress]
    public var to: [EnvelopeAddress]
    public var cc: [EnvelopeAddress]
    public var bcc: [EnvelopeAddress]
    public var inReplyTo: String?
    public var messageID: String?

    public init(date: String? = nil, subject: String? = nil, from: [EnvelopeAddress] = [],
                sender: [EnvelopeAddress] = [], replyTo: [EnvelopeAddress] = [], to: [EnvelopeAddress] = [],
                cc: [EnvelopeAddress] = [], bcc: [EnvelopeAddress] = [], inReplyTo: String? = nil,
                messageID: String? = nil) {
        self.date = date
        self.subject = subject
        self.from = from
        self.sender = sender
        self.replyTo = replyTo
        self.to = to
        self.cc = cc
        self.bcc = bcc
        self.inReplyTo = inReplyTo
        self.messageID = messageID
    }

    /// Builds the envelope from a message header.
    public init(header: MessageHeader) {
        func text(_ name: String) -> String? { header.field(name)?.value }
        func addresses(_ name: String) -> [EnvelopeAddress] {
            guard let field = header.field(name) else { return [] }
            return EnvelopeAddress.list(AddressListParser.parse(field.unfoldedBytes))
        }
        let from = addresses("From")
        let sender = addresses("Sender")
        let replyTo = addresses("Reply-To")
        self.init(date: text("Date"), subject: text("Subject"), from: from,
                  sender: sender.isEmpty ? from : sender, replyTo: replyTo.isEmpty ? from : replyTo,
                  to: addresses("To"), cc: addresses("Cc"), bcc: addresses("Bcc"),
                  inReplyTo: text("In-Reply-To"), messageID: text("Message-ID"))
    }

    /// The parsed Date field, when it is valid.
    public var parsedDate: MailDate? {
        date.flatMap(MailDate.parseRFC5322)
    }

    private enum CodingKeys: String, CodingKey {
        case date, subject, from, sender, replyTo = "reply", to, cc, bcc, inReplyTo = "irt", messageID = "mid"
    }

    /// Encodes only what is present, so the stored JSON stays small.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(date, forKey: .date)
        try container.encodeIfPresent(subject, forKey: .subject)
        try container.encode(from, forKey: .from)
        if sender != from { try container.encode(sender, forKey: .sender) }
        if replyTo != from { try container.encode(replyTo, forKey: .replyTo) }
        if !to.isEmpty { try container.encode(to, forKey: .to) }
        if !cc.isEmpty { try container.encode(cc, forKey: .cc) }
        if !bcc.isEmpty { try container.encode(bcc, forKey: .bcc) }
        try container.encodeIfPresent(inReplyTo, forKey: .inReplyTo)
        try container.encodeIfPresent(messageID, forKey: .messageID)
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        date = try container.decodeIfPresent(String.self, forKey: .date)
        subject = try container.decodeIfPresent(String.self, forKey: .subject)
        from = try container.decodeIfPresent([EnvelopeAddress].self, forKey: .from) ?? []
        sender = try container.decodeIfPresent([EnvelopeAddress].self, forKey: .sender) ?? from
        replyTo = try container.decodeIfPresent([EnvelopeAddress].self, forKey: .replyTo) ?? from
        to = try container.decodeIfPresent([EnvelopeAddress].self, forKey: .to) ?? []
        cc = try container.decodeIfPresent([EnvelopeAddress].self, forKey: .cc) ?? []
        bcc = try container.decodeIfPresent([EnvelopeAddress].self, forKey: .bcc) ?? []
        inReplyTo = try container.decodeIfPresent(String.self, forKey: .inReplyTo)
        messageID = try container.decodeIfPresent(String.self, forKey: .messageID)
    }
}
