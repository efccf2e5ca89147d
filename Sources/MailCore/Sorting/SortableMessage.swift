/// What SORT (RFC 5256 §3, RFC 5957) and THREAD (RFC 5256 §4) need of one
/// message: its number, internal date and size, and the raw values of the
/// header fields they read. A caller hands either values it keeps (such as
/// the store's cached header fields) or the message's header section.
public struct SortableMessage: Sendable, Equatable {
    /// The message's sequence number or UID: what the result lists, and
    /// what orders messages that are equal in every criterion (RFC 5256
    /// §3, and §2.2 for equal sent dates). The same kind for every message
    /// of one call.
    public var id: UInt32
    /// The IMAP internal date (SORT ARRIVAL; the sent date when the Date
    /// field is missing or invalid, §2.2).
    public var internalDate: MailDate
    /// The size in octets (SORT SIZE, RFC 9051 RFC822.SIZE).
    public var size: Int
    /// Raw header field values: the unfolded bytes after "Name:" of the
    /// first field of that name, RFC 2047 words still encoded; nil when the
    /// message has no such field.
    public var date: [UInt8]?
    public var subject: [UInt8]?
    public var from: [UInt8]?
    public var to: [UInt8]?
    public var cc: [UInt8]?
    public var messageID: [UInt8]?
    public var references: [UInt8]?
    public var inReplyTo: [UInt8]?

    public init(id: UInt32, internalDate: MailDate, size: Int, date: [UInt8]? = nil, subject: [UInt8]? = nil,
                from: [UInt8]? = nil, to: [UInt8]? = nil, cc: [UInt8]? = nil, messageID: [UInt8]? = nil,
                references: [UInt8]? = nil, inReplyTo: [UInt8]? = nil) {
        self.id = id
        self.internalDate = internalDate
        self.size = size
        self.date = date
        self.subject = subject
        self.from = from
        self.to = to
        self.cc = cc
        self.messageID = messageID
        self.references = references
        self.inReplyTo = inReplyTo
    }

    /// A message described by its raw header section (`header` may also
    /// hold the body after the empty line; only the header is read). The
    /// first field of each name is used (RFC 5322 allows one of each).
    /// Only the fields in `fields` are read (a SORT by SUBJECT needs one).
    public init(id: UInt32, internalDate: MailDate, size: Int, header: [UInt8], fields: Fields = .all) {
        self.init(id: id, internalDate: internalDate, size: size)
        MessageHeader.forEachField(header, in: 0..<header.count) { span in
            guard let field = Field(name: header[span.name]), fields.contains(field.member) else { return }
            let value = Self.unfolded(header[span.value])
            switch field {
            case .date where date == nil: date = value
            case .subject where subject == nil: subject = value
            case .from where from == nil: from = value
            case .to where to == nil: to = value
            case .cc where cc == nil: cc = value
            case .messageID where messageID == nil: messageID = value
            case .references where references == nil: references = value
            case .inReplyTo where inReplyTo == nil: inReplyTo = value
            default: break
            }
        }
    }

    /// A message described by an already parsed header.
    public init(id: UInt32, internalDate: MailDate, size: Int, header: MessageHeader) {
        self.init(id: id, internalDate: internalDate, size: size,
                  date: header.field("Date")?.unfoldedBytes, subject: header.field("Subject")?.unfoldedBytes,
                  from: header.field("From")?.unfoldedBytes, to: header.field("To")?.unfoldedBytes,
                  cc: header.field("Cc")?.unfoldedBytes, messageID: header.field("Message-ID")?.unfoldedBytes,
                  references: header.field("References")?.unfoldedBytes,
                  inReplyTo: header.field("In-Reply-To")?.unfoldedBytes)
    }

    /// Which header fields to read.
    public struct Fields: OptionSet, Sendable, Hashable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }

        public static let date = Fields(rawValue: 1 << 0)
        public static let subject = Fields(rawValue: 1 << 1)
        public static let from = Fields(rawValue: 1 << 2)
        public static let to = Fields(rawValue: 1 << 3)
        public static let cc = Fields(rawValue: 1 << 4)
        public static let messageID = Fields(rawValue: 1 << 5)
        public static let references = Fields(rawValue: 1 << 6)
        public static let inReplyTo = Fields(rawValue: 1 << 7)
        public static let all = Fields(rawValue: 0xFF)
        /// What THREAD reads (RFC 5256 §4: links, sent date, base subject).
        public static let threading: Fields = [.date, .subject, .messageID, .references, .inReplyTo]

        /// What the criteria read (ARRIVAL and SIZE read none).
        public init(sortingBy criteria: [SortCriterion]) {
            var fields: Fields = []
            for criterion in criteria {
                switch criterion.key {
                case .arrival, .size: break
                case .date: fields.insert(.date)
                case .subject: fields.insert(.subject)
                case .from, .displayFrom: fields.insert(.from)
                case .to, .displayTo: fields.insert(.to)
                case .cc: fields.insert(.cc)
                }
            }
            self = fields
        }
    }

    /// The header fields read, by name.
    private enum Field {
        case date, subject, from, to, cc, messageID, references, inReplyTo

        var member: Fields {
            switch self {
            case .date: .date
            case .subject: .subject
            case .from: .from
            case .to: .to
            case .cc: .cc
            case .messageID: .messageID
            case .references: .references
            case .inReplyTo: .inReplyTo
            }
        }

        static let names: [(name: String, field: Field)] = [
            ("date", .date), ("subject", .subject), ("from", .from), ("to", .to), ("cc", .cc),
            ("message-id", .messageID), ("references", .references), ("in-reply-to", .inReplyTo),
        ]

        init?(name: ArraySlice<UInt8>) {
            guard let match = Self.names.first(where: { ByteText.equalIgnoringASCIICase(name, $0.name.utf8) }) else {
                return nil
            }
            self = match.field
        }
    }

    /// A field value with its folding line breaks removed (RFC 5322 §2.2.3).
    private static func unfolded(_ raw: ArraySlice<UInt8>) -> [UInt8] {
        // Most values are one line: copied whole, not byte by byte.
        guard raw.contains(where: { $0 == ByteText.cr || $0 == ByteText.lf }) else { return Array(raw) }
        var value: [UInt8] = []
        value.reserveCapacity(raw.count)
        for byte in raw where byte != ByteText.cr && byte != ByteText.lf { value.append(byte) }
        return value
    }
}
