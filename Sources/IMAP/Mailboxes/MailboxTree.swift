import MailStore

/// A snapshot of one account's mailboxes as a hierarchy by name (RFC 9051
/// §5.1.1): a name with `/` has parents even when no mailbox of that name
/// exists; such a parent is listed as `\NonExistent` (RFC 5258 §3.4) or
/// `\Noselect` (RFC 3501 §7.2.2). Subscribed names are kept apart: they
/// may name no mailbox (RFC 9051 §6.3.7) and then show only where
/// subscriptions are asked for (LIST (SUBSCRIBED), LSUB).
struct MailboxTree: Sendable {
    /// Existing mailboxes by store name.
    let mailboxes: [String: Mailbox]
    /// Names that have at least one mailbox below them.
    let parents: Set<String>
    /// Subscribed names, existing or not.
    let subscribed: Set<String>
    /// Names with a subscribed name below them (RFC 5258 §3.5 CHILDINFO).
    let subscribedAncestors: Set<String>

    /// A tree whose subscriptions are those of its mailboxes' flags.
    init(_ list: [Mailbox]) {
        self.init(list, subscriptions: list.filter(\.isSubscribed).map(\.name))
    }

    init(_ list: [Mailbox], subscriptions: [String]) {
        var mailboxes: [String: Mailbox] = [:]
        var parents: Set<String> = []
        for mailbox in list {
            mailboxes[mailbox.name] = mailbox
            parents.formUnion(MailboxNameCodec.ancestors(of: mailbox.name))
        }
        self.mailboxes = mailboxes
        self.parents = parents
        self.subscribed = Set(subscriptions)
        self.subscribedAncestors = Set(subscriptions.flatMap { MailboxNameCodec.ancestors(of: $0) })
    }

    static func load(_ context: CommandContext) async throws -> MailboxTree {
        let account = context.account.id
        return MailboxTree(try await context.store.mailboxes(accountID: account),
                           subscriptions: try await context.store.subscriptions(accountID: account))
    }

    /// Every existing name and every parent name, INBOX first, then in
    /// code-point order so children follow their parents.
    var allNames: [String] { Self.sorted(Set(mailboxes.keys).union(parents)) }

    /// `allNames` plus the subscribed names and their parents, for the
    /// commands that list subscriptions.
    var allNamesWithSubscriptions: [String] {
        Self.sorted(Set(mailboxes.keys).union(parents).union(subscribed).union(subscribedAncestors))
    }

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
