/// The flags mail programs keep inside the messages of an mbox file, as
/// header fields of each message (there is no standard; RFC 4155 §2 leaves
/// them to the tools):
///
/// - `Status:` (mutt, pine, elm, UW-IMAP, Dovecot): `R` read → `\Seen`;
///   `O` old (seen by a client, no longer `\Recent`) has no flag here,
///   IMAP4rev2 dropped `\Recent` (RFC 9051 appendix E).
/// - `X-Status:` (same programs): `A` → `\Answered`, `F` → `\Flagged`,
///   `T` → `\Draft`, `D` → `\Deleted`.
/// - `X-Keywords:` (Dovecot, UW-IMAP) and `X-Mozilla-Keys:` (Thunderbird):
///   keywords separated by spaces or commas.
/// - `X-Mozilla-Status:` (Thunderbird), four hex digits: 0x0001 read,
///   0x0002 replied, 0x0004 marked (flagged), 0x0008 expunged (deleted
///   until the folder is compacted), 0x1000 forwarded (`$Forwarded`).
///
/// These fields describe the copy in that one file, not the message: they
/// are taken out of the message's header as they become flags (Dovecot's
/// mbox driver hides them from IMAP clients the same way), so a client
/// never sees a stale `Status: RO` on a message it marked unread.
public struct MboxStatusHeaders: Sendable, Equatable {
    public var flags: MessageFlags
    public var keywords: [String]
    /// The message without the fields above (only in its top-level header;
    /// the body and other fields are byte for byte as they were).
    public var message: [UInt8]

    /// The lower-case names of the fields read (and removed).
    public static let fieldNames: Set<String> = [
        "status", "x-status", "x-keywords", "x-mozilla-keys", "x-mozilla-status",
    ]

    /// The keyword Thunderbird's forwarded bit becomes (a common IMAP
    /// keyword, registered in the IANA IMAP keywords registry, RFC 5788).
    public static let forwardedKeyword = "$Forwarded"

    /// Reads the flag fields of one message (LF or CRLF line endings) and
    /// returns its flags, keywords and the message without those fields.
    public static func extract(from message: [UInt8]) -> MboxStatusHeaders {
        let header = MessageHeader.parse(message)
        let fields = header.fields.filter { fieldNames.contains(ByteText.asciiLowercased($0.name)) }
        guard !fields.isEmpty else { return MboxStatusHeaders(flags: [], keywords: [], message: message) }
        var flags: MessageFlags = []
        var keywords: [String] = []
        var kept: [UInt8] = []
        kept.reserveCapacity(message.count)
        var position = 0
        for field in fields {
            read(name: ByteText.asciiLowercased(field.name), value: field.value, flags: &flags, keywords: &keywords)
            kept.append(contentsOf: message[position..<field.offset])
            position = field.offset + field.length
        }
        kept.append(contentsOf: message[position...])
        return MboxStatusHeaders(flags: flags, keywords: uniqueKeywords(keywords), message: kept)
    }

    // MARK: Field values

    private static func read(name: String, value: String, flags: inout MessageFlags, keywords: inout [String]) {
        switch name {
        case "status":
            if value.contains("R") { flags.insert(.seen) }
        case "x-status":
            for letter in value {
                switch letter {
                case "A": flags.insert(.answered)
                case "F": flags.insert(.flagged)
                case "T": flags.insert(.draft)
                case "D": flags.insert(.deleted)
                default: break
                }
            }
        case "x-keywords", "x-mozilla-keys":
            keywords += value.split(whereSeparator: { $0 == "," || $0.isWhitespace }).map(String.init).filter(isKeyword)
        case "x-mozilla-status":
            guard value.count <= 8, let bits = UInt32(value, radix: 16) else { return }
            if bits & 0x0001 != 0 { flags.insert(.seen) }
            if bits & 0x0002 != 0 { flags.insert(.answered) }
            if bits & 0x0004 != 0 { flags.insert(.flagged) }
            if bits & 0x0008 != 0 { flags.insert(.deleted) }
            if bits & 0x1000 != 0 { keywords.append(forwardedKeyword) }
        default:
            break
        }
    }

    /// A keyword is an IMAP atom (RFC 9051 §9 `flag-keyword`): printable
    /// ASCII without atom-specials; a `\` system flag is not one.
    static func isKeyword(_ text: String) -> Bool {
        guard !text.isEmpty, text.utf8.count <= 128 else { return false }
        return text.utf8.allSatisfy { byte in
            byte > 0x20 && byte < 0x7F && !"(){%*\"\\]".utf8.contains(byte)
        }
    }

    private static func uniqueKeywords(_ keywords: [String]) -> [String] {
        var seen = Set<String>()
        return keywords.filter { seen.insert($0.lowercased()).inserted }
    }
}
