import Foundation
import MailCore
import MailStore

/// What FETCH knows about one message when it builds that message's items.
struct FetchSource {
    /// What the selected view knows: UID, flags, keywords, MODSEQ.
    var message: SelectedMessage
    /// The stored record (size, internal date, structure), read from the
    /// store per batch only when an attribute needs it (`needsRecord`).
    var record: MessageRecord?
    /// The structure parsed at delivery; nil only when it cannot be read.
    var parsed: ParsedMessage?
    /// The raw message, whole or the excerpts the attributes need
    /// (`FetchItemBuilder.readRanges`); nil when not read, or when its file
    /// is gone (expunged by another session meanwhile).
    var body: (any MessageBytes)?
    /// The header fields the store kept for this message
    /// (`CachedHeaderFields`), read when they answer every section the
    /// attributes name (`answeredByCachedHeaderFields`); `body` is then
    /// not read.
    var cachedHeaderFields: [UInt8]?
    /// The stored size when data over `FetchItemBuilder.streamThreshold`
    /// is streamed from the store instead of read into `body`
    /// (`FetchItemBuilder.streamed`); nil: every item's data is in `body`.
    var streamedSize: Int?
    /// This FETCH has just set `\Seen`: FLAGS goes into the response even
    /// when not asked for (RFC 9051 §6.4.5).
    var seenWasSet: Bool = false
}

/// BINARY of a part whose Content-Transfer-Encoding this server cannot
/// decode (RFC 3516 §4.3): the command fails with `NO [UNKNOWN-CTE]`.
struct UnknownTransferEncoding: Error, Equatable {
    var encoding: String
}

/// Builds the FETCH response items of one message, in request order
/// (RFC 9051 §6.4.5, §7.5.2; BINARY RFC 3516; MODSEQ RFC 7162 §3.1.4).
/// ENVELOPE and BODY/BODYSTRUCTURE come from the parsed structure; only
/// body sections look at the raw message.
struct FetchItemBuilder {
    let attributes: [FetchAttribute]
    /// UID FETCH returns UID whether asked or not (RFC 9051 §6.4.8).
    var alwaysUID: Bool
    /// CHANGEDSINCE returns MODSEQ whether asked or not (RFC 7162 §3.1.4.1).
    var alwaysModSeq: Bool
    /// With CONDSTORE on, a FETCH response carrying an implicit flag change
    /// also carries MODSEQ (RFC 7162 §3.2).
    var condstore: Bool
    /// With QRESYNC on, such a response also carries UID (RFC 7162 §3.2.4).
    var qresync: Bool
    /// Per attribute, the filter of a top-level HEADER.FIELDS, made once
    /// per command rather than once per message (`cachedHeaderFields`).
    let headerFieldFilters: [HeaderFieldFilter?]

    init(attributes: [FetchAttribute], uid: Bool, changedSince: Bool = false, condstore: Bool = false,
         qresync: Bool = false) {
        self.attributes = attributes
        self.alwaysUID = uid
        self.alwaysModSeq = changedSince
        self.condstore = condstore || qresync
        self.qresync = qresync
        self.headerFieldFilters = attributes.map { attribute in
            guard case .bodySection(let section, _, _) = attribute, section.part.isEmpty,
                  case .headerFields(let names)? = section.text else { return nil }
            return .only(names)
        }
    }

    /// Data longer than this many octets that is a plain range of the
    /// message is streamed from the store (`streamed`) in chunks of this size.
    static let streamThreshold = 64 * 1024

    /// True when some attribute needs the raw message.
    var needsBody: Bool {
        attributes.contains { attribute in
            switch attribute {
            case .rfc822, .rfc822Header, .rfc822Text, .bodySection, .binary, .binarySize, .preview: return true
            case .envelope, .flags, .internalDate, .rfc822Size, .body, .bodyStructure, .uid, .modSeq, .emailID,
                 .threadID, .saveDate: return false
            }
        }
    }

    /// True when some attribute needs the stored record: its size, internal
    /// date or structure, or the size that bounds the ranged reads of body
    /// sections. `FETCH (UID FLAGS MODSEQ)` needs none: the view has them.
    var needsRecord: Bool {
        needsStructure || needsBody || attributes.contains { attribute in
            switch attribute {
            // EMAILID is the record's content hash (`ObjectID`).
            case .internalDate, .rfc822Size, .emailID, .saveDate: return true
            default: return false
            }
        }
    }

