/// Maildir++ folder names (Courier, Dovecot's default layout): a folder is a
/// directory `.Name` beside `cur`/`new`/`tmp` of the root, the hierarchy
/// separator is `.`, and non-ASCII names are in modified UTF-7 (RFC 3501 §5.1.3).
public enum MaildirPlusPlus {
    /// The Tern mailbox name (`/` as delimiter, UTF-8) of a Maildir++ folder
    /// directory, e.g. `.Sub.Folder` → `Sub/Folder`, `.Entw&APw-rfe` → `Entwürfe`.
    /// Nil for a name that is not a folder (no leading dot, `.`, `..`, empty parts).
    public static func mailboxName(forDirectory directory: String) -> String? {
        guard directory.hasPrefix("."), directory.count > 1, directory != ".." else { return nil }
        let parts = directory.dropFirst().split(separator: ".", omittingEmptySubsequences: false)
        guard !parts.contains(where: { $0.isEmpty }) else { return nil }
        var decoded = parts.map { ModifiedUTF7.decode(String($0)) ?? String($0) }
        // `.INBOX.Sub` layouts (Courier with INBOX as parent) name INBOX children.
        if decoded.count > 1, decoded[0].uppercased() == "INBOX" { decoded[0] = "INBOX" }
        return decoded.joined(separator: "/")
    }
}
