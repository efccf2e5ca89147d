/// The name of a message file in a maildir (https://cr.yp.to/proto/maildir.html):
/// `UNIQUE[:2,FLAGS]`, where FLAGS are ASCII letters in order, e.g.
/// `1700000000.M1P2.host,S=1234:2,FRS`. Some tools write `!` instead of `:`
/// (file systems that forbid colons); both are read.
public struct MaildirFilename: Sendable, Equatable {
    /// The part before the info (`:2,...`).
    public var uniqueName: String
    /// The system flags from the info: S \Seen, R \Answered, F \Flagged,
    /// T \Deleted (trashed), D \Draft. P (passed) has no IMAP flag.
    public var flags: MessageFlags
    /// Lower-case letters of the info (Dovecot keywords, indices into its
    /// `dovecot-keywords` file), kept for callers that map them.
    public var keywordLetters: [Character]

    public init(_ name: String) {
        var unique = Substring(name)
        var info: Substring = ""
        for separator in [":2,", "!2,"] {
            if let range = name.range(of: separator, options: .backwards) {
                unique = name[..<range.lowerBound]
                info = name[range.upperBound...]
                break
            }
        }
        uniqueName = String(unique)
        var flags: MessageFlags = []
        var keywords: [Character] = []
        for letter in info {
            switch letter {
            case "S": flags.insert(.seen)
            case "R": flags.insert(.answered)
            case "F": flags.insert(.flagged)
            case "T": flags.insert(.deleted)
            case "D": flags.insert(.draft)
            case "a"..."z": keywords.append(letter)
            default: break
            }
        }
        self.flags = flags
        keywordLetters = keywords
    }

    /// The info suffix for the given flags, letters in ASCII order: `:2,FRS`.
    public static func infoSuffix(for flags: MessageFlags) -> String {
        let letters: [(MessageFlags, Character)] = [
            (.draft, "D"), (.flagged, "F"), (.answered, "R"), (.seen, "S"), (.deleted, "T"),
        ]
        return ":2," + String(letters.filter { flags.contains($0.0) }.map { $0.1 })
    }
}