    /// True when the structure is needed only for where the message's own
    /// header and text lie: every section is top-level (HEADER,
    /// HEADER.FIELDS(.NOT), TEXT, RFC822.HEADER/TEXT, the whole message)
    /// and nothing needs the MIME tree or the envelope, so the store's
    /// `messageLayouts` serves instead of decoding each structure.
    var needsOnlyTopLevelLayout: Bool {
        attributes.allSatisfy { attribute in
            switch attribute {
            case .flags, .internalDate, .rfc822Size, .uid, .modSeq, .rfc822, .rfc822Header, .rfc822Text, .threadID:
                return true
            case .bodySection(let section, _, _): return section.part.isEmpty
            // The layouts carry no content hash and no save date.
            case .emailID, .saveDate: return false
            // BINARY decodes per the part's Content-Transfer-Encoding: it needs the tree.
            case .binary, .binarySize, .envelope, .body, .bodyStructure, .preview: return false
            }
        }
    }

    /// True when every attribute that needs the raw message is a top-level
    /// HEADER.FIELDS of cached fields only (`CachedHeaderFields.covers`),
    /// and there is one: a message whose store kept its cached fields is
    /// answered from them with the same bytes, and no body read.
    var answeredByCachedHeaderFields: Bool {
        var named = false
        for attribute in attributes {
            switch attribute {
            case .bodySection(let section, _, _):
                guard section.part.isEmpty, case .headerFields(let names)? = section.text,
                      CachedHeaderFields.covers(.only(names)) else { return false }
                named = true
            case .flags, .internalDate, .rfc822Size, .uid, .modSeq, .threadID: continue
            case .rfc822, .rfc822Header, .rfc822Text, .binary, .binarySize, .envelope, .body, .bodyStructure, .emailID,
                 .saveDate, .preview:
                return false
            }
        }
        return named
    }

    /// True when some attribute needs the parsed structure.
    var needsStructure: Bool {
        attributes.contains { attribute in
            switch attribute {
            case .envelope, .body, .bodyStructure, .rfc822Header, .rfc822Text, .preview: return true
            case .bodySection(let section, _, _): return section != .complete
            case .binary(let part, _, _), .binarySize(let part): return !part.isEmpty
            case .flags, .internalDate, .rfc822Size, .uid, .modSeq, .rfc822, .emailID, .threadID, .saveDate: return false
            }
        }
    }

    /// The byte ranges of the raw message the attributes read (each
    /// section's, its `<partial>` window only; a BINARY part's whole body,
    /// decoded before it is cut), unbounded for the whole message. With
    /// `streamingSize` (the stored size), none for the data that is
    /// streamed (`streamed`) or for BINARY.SIZE of a part that needs no
    /// decoding (`plainBinarySize`).
    func readRanges(root: MIMEPart, streamingSize: Int? = nil) -> [Range<Int>] {
        attributes.compactMap { attribute in
            if let size = streamingSize {
                if streamed(attribute, root: root, size: size) != nil { return nil }
                if case .binarySize(let part) = attribute, Self.plainBinarySize(part, root: root, size: size) != nil {
                    return nil
                }
            }
            switch attribute {
            case .rfc822: return 0..<Int.max
            case .rfc822Header: return MessageSection.readRange(SectionSpecifier(text: .header), nil, root: root)
            case .rfc822Text: return MessageSection.readRange(SectionSpecifier(text: .text), nil, root: root)
            case .bodySection(let section, let partial, _): return MessageSection.readRange(section, partial, root: root)
            case .binary(let part, _, _), .binarySize(let part): return MessageSection.binarySource(part, root: root)?.range
            case .preview: return MessagePreview.source(in: root).map(MessagePreview.readRange)
            case .envelope, .flags, .internalDate, .rfc822Size, .body, .bodyStructure, .uid, .modSeq, .emailID,
                 .threadID, .saveDate: return nil
            }
        }
    }

