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
        // The store's counters: no message is read.
        let statuses = try await store.mailboxStatuses(accountID: accountID)
        return try await store.mailboxes(accountID: accountID).map { mailbox in
            let status = statuses[mailbox.id]
            return MailboxSummary(mailbox: mailbox, messages: status?.messages ?? 0, unseen: status?.unseen ?? 0,
                                  size: Int(status?.size ?? 0))
        }
    }
}
