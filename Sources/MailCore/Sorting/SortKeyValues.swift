/// The values SORT and THREAD compare, computed from a `SortableMessage`
/// once per message (never per comparison).
enum SortKeyValues {
    /// The sent date (RFC 5256 §2.2), UTC seconds (`SentDate`).
    static func sentDate(_ message: SortableMessage) -> Int64 {
        SentDate.seconds(message)
    }

    /// The i;ascii-casemap key of the [IMAP] addr-mailbox (the local part)
    /// of the first address of an address field (SORT FROM, TO, CC, RFC
    /// 5256 §3). A missing or empty field is the empty string. When the
    /// first entry is a group ("Friends: a@x, b@y;"), its addr-mailbox is
    /// the group name, as the group's start marker in an ENVELOPE has it.
    static func firstMailbox(_ raw: [UInt8]?) -> [UInt8] {
        guard let raw, let first = AddressListParser.parse(raw).first else { return [] }
        switch first {
        case .mailbox(let mailbox): return UnicodeCasemap.key(mailbox.localPart)
        case .group(let name, _): return UnicodeCasemap.key(name)
        }
    }

    /// The i;ascii-casemap key of the display name of the first address
    /// (SORT DISPLAYFROM, DISPLAYTO, RFC 5957 §3): the display-name with
    /// RFC 2047 words decoded; when it is missing or empty, the addr-spec
    /// ("local@domain", or the local part when there is no domain); a
    /// group's name. A missing or empty field is the empty string.
    static func firstDisplayName(_ raw: [UInt8]?) -> [UInt8] {
        guard let raw, let first = AddressListParser.parse(raw).first else { return [] }
        switch first {
        case .mailbox(let mailbox):
            if let name = mailbox.displayName {
                let decoded = ByteText.trimmed(EncodedWords.decode(name))
                if !decoded.isEmpty { return UnicodeCasemap.key(decoded) }
            }
            guard let domain = mailbox.domain else { return UnicodeCasemap.key(mailbox.localPart) }
            return UnicodeCasemap.key(mailbox.localPart + "@" + domain)
        case .group(let name, _):
            return UnicodeCasemap.key(ByteText.trimmed(EncodedWords.decode(name)))
        }
    }

    /// The base subject's comparison key (SORT SUBJECT, §2.1).
    static func subject(_ message: SortableMessage) -> [UInt8] {
        BaseSubject(rawSubject: message.subject).comparisonKey
    }
}
