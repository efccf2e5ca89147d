import Foundation
import MailCore
import MailStore

/// A store that passes every call to `base`; a test double overrides the
/// calls it changes (counting, spying, failing). Every `MailStore` method
/// is here, once for all test targets: the protocol has no default
/// implementations, so a new store method is added here and nowhere else
/// unless a double changes it.
public protocol ForwardingMailStore: MailStore {
    var base: any MailStore { get }
}

extension ForwardingMailStore {
    public func addDomain(_ name: String) async throws { try await base.addDomain(name) }
    public func removeDomain(_ name: String) async throws { try await base.removeDomain(name) }
    public func domains() async throws -> [MailDomain] { try await base.domains() }
    public func domainExists(_ name: String) async throws -> Bool { try await base.domainExists(name) }
    public func createAccount(address: String, passwordHash: String) async throws -> Account {
        try await base.createAccount(address: address, passwordHash: passwordHash)
    }
    public func account(address: String) async throws -> Account? { try await base.account(address: address) }
    public func account(id: AccountID) async throws -> Account? { try await base.account(id: id) }
    public func accounts() async throws -> [Account] { try await base.accounts() }
    public func setPasswordHash(accountID: AccountID, passwordHash: String) async throws {
        try await base.setPasswordHash(accountID: accountID, passwordHash: passwordHash)
    }
    public func deleteAccount(id: AccountID) async throws { try await base.deleteAccount(id: id) }
    public func setAccountDisabled(accountID: AccountID, _ disabled: Bool) async throws {
        try await base.setAccountDisabled(accountID: accountID, disabled)
    }
    public func renameAccount(id: AccountID, to newAddress: String) async throws -> Account {
        try await base.renameAccount(id: id, to: newAddress)
    }
    public func addAlias(_ alias: Alias) async throws { try await base.addAlias(alias) }
    public func removeAlias(source: String) async throws { try await base.removeAlias(source: source) }
    public func aliases() async throws -> [Alias] { try await base.aliases() }
    public func alias(source: String) async throws -> Alias? { try await base.alias(source: source) }
    public func mailboxes(accountID: AccountID) async throws -> [Mailbox] { try await base.mailboxes(accountID: accountID) }
    public func mailbox(accountID: AccountID, name: String) async throws -> Mailbox? {
        try await base.mailbox(accountID: accountID, name: name)
    }
    public func mailbox(id: MailboxID) async throws -> Mailbox? { try await base.mailbox(id: id) }
    public func mailboxStatus(id: MailboxID) async throws -> MailboxStatus { try await base.mailboxStatus(id: id) }
    public func mailboxStatuses(accountID: AccountID) async throws -> [MailboxID: MailboxStatus] {
        try await base.mailboxStatuses(accountID: accountID)
    }
    public func recentMessages(mailboxID: MailboxID, claim: Bool) async throws -> RecentMessages {
        try await base.recentMessages(mailboxID: mailboxID, claim: claim)
    }
    public func quota(accountID: AccountID) async throws -> AccountQuota { try await base.quota(accountID: accountID) }
    public func quotas() async throws -> [AccountQuota] { try await base.quotas() }
    public func setQuota(accountID: AccountID, _ setting: AccountQuota.Setting) async throws {
        try await base.setQuota(accountID: accountID, setting)
    }
    public func setDefaultQuota(_ limits: QuotaLimits) async throws { try await base.setDefaultQuota(limits) }
    public func defaultQuota() async throws -> QuotaLimits { try await base.defaultQuota() }
    public func setDomainQuota(domain: String, _ limits: QuotaLimits) async throws {
        try await base.setDomainQuota(domain: domain, limits)
    }
    public func metadata(accountID: AccountID, mailboxID: MailboxID?) async throws -> [MetadataEntry] {
        try await base.metadata(accountID: accountID, mailboxID: mailboxID)
    }
    public func setMetadata(accountID: AccountID, mailboxID: MailboxID?, _ changes: [MetadataChange],
                            limits: MetadataLimits) async throws {
        try await base.setMetadata(accountID: accountID, mailboxID: mailboxID, changes, limits: limits)
    }
    public func deletedStorage(mailboxID: MailboxID) async throws -> Int64 {
        try await base.deletedStorage(mailboxID: mailboxID)
    }
    public func replaceMessage(mailboxID: MailboxID, uid: MessageUID, with message: SpooledMessage,
                               into: MailboxID) async throws -> MessageRecord {
        try await base.replaceMessage(mailboxID: mailboxID, uid: uid, with: message, into: into)
    }
    public func indexForFullTextSearch(after position: Int64, limit: Int) async throws -> Int64? {
        try await base.indexForFullTextSearch(after: position, limit: limit)
    }
    public func searchCandidates(mailboxID: MailboxID, field: FullTextField, needle: [UInt8]) async throws
        -> Set<MessageUID>? {
        try await base.searchCandidates(mailboxID: mailboxID, field: field, needle: needle)
    }
    public func createMailbox(accountID: AccountID, name: String, specialUse: SpecialUse?) async throws -> Mailbox {
        try await base.createMailbox(accountID: accountID, name: name, specialUse: specialUse)
    }
    public func deleteMailbox(id: MailboxID) async throws { try await base.deleteMailbox(id: id) }
    public func renameMailbox(id: MailboxID, to newName: String) async throws {
        try await base.renameMailbox(id: id, to: newName)
    }
    public func setSubscribed(mailboxID: MailboxID, _ subscribed: Bool) async throws {
        try await base.setSubscribed(mailboxID: mailboxID, subscribed)
    }
    public func subscriptions(accountID: AccountID) async throws -> [String] {
        try await base.subscriptions(accountID: accountID)
    }
    public func subscribe(accountID: AccountID, name: String) async throws {
        try await base.subscribe(accountID: accountID, name: name)
    }
    @discardableResult
    public func unsubscribe(accountID: AccountID, name: String) async throws -> Bool {
        try await base.unsubscribe(accountID: accountID, name: name)
    }
    public func appendMessage(mailboxID: MailboxID, _ message: NewMessage) async throws -> MessageRecord {
        try await base.appendMessage(mailboxID: mailboxID, message)
    }
    public func messages(mailboxID: MailboxID) async throws -> [MessageRecord] { try await base.messages(mailboxID: mailboxID) }
    public func messages(mailboxID: MailboxID, uids: [MessageUID]) async throws -> [MessageRecord] {
        try await base.messages(mailboxID: mailboxID, uids: uids)
    }
    public func messageSortKeys(mailboxID: MailboxID, uids: [MessageUID], keys: Set<SortKey>) async throws
        -> [MessageSortRow] {
        try await base.messageSortKeys(mailboxID: mailboxID, uids: uids, keys: keys)
    }
    public func messageLayouts(mailboxID: MailboxID, uids: [MessageUID], cachedHeaderFields: Bool) async throws
        -> [MessageLayout] {
        try await base.messageLayouts(mailboxID: mailboxID, uids: uids, cachedHeaderFields: cachedHeaderFields)
    }
    public func messageEnvelopes(mailboxID: MailboxID, uids: [MessageUID],
                          parts: MessageEnvelope.Parts) async throws -> [MessageEnvelope] {
        try await base.messageEnvelopes(mailboxID: mailboxID, uids: uids, parts: parts)
    }
    public func messageSummaries(mailboxID: MailboxID) async throws -> [MessageSummary] {
        try await base.messageSummaries(mailboxID: mailboxID)
    }
    public func messageSummaries(mailboxID: MailboxID, uids: [MessageUID]) async throws -> [MessageSummary] {
        try await base.messageSummaries(mailboxID: mailboxID, uids: uids)
    }
    public func message(mailboxID: MailboxID, uid: MessageUID) async throws -> MessageRecord? {
        try await base.message(mailboxID: mailboxID, uid: uid)
    }
    public func messageBody(mailboxID: MailboxID, uid: MessageUID) async throws -> [UInt8] {
        try await base.messageBody(mailboxID: mailboxID, uid: uid)
    }
    public func appendMessages(mailboxID: MailboxID, _ messages: [NewMessage]) async throws -> [MessageRecord] {
        try await base.appendMessages(mailboxID: mailboxID, messages)
    }
    public func deliverMessage(_ message: NewMessage, to mailboxIDs: [MailboxID]) async throws -> [MessageRecord] {
        try await base.deliverMessage(message, to: mailboxIDs)
    }
    public func appendMessages(mailboxID: MailboxID, spooled messages: [SpooledMessage]) async throws
        -> [MessageRecord] {
        return try await base.appendMessages(mailboxID: mailboxID, spooled: messages)
    }
    public func deliverMessage(spooled spool: SpoolFile, internalDate: Date, to mailboxIDs: [MailboxID]) async throws
        -> [MessageRecord] {
        try await base.deliverMessage(spooled: spool, internalDate: internalDate, to: mailboxIDs)
    }
    public func messageBodies(mailboxID: MailboxID, ranges: [BodyRange]) async throws -> [[UInt8]?] {
        try await base.messageBodies(mailboxID: mailboxID, ranges: ranges)
    }
    public func messageBody(mailboxID: MailboxID, uid: MessageUID, offset: Int, length: Int) async throws -> [UInt8] {
        try await base.messageBody(mailboxID: mailboxID, uid: uid, offset: offset, length: length)
    }
    public func makeSpoolFile(maximumSize: Int?) throws -> SpoolFile { try base.makeSpoolFile(maximumSize: maximumSize) }
    public func updateFlags(mailboxID: MailboxID, uids: [MessageUID], operation: FlagOperation, flags: MessageFlags,
                     keywords: [String], unchangedSince: ModSeq?) async throws -> FlagUpdateResult {
        try await base.updateFlags(mailboxID: mailboxID, uids: uids, operation: operation, flags: flags,
                                   keywords: keywords, unchangedSince: unchangedSince)
    }
    public func expunge(mailboxID: MailboxID, uids: [MessageUID]) async throws -> [MessageUID] {
        try await base.expunge(mailboxID: mailboxID, uids: uids)
    }
    public func expungeDeleted(mailboxID: MailboxID, uids: [MessageUID]?) async throws -> [MessageUID] {
        try await base.expungeDeleted(mailboxID: mailboxID, uids: uids)
    }
    public func copyMessages(from source: MailboxID, uids: [MessageUID], to destination: MailboxID) async throws
        -> [(MessageUID, MessageUID)] {
        try await base.copyMessages(from: source, uids: uids, to: destination)
    }
    public func moveMessages(from source: MailboxID, uids: [MessageUID], to destination: MailboxID) async throws
        -> [(MessageUID, MessageUID)] {
        try await base.moveMessages(from: source, uids: uids, to: destination)
    }
    public func containsMessage(mailboxID: MailboxID, contentHash: String) async throws -> Bool {
        try await base.containsMessage(mailboxID: mailboxID, contentHash: contentHash)
    }
    public func changes(mailboxID: MailboxID, after modSeq: ModSeq) async throws -> [MailboxChange] {
        try await base.changes(mailboxID: mailboxID, after: modSeq)
    }
    public func changeNotifications(mailboxID: MailboxID) -> AsyncStream<Void> {
        base.changeNotifications(mailboxID: mailboxID)
    }

