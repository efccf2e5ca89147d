import MailStore

/// A snapshot of one account's mailboxes as a hierarchy by name (RFC 9051
/// §5.1.1): a name with `/` has parents even when no mailbox of that name
/// exists; such a parent is listed as `\NonExistent` (RFC 5258 §3.4) or
/// `\Noselect` (RFC 3501 §7.2.2).
struct MailboxTree: Sendable {
    /// Existing mailboxes by store name.
    let mailboxes: [String: Mailbox]
    /// Names that have at least one mailbox below them.
    let parents: Set<String>
    /// Names with a subscribed mailbox below them (RFC 5258 §3.5 CHILDINFO).
    let subscribedAncestors: Set<String>

    init(_ list: [Mailbox]) {
        var mailboxes: [String: Mailbox] = [:]
        var parents: Set<String> = []
        var subscribedAncestors: Set<String> = []
        for mailbox in list {
            mailboxes[mailbox.name] = mailbox
            let ancestors = MailboxNameCodec.ancestors(of: mailbox.name)
            parents.formUnion(ancestors)
            if mailbox.isSubscribed { subscribedAncestors.formUnion(ancestors) }
        }
        self.mailboxes = mailboxes
        self.parents = parents
        self.subscribedAncestors = subscribedAncestors
    }

    static func load(_ context: CommandContext) async throws -> MailboxTree {
        MailboxTree(try await context.store.mailboxes(accountID: context.account.id))
    }

    /// Every existing name and every parent name, INBOX first, then in
    /// code-point order so children follow their parents.
    var allNames: [String] { Self.sorted(Set(mailboxes.keys).union(parents)) }

    func hasChildren(_ name: String) -> Bool { parents.contains(name) }

    static func sorted<S: Sequence>(_ names: S) -> [String] where S.Element == String {
        names.sorted { lhs, rhs in
            let lhsInbox = lhs == "INBOX" || lhs.hasPrefix("INBOX/")
            let rhsInbox = rhs == "INBOX" || rhs.hasPrefix("INBOX/")
            if lhsInbox != rhsInbox { return lhsInbox }
            return Array(lhs.unicodeScalars.map(\.value)).lexicographicallyPrecedes(rhs.unicodeScalars.map(\.value))
        }
    }
}
