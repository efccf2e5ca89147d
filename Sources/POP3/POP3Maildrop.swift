// The INBOX as one POP3 session sees it: a snapshot taken at login
// (RFC 1939 §5: message numbers stay fixed for the whole session).
import MailStore

struct POP3Maildrop {
    struct Entry {
        let uid: MessageUID
        /// RFC 1939 §5 size: the stored size, which is what RETR sends for a
        /// stored CRLF message (the final CRLF before "." is framing).
        let size: Int
        var isDeleted = false
    }

    let accountID: AccountID
    let mailbox: Mailbox
    private(set) var entries: [Entry]

    init(accountID: AccountID, mailbox: Mailbox, messages: [MessageSummary]) {
        self.accountID = accountID
        self.mailbox = mailbox
        self.entries = messages.sorted { $0.uid < $1.uid }.map { Entry(uid: $0.uid, size: $0.size) }
    }

    /// Why a message number cannot be used.
    enum LookupError: Error {
        case noSuchMessage
        case deleted
    }

    /// The entry of message `number` (1-based) when it exists and is not marked deleted.
    func entry(_ number: Int) -> Result<Entry, LookupError> {
        guard number >= 1, number <= entries.count else { return .failure(.noSuchMessage) }
        let entry = entries[number - 1]
        return entry.isDeleted ? .failure(.deleted) : .success(entry)
    }

    /// (message number, entry) of every message not marked deleted.
    var visible: [(number: Int, entry: Entry)] {
        entries.enumerated().compactMap { $0.element.isDeleted ? nil : ($0.offset + 1, $0.element) }
    }

    var visibleCount: Int { entries.count { !$0.isDeleted } }
    var visibleSize: Int { entries.reduce(0) { $0 + ($1.isDeleted ? 0 : $1.size) } }
    var deletedUIDs: [MessageUID] { entries.filter(\.isDeleted).map(\.uid) }

    /// "maildrop has 2 messages (320 octets)", the RFC 1939 §7 PASS reply text.
    var summary: String {
        "maildrop has \(visibleCount) message\(visibleCount == 1 ? "" : "s") (\(visibleSize) octets)"
    }

    mutating func markDeleted(_ number: Int) {
        entries[number - 1].isDeleted = true
    }

    mutating func unmarkAll() {
        for index in entries.indices { entries[index].isDeleted = false }
    }

    /// RFC 1939 §7 unique-id: stable across sessions and never reused, since
    /// a UID is never reused within one UIDVALIDITY. 1-70 characters 0x21-0x7E.
    func uniqueID(of entry: Entry) -> String {
        "\(mailbox.uidValidity)-\(entry.uid)"
    }
}
