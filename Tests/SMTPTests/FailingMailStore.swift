import Foundation
import Synchronization
import MailCore
import MailStore

/// Forwards to a real store, but `appendMessage` fails from its
/// `failFromAppend`-th call on (1-based): a disk that fills up mid-delivery.
final class FailingMailStore: MailStore {
    let base: any MailStore
    private let appends = Mutex(0)
    let failFromAppend: Int

    init(base: any MailStore, failFromAppend: Int) {
        self.base = base
        self.failFromAppend = failFromAppend
    }

    func appendMessage(mailboxID: MailboxID, _ message: NewMessage) async throws -> MessageRecord {
        let count = appends.withLock { value in
            value += 1
            return value
        }
        if count >= failFromAppend { throw MailStoreError.storageFailure("disk full (test)") }
        return try await base.appendMessage(mailboxID: mailboxID, message)
    }

    func addDomain(_ name: String) async throws { try await base.addDomain(name) }
    func removeDomain(_ name: String) async throws { try await base.removeDomain(name) }
    func domains() async throws -> [MailDomain] { try await base.domains() }
    func createAccount(address: String, passwordHash: String) async throws -> Account {
        try await base.createAccount(address: address, passwordHash: passwordHash)
    }
    func account(address: String) async throws -> Account? { try await base.account(address: address) }
    func account(id: AccountID) async throws -> Account? { try await base.account(id: id) }
    func accounts() async throws -> [Account] { try await base.accounts() }
    func setPasswordHash(accountID: AccountID, passwordHash: String) async throws {
        try await base.setPasswordHash(accountID: accountID, passwordHash: passwordHash)
    }
    func deleteAccount(id: AccountID) async throws { try await base.deleteAccount(id: id) }
    func addAlias(_ alias: Alias) async throws { try await base.addAlias(alias) }
    func removeAlias(source: String) async throws { try await base.removeAlias(source: source) }
    func aliases() async throws -> [Alias] { try await base.aliases() }
    func mailboxes(accountID: AccountID) async throws -> [Mailbox] { try await base.mailboxes(accountID: accountID) }
    func mailbox(accountID: AccountID, name: String) async throws -> Mailbox? {
        try await base.mailbox(accountID: accountID, name: name)
    }
    func mailbox(id: MailboxID) async throws -> Mailbox? { try await base.mailbox(id: id) }
    func createMailbox(accountID: AccountID, name: String, specialUse: SpecialUse?) async throws -> Mailbox {
        try await base.createMailbox(accountID: accountID, name: name, specialUse: specialUse)
    }
    func deleteMailbox(id: MailboxID) async throws { try await base.deleteMailbox(id: id) }
    func renameMailbox(id: MailboxID, to newName: String) async throws {
        try await base.renameMailbox(id: id, to: newName)
    }
    func setSubscribed(mailboxID: MailboxID, _ subscribed: Bool) async throws {
        try await base.setSubscribed(mailboxID: mailboxID, subscribed)
    }
    func messages(mailboxID: MailboxID) async throws -> [MessageRecord] { try await base.messages(mailboxID: mailboxID) }
    func message(mailboxID: MailboxID, uid: MessageUID) async throws -> MessageRecord? {
        try await base.message(mailboxID: mailboxID, uid: uid)
    }
    func messageBody(mailboxID: MailboxID, uid: MessageUID) async throws -> [UInt8] {
        try await base.messageBody(mailboxID: mailboxID, uid: uid)
    }
    func updateFlags(mailboxID: MailboxID, uids: [MessageUID], operation: FlagOperation, flags: MessageFlags,
                     keywords: [String]) async throws -> [MessageRecord] {
        try await base.updateFlags(mailboxID: mailboxID, uids: uids, operation: operation, flags: flags,
                                   keywords: keywords)
    }
    func expunge(mailboxID: MailboxID, uids: [MessageUID]) async throws -> [MessageUID] {
        try await base.expunge(mailboxID: mailboxID, uids: uids)
    }
    func copyMessages(from source: MailboxID, uids: [MessageUID], to destination: MailboxID) async throws
        -> [(MessageUID, MessageUID)] {
        try await base.copyMessages(from: source, uids: uids, to: destination)
    }
    func moveMessages(from source: MailboxID, uids: [MessageUID], to destination: MailboxID) async throws
        -> [(MessageUID, MessageUID)] {
        try await base.moveMessages(from: source, uids: uids, to: destination)
    }
    func containsMessage(mailboxID: MailboxID, contentHash: String) async throws -> Bool {
        try await base.containsMessage(mailboxID: mailboxID, contentHash: contentHash)
    }
    func changes(mailboxID: MailboxID, after modSeq: ModSeq) async throws -> [MailboxChange] {
        try await base.changes(mailboxID: mailboxID, after: modSeq)
    }
    func changeNotifications(mailboxID: MailboxID) -> AsyncStream<Void> {
        base.changeNotifications(mailboxID: mailboxID)
    }
    func close() async throws { try await base.close() }
}