    /// The literal an attribute's data is sent as without being read, when
    /// that data is a plain range of the message (RFC822, RFC822.HEADER,
    /// RFC822.TEXT, BODY[section]<partial> but HEADER.FIELDS[.NOT], BINARY
    /// of a part in 7bit, 8bit or binary, RFC 3516 §4.2) longer than
    /// `streamThreshold` once clamped to `size`. nil: the data is read.
    func streamed(_ attribute: FetchAttribute, root: MIMEPart, size: Int) -> StreamedLiteral? {
        let range: Range<Int>?
        var literal8 = false
        switch attribute {
        case .rfc822: range = 0..<Int.max
        case .rfc822Header: range = MessageSection.plainRange(SectionSpecifier(text: .header), nil, root: root)
        case .rfc822Text: range = MessageSection.plainRange(SectionSpecifier(text: .text), nil, root: root)
        case .bodySection(let section, let partial, _): range = MessageSection.plainRange(section, partial, root: root)
        case .binary(let part, let partial, _):
            guard let source = MessageSection.binarySource(part, root: root),
                  TransferDecoding.isIdentity(source.encoding) else { return nil }
            range = MessageSection.narrowed(source.range, to: partial)
            literal8 = true
        case .envelope, .flags, .internalDate, .rfc822Size, .body, .bodyStructure, .uid, .modSeq, .binarySize,
             .emailID, .threadID, .saveDate, .preview:
            return nil
        }
        guard let range else { return nil }
        let clamped = MessageSection.clamped(range, count: max(size, 0))
        guard clamped.count > Self.streamThreshold else { return nil }
        return StreamedLiteral(range: clamped, literal8: literal8)
    }

    /// BINARY.SIZE of a part whose body needs no decoding: its size in
    /// the message of `size` octets, known without reading it. nil for a
    /// missing part or one that must be decoded.
    static func plainBinarySize(_ part: [Int], root: MIMEPart, size: Int) -> Int? {
        guard let source = MessageSection.binarySource(part, root: root),
              TransferDecoding.isIdentity(source.encoding) else { return nil }
        return MessageSection.clamped(source.range, count: max(size, 0)).count
    }

    /// The name a streamed attribute's data goes under in the response.
    static func streamedName(_ attribute: FetchAttribute) -> StreamedItem? {
        switch attribute {
        case .rfc822: return .rfc822
        case .rfc822Header: return .rfc822Header
        case .rfc822Text: return .rfc822Text
        case .bodySection(let section, let partial, _): return .bodySection(section, origin: partial?.offset)
        case .binary(let part, let partial, _): return .binary(part: part, origin: partial?.offset)
        case .envelope, .flags, .internalDate, .rfc822Size, .body, .bodyStructure, .uid, .modSeq, .binarySize,
             .emailID, .threadID, .saveDate, .preview:
            return nil
        }
    }

    /// True when fetching these attributes sets `\Seen` (RFC 9051 §6.4.5:
    /// BODY[...] without PEEK, RFC822, RFC822.TEXT; BINARY without PEEK,
    /// RFC 3516 §4.2).
    var setsSeen: Bool {
        attributes.contains { attribute in
            switch attribute {
            case .rfc822, .rfc822Text: return true
            case .bodySection(_, _, let peek), .binary(_, _, let peek): return !peek
            case .envelope, .flags, .internalDate, .rfc822Size, .rfc822Header, .body, .bodyStructure,
                 .uid, .modSeq, .binarySize, .emailID, .threadID, .saveDate, .preview:
                return false
            }
        }
    }

    /// The items of one message. Throws when a BINARY part has an unknown
    /// transfer encoding.
    /// What `items` uses when no structure was read (made once, not per message).
    static let noStructure = ParsedMessage(messageID: nil)

