import MailStore

/// OBJECTID (RFC 8474): identifiers that stay when a mailbox is renamed
/// or a message copied or moved. `objectid = 1*255(ALPHA / DIGIT / "_" / "-")`.
enum ObjectID {
    /// MAILBOXID (§4): the mailbox row and its UIDVALIDITY, so a mailbox
    /// deleted and created again under its name gets a new one; a rename
    /// keeps it.
    static func mailbox(_ mailbox: Mailbox) -> String {
        "M\(mailbox.id)-\(mailbox.uidValidity)"
    }

    /// EMAILID (§5.1): from the content hash (SHA-256 of the stored bytes),
    /// so every copy of a message has the same one — after COPY, MOVE or
    /// delivery to several mailboxes — and so do identical messages, which
    /// RFC 8474 allows.
    static func email(contentHash: String) -> String {
        "E" + contentHash.prefix(32)
    }
}