    public func enqueueOutbound(_ draft: OutboundMessageDraft) async throws -> QueuedMessage {
        try await base.enqueueOutbound(draft)
    }
    public func enqueueOutbound(_ draft: OutboundMessageDraft, spooled spool: SpoolFile) async throws -> QueuedMessage {
        try await base.enqueueOutbound(draft, spooled: spool)
    }
    public func deliverAndEnqueue(spooled spool: SpoolFile, internalDate: Date, to mailboxIDs: [MailboxID],
                           outbound draft: OutboundMessageDraft, spooled outboundSpool: SpoolFile) async throws
        -> DeliveryAndQueueResult {
        try await base.deliverAndEnqueue(spooled: spool, internalDate: internalDate, to: mailboxIDs,
                                         outbound: draft, spooled: outboundSpool)
    }
    public func queuedMessages() async throws -> [QueuedMessage] { try await base.queuedMessages() }
    public func pendingRecipientCount() async throws -> Int { try await base.pendingRecipientCount() }
    public func queuedMessage(id: String) async throws -> QueuedMessage? { try await base.queuedMessage(id: id) }
    public func queuedMessageBody(id: String) async throws -> [UInt8] { try await base.queuedMessageBody(id: id) }
    public func dueRecipients(now: Date, limit: Int) async throws -> [(QueuedMessage, [QueuedRecipient])] {
        try await base.dueRecipients(now: now, limit: limit)
    }
    public func claimRecipients(queueID: String, addresses: [String], now: Date) async throws -> [String] {
        try await base.claimRecipients(queueID: queueID, addresses: addresses, now: now)
    }
    public func updateRecipients(queueID: String, _ updates: [RecipientUpdate]) async throws {
        try await base.updateRecipients(queueID: queueID, updates)
    }
    public func updateRecipient(queueID: String, address: String, state: QueuedRecipientState, lastError: String?,
                         nextAttemptAt: Date?) async throws {
        try await base.updateRecipient(queueID: queueID, address: address, state: state, lastError: lastError,
                                       nextAttemptAt: nextAttemptAt)
    }
    public func retryNow(queueID: String) async throws { try await base.retryNow(queueID: queueID) }
    public func requeueInterruptedDeliveries() async throws -> Int { try await base.requeueInterruptedDeliveries() }
    public func deleteQueuedMessage(id: String) async throws { try await base.deleteQueuedMessage(id: id) }
    public func removeFinishedQueuedMessages() async throws -> [String] { try await base.removeFinishedQueuedMessages() }
    public func backup(to directory: String) async throws -> StoreBackupSummary { try await base.backup(to: directory) }
    public func check(repair: Bool) async throws -> StoreCheckReport { try await base.check(repair: repair) }
    public func close() async throws { try await base.close() }
}
