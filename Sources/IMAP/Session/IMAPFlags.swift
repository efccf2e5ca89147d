import MailCore

/// Flag lists as IMAP spells them (RFC 9051 §2.3.2, `flag` in §9): system
/// flags and keywords, shared by FETCH FLAGS, STORE and APPEND.
public enum IMAPFlags {
    /// The flags every mailbox accepts; `\*` in PERMANENTFLAGS says keywords
    /// can be created too (RFC 9051 §7.1).
    public static let systemFlagNames = MessageFlags.imapNames.map(\.1)

    /// The FLAGS list of a message: system flags, `\Recent` when the
    /// session holds it (RFC 3501 §2.3.2), then keywords.
    public static func names(_ flags: MessageFlags, keywords: [String], recent: Bool = false) -> [String] {
        let system = recent ? flags.imapFlagNames + [recentName] : flags.imapFlagNames
        return keywords.isEmpty ? system : system + keywords
    }

    /// The session flag of IMAP4rev1 (RFC 3501 §2.3.2); no client may set it.
    public static let recentName = "\\Recent"

    /// Splits a client's flag list into system flags and keywords. Nil when a
    /// name is not a flag a client may set: `\Recent` (RFC 3501; not in
    /// rev2), an unknown `\`-flag, or a keyword that is not an atom
    /// (`flag-keyword = atom`). Keywords keep the client's spelling, without
    /// duplicates (compared case-insensitively, RFC 9051 §2.3.2).
    public static func parse(_ names: [String]) -> (flags: MessageFlags, keywords: [String])? {
        var flags: MessageFlags = []
        var keywords: [String] = []
        var seenKeywords: Set<String> = []
        for name in names {
            if let flag = MessageFlags(imapName: name) {
                flags.insert(flag)
                continue
            }
            guard !name.hasPrefix("\\"), isKeyword(name) else { return nil }
            if seenKeywords.insert(name.lowercased()).inserted { keywords.append(name) }
        }
        return (flags, keywords)
    }

    /// `atom` (RFC 9051 §9): 1 to 255 printable ASCII characters without
    /// `atom-specials` ( ( ) { SP CTL % * " \ ] ).
    static func isKeyword(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 255 else { return false }
        return name.utf8.allSatisfy { byte in
            byte > 0x20 && byte < 0x7F && !"(){%*\"\\]".utf8.contains(byte)
        }
    }
}
