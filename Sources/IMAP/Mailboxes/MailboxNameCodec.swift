import MailCore

/// Why a client's mailbox name was refused.
public struct InvalidMailboxName: Error, Sendable, Equatable {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
}

/// Mailbox names between the wire and the store (RFC 9051 §5.1; modified
/// UTF-7 for rev1 clients, RFC 3501 §5.1.3; UTF-8 after UTF8=ACCEPT or
/// IMAP4rev2, RFC 6855 §3). The store keeps UTF-8 names with `/` as the
/// hierarchy delimiter and `INBOX` in upper case.
public enum MailboxNameCodec {
    /// The hierarchy delimiter (RFC 9051 §5.1.1).
    public static let delimiter: Character = "/"

    /// The store name for a client's name. Refuses what could escape the
    /// account (empty or `.`/`..` components, leading `/`, `%` `*` wildcards,
    /// control characters, an overlong name), and bytes that are not valid
    /// in the connection's encoding.
    public static func decode(_ name: MailboxName, encoding: MailboxNameEncoding) throws(InvalidMailboxName) -> String {
        throw InvalidMailboxName("not implemented")
    }

    /// The wire form of a store name in the connection's encoding.
    public static func encode(_ name: String, encoding: MailboxNameEncoding) -> MailboxName {
        MailboxName(name)
    }
}
