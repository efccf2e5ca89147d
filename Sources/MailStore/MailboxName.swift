/// Mailbox name rules shared by every `MailStore` implementation.
///
/// Names are UTF-8 with `/` as the hierarchy delimiter. `INBOX` is
/// case-insensitive (RFC 9051 §5.1): `inbox` and `Inbox/Sub` are stored as
/// `INBOX` and `INBOX/Sub`; every other name is case-sensitive.
public enum MailboxName {
    public static let delimiter: Character = "/"
    public static let inbox = "INBOX"
    /// The bound on a name's length in UTF-8 octets.
    public static let maximumOctets = 255

    /// Validates `name` and returns its stored spelling.
    /// - Throws: `MailStoreError.invalidMailboxName` for an empty name, a
    ///   leading or trailing `/`, an empty, `.` or `..` component, a control
    ///   character, an IMAP wildcard (`*`, `%`) or more than 255 octets.
    public static func normalize(_ name: String) throws -> String {
        guard !name.isEmpty, name.utf8.count <= maximumOctets else {
            throw MailStoreError.invalidMailboxName(name)
        }
        for scalar in name.unicodeScalars {
            let value = scalar.value
            // C0 and C1 controls, DEL; RFC 9051 §5.1 wildcards.
            if value < 0x20 || (0x7F...0x9F).contains(value) || scalar == "*" || scalar == "%" {
                throw MailStoreError.invalidMailboxName(name)
            }
        }
        let components = name.split(separator: delimiter, omittingEmptySubsequences: false)
        for component in components where component.isEmpty || component == "." || component == ".." {
            throw MailStoreError.invalidMailboxName(name)
        }
        if isInbox(components[0]) {
            return ([Substring(inbox)] + components.dropFirst()).joined(separator: String(delimiter))
        }
        return name
    }

    /// True when `name` is INBOX itself (any case).
    public static func isInbox<S: StringProtocol>(_ name: S) -> Bool {
        // ASCII-only comparison: no Unicode case mapping may turn another
        // name (e.g. with a dotless i) into INBOX.
        name.utf8.count == 5 && zip(name.utf8, inbox.utf8).allSatisfy { a, b in
            (a >= 0x61 && a <= 0x7A ? a - 0x20 : a) == b
        }
    }
}
