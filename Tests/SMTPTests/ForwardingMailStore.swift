import Foundation
import MailCore
import MailStore

/// A store that passes every call to `base`; a test double overrides the
/// calls it changes. Every `MailStore` method is here: the protocol has no
/// default implementations.
protocol ForwardingMailStore: MailStore {
    var base: any MailStore { get }
}

extension ForwardingMailStore {
    func addDomain(_ name: String) async throws { try await base.addDomain(name) }
    func removeDomain(_ name: String) async throws { try await base.removeDomain(name) }
    func domains() async throws -> [MailDomain] { try await base.domains() }
    func domainExists(_ name: String) async throws -> Bool { try await base.domainExists(name) }
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
    func setAccountDisabled(accountID: AccountID, _ disabled: Bool) async throws {
        try await base.setAccountDisabled(accountID: accountID, disabled)
    }
    func renameAccount(id: AccountID, to newAddress: String) async throws -> Account {
        try await base.renameAccount(id: id, to: newAddress)
    }
    func addAlias(_ alias: Alias) async throws { try await base.addAlias(alias) }
    func removeAlias(source: String) async throws { try await base.removeAlias(source: source) }
    func aliases() async throws -> [Alias] { try await base.aliases() }
    func alias(source: String) async throws -> Alias? { try await base.alias(source: source) }
    func mailboxes(accountID: AccountID) async throws -> [Mailbox] { try await base.mailboxes(accountID: accountID) }
    func mailbox(accountID: AccountID, name: String) async throws -> Mailbox? {
        try await base.mailbox(accountID: accountID, name: name)
    }
    func mailbox(id: MailboxID) async throws -> Mailbox? { try await base.mailbox(id: id) }
    func mailboxStatus(id: MailboxID) async throws -> MailboxStatus { try await base.mailboxStatus(id: id) }
    func mailboxStatuses(accountID: AccountID) async throws -> [MailboxID: MailboxStatus] {
        try await base.mailboxStatuses(accountID: accountID)
    }
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
    func subscriptions(accountID: AccountID) async throws -> [String] {
        try await base.subscriptions(accountID: accountID)
    }
    func subscribe(accountID: AccountID, name: String) async throws {
        try await base.subscribe(accountID: accountID, name: name)
    }
    @discardableResult
    func unsubscribe(accountID: AccountID, name: String) async throws -> Bool {
        try await base.unsubscribe(accountID: accountID, name: name)
    }
    func appendMessage(mailboxID: MailboxID, _ message: NewMessage) async throws -> MessageRecord {
        try await base.appendMessage(mailboxID: mailboxID, message)
    }
    func messages(mailboxID: MailboxID) async throws -> [MessageRecord] { try await base.messages(mailboxID: mailboxID) }
    func messages(mailboxID: MailboxID, uids: [MessageUID]) async throws -> [MessageRecord] {
        try await base.messages(mailboxID: mailboxID, uids: uids)
    }
    func messageLayouts(mailboxID: MailboxID, uids: [MessageUID], cachedHeaderFields: Bool) async throws
        -> [MessageLayout] {
        try await base.messageLayouts(mailboxID: mailboxID, uids: uids, cachedHeaderFields: cachedHeaderFields)
    }
    func messageEnvelopes(mailboxID: MailboxID, uids: [MessageUID],
                          parts: MessageEnvelope.Parts) async throws -> [MessageEnvelope] {
        try await base.messageEnvelopes(mailboxID: mailboxID, uids: uids, parts: parts)
    }
    func messageSummaries(mailboxID: MailboxID) async throws -> [MessageSummary] {
        try await base.messageSummaries(mailboxID: mailboxID)
    }
    func messageSummaries(mailboxID: MailboxID, uids: [MessageUID]) async throws -> [MessageSummary] {
        try await base.messageSummaries(mailboxID: mailboxID, uids: uids)
    }
    func message(mailboxID: MailboxID, uid: MessageUID) async throws -> MessageRecord? {
        try await base.message(mailboxID: mailboxID, uid: uid)
    }
    func messageBody(mailboxID: MailboxID, uid: MessageUID) async throws -> [UInt8] {
        try await base.messageBody(mailboxID: mailboxID, uid: uid)
    }
    func appendMessages(mailboxID: MailboxID, _ messages: [NewMessage]) async throws -> [MessageRecord] {
        try await base.appendMessages(mailboxID: mailboxID, messages)
    }
    func deliverMessage(_ message: NewMessage, to mailboxIDs: [MailboxID]) async throws -> [MessageRecord] {
        try await base.deliverMessage(message, to: mailboxIDs)
    }
    func appendMessages(mailboxID: MailboxID, spooled messages: [SpooledMessage]) async throws
        -> [MessageRecord] {
        return try await base.appendMessages(mailboxID: mailboxID, spooled: messages)
    }
    func deliverMessage(spooled spool: SpoolFile, internalDate: Date, to mailboxIDs: [MailboxID]) async throws
        -> [MessageRecord] {
        try await base.deliverMessage(spooled: spool, internalDate: internalDate, to: mailboxIDs)
    }
    func messageBodies(mailboxID: MailboxID, ranges: [BodyRange]) async throws -> [[UInt8]?] {
        try await base.messageBodies(mailboxID: mailboxID, ranges: ranges)
    }
    func messageBody(mailboxID: MailboxID, uid: MessageUID, offset: Int, length: Int) async throws -> [UInt8] {
        try await base.messageBody(mailboxID: mailboxID, uid: uid, offset: offset, length: length)
    }
    func makeSpoolFile(maximumSize: Int?) throws -> SpoolFile { try base.makeSpoolFile(maximumSize: maximumSize) }
    func updateFlags(mailboxID: MailboxID, uids: [MessageUID], operation: FlagOperation, flags: MessageFlags,
                     keywords: [String], unchangedSince: ModSeq?) async throws -> FlagUpdateResult {
        try await base.updateFlags(mailboxID: mailboxID, uids: uids, operation: operation, flags: flags,
                                   keywords: keywords, unchangedSince: unchangedSince)
    }
    func expunge(mailboxID: MailboxID, uids: [MessageUID]) async throws -> [MessageUID] {
        try await base.expunge(mailboxID: mailboxID, uids: uids)
    }
    func expungeDeleted(mailboxID: MailboxID, uids: [MessageUID]?) async throws -> [MessageUID] {
        try await base.expungeDeleted(mailboxID: mailboxID, uids: uids)
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

    func enqueueOutbound(_ draft: OutboundMessageDraft) async throws -> QueuedMessage {
        try await base.enqueueOutbound(draft)
    }
    func enqueueOutbound(_ draft: OutboundMessageDraft, spooled spool: SpoolFile) async throws -> QueuedMessage {
        try await base.enqueueOutbound(draft, spooled: spool)
    }
    func deliverAndEnqueue(spooled spool: SpoolFile, internalDate: Date, to mailboxIDs: [MailboxID],
                           outbound draft: OutboundMessageDraft, spooled outboundSpool: SpoolFile) async throws
        -> DeliveryAndQueueResult {
        try await base.deliverAndEnqueue(spooled: spool, internalDate: internalDate, to: mailboxIDs,
                                         outbound: draft, spooled: outboundSpool)
    }
    func queuedMessages() async throws -> [QueuedMessage] { try await base.queuedMessages() }
    func pendingRecipientCount() async throws -> Int { try await base.pendingRecipientCount() }
    func queuedMessage(id: String) async throws -> QueuedMessage? { try await base.queuedMessage(id: id) }
    func queuedMessageBody(id: String) async throws -> [UInt8] { try await base.queuedMessageBody(id: id) }
    func dueRecipients(now: Date, limit: Int) async throws -> [(QueuedMessage, [QueuedRecipient])] {
        try await base.dueRecipients(now: now, limit: limit)
    }
    func claimRecipients(queueID: String, addresses: [String], now: Date) async throws -> [String] {
        try await base.claimRecipients(queueID: queueID, addresses: addresses, now: now)
    }
    func updateRecipients(queueID: String, _ updates: [RecipientUpdate]) async throws {
        try await base.updateRecipients(queueID: queueID, updates)
    }
    func updateRecipient(queueID: String, address: String, state: QueuedRecipientState, lastError: String?,
                         nextAttemptAt: Date?) async throws {
        try await base.updateRecipient(queueID: queueID, address: address, state: state, lastError: lastError,
                                       nextAttemptAt: nextAttemptAt)
    }
    func retryNow(queueID: String) async throws { try await base.retryNow(queueID: queueID) }
    func requeueInterruptedDeliveries() async throws -> Int { try await base.requeueInterruptedDeliveries() }
    func deleteQueuedMessage(id: String) async throws { try await base.deleteQueuedMessage(id: id) }
    func removeFinishedQueuedMessages() async throws -> [String] { try await base.removeFinishedQueuedMessages() }
    func backup(to directory: String) async throws -> StoreBackupSummary { try await base.backup(to: directory) }
    func check(repair: Bool) async throws -> StoreCheckReport { try await base.check(repair: repair) }
    func close() async throws { try await base.close() }
}
