import MailStore

/// What `tern account show`, `account remove` and `mailbox list` say about
/// each mailbox of an account: its messages, unseen messages and size.
struct MailboxSummary {
    var mailbox: Mailbox
    var messages: Int
    var unseen: Int
    /// The octets of its messages (RFC822.SIZE).
    var size: Int

    /// One per mailbox of the account, in the store's order.
    static func all(accountID: AccountID, in store: some MailStore) async throws -> [MailboxSummary] {
        var summaries: [MailboxSummary] = []
        for mailbox in try await store.mailboxes(accountID: accountID) {
            let records = try await store.messages(mailboxID: mailbox.id)
            summaries.append(MailboxSummary(mailbox: mailbox, messages: records.count,
                                            unseen: records.count(where: { !$0.flags.contains(.seen) }),
                                            size: records.reduce(0) { $0 + $1.size }))
        }
        return summaries
    }
}