    func items(for source: FetchSource) throws(UnknownTransferEncoding) -> [FetchItem] {
        let message = source.message
        let parsed = source.parsed ?? Self.noStructure
        var items: [FetchItem] = []
        if alwaysUID && !attributes.contains(.uid) { items.append(.uid(message.uid)) }
        for (index, attribute) in attributes.enumerated() {
            if source.body != nil, let size = source.streamedSize {
                if let literal = streamed(attribute, root: parsed.root, size: size),
                   let name = Self.streamedName(attribute) {
                    items.append(.streamed(name, literal))
                    continue
                }
                if case .binarySize(let part) = attribute,
                   let plain = Self.plainBinarySize(part, root: parsed.root, size: size) {
                    items.append(.binarySize(part: part, size: plain))
                    continue
                }
            }
            switch attribute {
            case .flags: items.append(.flags(message.flagNames))
            case .internalDate:
                items.append(.internalDate(source.record.map(Self.internalDate) ?? MailDate(secondsSinceEpoch: 0)))
            case .rfc822Size: items.append(.rfc822Size(source.record?.size ?? 0))
            case .envelope: items.append(.envelope(parsed.envelope))
            case .body: items.append(.bodyStructure(parsed.root, extensible: false))
            case .bodyStructure: items.append(.bodyStructure(parsed.root, extensible: true))
            case .uid: items.append(.uid(message.uid))
            case .modSeq: items.append(.modSeq(UInt64(max(message.modSeq, 0))))
            case .emailID: items.append(.emailID(source.record.map { ObjectID.email(contentHash: $0.contentHash) } ?? ""))
            case .threadID: items.append(.threadID(nil))
            case .saveDate: items.append(.saveDate(source.record?.savedDate.map(Self.mailDate)))
            case .preview: items.append(.preview(Self.preview(body: source.body, root: parsed.root)))
            case .rfc822:
                items.append(.rfc822(source.body?.bytes(in: 0..<Int.max)))
            case .rfc822Header:
                items.append(.rfc822Header(source.body.flatMap {
                    MessageSection.data(SectionSpecifier(text: .header), nil, in: $0, root: parsed.root)
                }))
            case .rfc822Text:
                items.append(.rfc822Text(source.body.flatMap {
                    MessageSection.data(SectionSpecifier(text: .text), nil, in: $0, root: parsed.root)
                }))
            case .bodySection(let section, let partial, _):
                var data: [UInt8]?
                if let cached = source.cachedHeaderFields, let filter = headerFieldFilters[index] {
                    data = MessageSection.partial(filter.apply(to: cached), partial)
                } else {
                    data = source.body.flatMap { MessageSection.data(section, partial, in: $0, root: parsed.root) }
                }
                items.append(.bodySection(section, origin: partial?.offset, data: data))
            case .binary(let part, let partial, _):
                let data = try Self.binary(part, body: source.body, root: parsed.root)
                items.append(.binary(part: part, origin: partial?.offset, data: data.map { MessageSection.partial($0, partial) }))
            case .binarySize(let part):
                let data = try Self.binary(part, body: source.body, root: parsed.root)
                items.append(.binarySize(part: part, size: data?.count ?? 0))
            }
        }
        if source.seenWasSet && !attributes.contains(.flags) {
            items.append(.flags(message.flagNames))
        }
        // RFC 7162 §3.2.4: under QRESYNC a FETCH that implicitly set `\Seen`
        // carries UID (and MODSEQ, below) like any flag change.
        if source.seenWasSet && qresync && !alwaysUID && !attributes.contains(.uid) {
            items.append(.uid(message.uid))
        }
        if !attributes.contains(.modSeq) && (alwaysModSeq || (condstore && source.seenWasSet)) {
            items.append(.modSeq(UInt64(max(message.modSeq, 0))))
        }
        return items
    }

    /// The decoded content of a part (RFC 3516 §4.2), nil when the part or
    /// the message is missing.
    /// PREVIEW (RFC 8970 §3) from the start of the message's first text
    /// part (`MessagePreview`): "" without one, nil when the body was not read.
    static func preview(body: (any MessageBytes)?, root: MIMEPart) -> String? {
        guard let body else { return nil }
        guard let source = MessagePreview.source(in: root) else { return "" }
        return MessagePreview.text(source: source, bytes: body.bytes(in: MessagePreview.readRange(of: source))[...])
    }

    static func binary(_ part: [Int], body: (any MessageBytes)?, root: MIMEPart) throws(UnknownTransferEncoding)
        -> [UInt8]? {
        guard let body, let source = MessageSection.binarySource(part, root: root) else { return nil }
        guard let decoded = TransferDecoding.decode(body.bytes(in: source.range)[...], encoding: source.encoding) else {
            throw UnknownTransferEncoding(encoding: source.encoding)
        }
        return decoded
    }

    /// INTERNALDATE as stored (whole seconds, UTC).
    static func internalDate(_ record: MessageRecord) -> MailDate {
        mailDate(record.internalDate)
    }

    /// A stored date in whole seconds, UTC.
    static func mailDate(_ date: Date) -> MailDate {
        MailDate(secondsSinceEpoch: Int64(date.timeIntervalSince1970.rounded(.down)))
    }
}
