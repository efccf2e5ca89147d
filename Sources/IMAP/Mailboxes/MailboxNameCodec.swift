import Foundation
import MailCore
import MailStore

/// Why a client's mailbox name was refused.
public struct InvalidMailboxName: Error, Sendable, Equatable {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
}

/// Mailbox names between the wire and the store (RFC 9051 §5.1; modified
/// UTF-7 for rev1 clients, RFC 3501 §5.1.3; UTF-8 after UTF8=ACCEPT or
/// IMAP4rev2, RFC 6855 §3). The store keeps UTF-8 names with `/` as the
/// hierarchy delimiter and `INBOX` in upper case.
///
/// Every name a client sends is one of the account's own names: there is a
/// single personal namespace with an empty prefix (RFC 2342), so `~other`
/// or `#shared` are refused (RFC 9051 §5.1.2 reserves those prefixes), and
/// `..` or an empty component can never be more than text in a database.
public enum MailboxNameCodec {
    /// The hierarchy delimiter (RFC 9051 §5.1.1).
    public static let delimiter: Character = "/"
    /// The store's bound on a name, in UTF-8 octets (`MailStore.MailboxName.maximumOctets`).
    public static let maximumOctets = 255
    /// The deepest hierarchy accepted.
    public static let maximumLevels = 16

    /// The store name for a client's name. Refuses what could escape the
    /// account (empty or `.`/`..` components, leading `/`, `%` `*` wildcards,
    /// control characters, an overlong name), and bytes that are not valid
    /// in the connection's encoding.
    public static func decode(_ name: MailboxName, encoding: MailboxNameEncoding) throws(InvalidMailboxName) -> String {
        let text = try decodeText(name.bytes, encoding: encoding)
        return try validate(text)
    }

    /// The wire form of a store name in the connection's encoding.
    public static func encode(_ name: String, encoding: MailboxNameEncoding) -> MailboxName {
        switch encoding {
        case .utf8: return MailboxName(name)
        case .modifiedUTF7: return MailboxName(ModifiedUTF7.encode(name))
        }
    }

    /// Bytes read in the connection's encoding, without the name rules (a
    /// LIST pattern or reference goes through this too). RFC 6855 §3: after
    /// UTF8=ACCEPT, a name that looks like modified UTF-7 is taken as
    /// literal UTF-8.
    /// The text is put in Unicode normalization form C (Net-Unicode, RFC
    /// 5198, which RFC 9051 §5.1 asks names to follow), so a name typed on
    /// a system that decomposes "ü" finds the same mailbox.
    static func decodeText(_ bytes: [UInt8], encoding: MailboxNameEncoding) throws(InvalidMailboxName) -> String {
        try decodeUnnormalized(bytes, encoding: encoding).precomposedStringWithCanonicalMapping
    }

    private static func decodeUnnormalized(_ bytes: [UInt8], encoding: MailboxNameEncoding)
        throws(InvalidMailboxName) -> String {
        switch encoding {
        case .utf8:
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw InvalidMailboxName("not valid UTF-8")
            }
            return text
        case .modifiedUTF7:
            guard bytes.allSatisfy({ $0 < 0x80 }) else {
                throw InvalidMailboxName("8-bit octets in a modified UTF-7 name (RFC 3501 §5.1.3)")
            }
            guard let text = ModifiedUTF7.decode(String(decoding: bytes, as: UTF8.self)) else {
                throw InvalidMailboxName("not valid modified UTF-7 (RFC 3501 §5.1.3)")
            }
            return text
        }
    }

    /// Applies the store's name rules to decoded text and returns the stored
    /// spelling (`inbox/x` becomes `INBOX/x`, RFC 9051 §5.1).
    static func validate(_ text: String) throws(InvalidMailboxName) -> String {
        guard !text.isEmpty else { throw InvalidMailboxName("empty name") }
        guard text.utf8.count <= maximumOctets else {
            throw InvalidMailboxName("longer than \(maximumOctets) octets")
        }
        for scalar in text.unicodeScalars {
            let value = scalar.value
            if value < 0x20 || (0x7F...0x9F).contains(value) {
                throw InvalidMailboxName("control character")
            }
            if scalar == "*" || scalar == "%" {
                throw InvalidMailboxName("wildcard character (RFC 9051 §5.1)")
            }
        }
        if let first = text.unicodeScalars.first, first == "~" || first == "#" {
            throw InvalidMailboxName("reserved namespace prefix (RFC 9051 §5.1.2)")
        }
        let components = text.split(separator: delimiter, omittingEmptySubsequences: false)
        guard components.count <= maximumLevels else {
            throw InvalidMailboxName("more than \(maximumLevels) hierarchy levels")
        }
        for component in components {
            if component.isEmpty { throw InvalidMailboxName("empty hierarchy level") }
            if component == "." || component == ".." { throw InvalidMailboxName("'.' or '..' level") }
        }
        if isInbox(components[0]) {
            return (["INBOX"] + components.dropFirst().map(String.init)).joined(separator: "/")
        }
        return text
    }

    /// True when `name` is INBOX in any case; ASCII only, so no Unicode case
    /// mapping (a dotless i) can turn another name into INBOX.
    static func isInbox<S: StringProtocol>(_ name: S) -> Bool {
        name.utf8.count == 5 && zip(name.utf8, "INBOX".utf8).allSatisfy { a, b in
            (a >= 0x61 && a <= 0x7A ? a - 0x20 : a) == b
        }
    }

    /// Creates the parents of `name` that do not exist yet (RFC 9051
    /// §6.3.4: `CREATE a/b/c` makes `a` and `a/b` too); IMAP CREATE and
    /// RENAME and `tern mailbox create` do this.
    public static func createMissingParents(of name: String, accountID: AccountID, store: any MailStore) async throws {
        for parent in ancestors(of: name) {
            if try await store.mailbox(accountID: accountID, name: parent) != nil { continue }
            do {
                _ = try await store.createMailbox(accountID: accountID, name: parent, specialUse: nil)
            } catch MailStoreError.mailboxExists {
                // Another session created it meanwhile: that is what we wanted.
            }
        }
    }

    /// The names above `name` in the hierarchy, shortest first (`a/b/c` → `a`, `a/b`).
    static func ancestors(of name: String) -> [String] {
        var result: [String] = []
        var prefix = ""
        for component in name.split(separator: delimiter).dropLast() {
            prefix = prefix.isEmpty ? String(component) : prefix + "/" + component
            result.append(prefix)
        }
        return result
    }
}
