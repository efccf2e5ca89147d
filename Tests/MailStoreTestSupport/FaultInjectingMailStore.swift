import Foundation
import MailCore
import MailStore
import Synchronization

/// A test double that forwards every `MailStore` call to a real store and
/// injects faults: the `failWrite`-th write call (1-based, counted over
/// every method that changes data) and every later one fail with `error`
/// before reaching the store, so nothing of them is stored; with
/// `failReads` set, reads fail the same way. `temporarilyUnavailable` by
/// default: the store is busy or its disk full.
///
/// Every protocol method is implemented here by forwarding, none is left
/// to a default, so the double is a complete store.
public final class FaultInjectingMailStore: MailStore {
    public let base: any MailStore
    public let error: MailStoreError
    private struct State {
        var writes = 0
        var failWrite: Int?
        var failReads = false
        var failedCalls: [String] = []
    }
    private let state: Mutex<State>

    public init(base: any MailStore, failWrite: Int? = nil, failReads: Bool = false,
                error: MailStoreError = .temporarilyUnavailable("injected fault (test)")) {
        self.base = base
        self.error = error
        state = Mutex(State(failWrite: failWrite, failReads: failReads))
    }

    /// Fails the `n`-th write from now on (nil: none).
    public func failWrite(_ n: Int?) {
        state.withLock { state in
            state.writes = 0
            state.failWrite = n
        }
    }

    public func failReads(_ fail: Bool) { state.withLock { $0.failReads = fail } }

    /// The write calls made so far (failed or not) since the last `failWrite`.
    public var writeCount: Int { state.withLock { $0.writes } }
    /// The names of the calls that failed, in order.
    public var failedCalls: [String] { state.withLock { $0.failedCalls } }

    private func write(_ name: String) throws {
        let fail = state.withLock { state in
            state.writes += 1
            let fail = state.failWrite.map { state.writes >= $0 } ?? false
            if fail { state.failedCalls.append(name) }
            return fail
        }
        if fail { throw error }
    }

    private func read(_ name: String) throws {
        let fail = state.withLock { state in
            if state.failReads { state.failedCalls.append(name) }
            return state.failReads
        }
        if fail { throw error }
    }

    // MARK: Domains, accounts, aliases

    public func addDomain(_ name: String) async throws {
        try write("addDomain"); try await base.addDomain(name)
    }
    public func removeDomain(_ name: String) async throws {
        try write("removeDomain"); try await base.removeDomain(name)
    }
    public func domains() async throws -> [MailDomain] { try read("domains"); return try await base.domains() }
    public func domainExists(_ name: String) async throws -> Bool {
        try read("domainExists"); return try await base.domainExists(name)
    }
    public func createAccount(address: String, passwordHash: String) async throws -> Account {
        try write("createAccount"); return try await base.createAccount(address: address, passwordHash: passwordHash)
    }
    public func account(address: String) async throws -> Account? {
        try read("account"); return try await base.account(address: address)
    }
    public func account(id: AccountID) async throws -> Account? {
        try read("account"); return try await base.account(id: id)
    }
    public func accounts() async throws -> [Account] { try read("accounts"); return try await base.accounts() }
    public func setPasswordHash(accountID: AccountID, passwordHash: String) async throws {
        try write("setPasswordHash"); try await base.setPasswordHash(accountID: accountID, passwordHash: passwordHash)
    }
    public func deleteAccount(id: AccountID) async throws {
        try write("deleteAccount"); try await base.deleteAccount(id: id)
    }
    public func setAccountDisabled(accountID: AccountID, _ disabled: Bool) async throws {
        try write("setAccountDisabled"); try await base.setAccountDisabled(accountID: accountID, disabled)
    }
    public func renameAccount(id: AccountID, to newAddress: String) async throws -> Account {
        try write("renameAccount"); return try await base.renameAccount(id: id, to: newAddress)
    }
    public func addAlias(_ alias: Alias) async throws { try write("addAlias"); try await base.addAlias(alias) }
    public func removeAlias(source: String) async throws {
        try write("removeAlias"); try await base.removeAlias(source: source)
    }
    public func aliases() async throws -> [Alias] { try read("aliases"); return try await base.aliases() }
    public func alias(source: String) async throws -> Alias? {
        try read("alias"); return try await base.alias(source: source)
    }

    // MARK: Mailboxes and subscriptions

    public func mailboxes(accountID: AccountID) async throws -> [Mailbox] {
        try read("mailboxes"); return try await base.mailboxes(accountID: accountID)
    }
    public func mailbox(accountID: AccountID, name: String) async throws -> Mailbox? {
        try read("mailbox"); return try await base.mailbox(accountID: accountID, name: name)
    }
    public func mailboxStatus(id: MailboxID) async throws -> MailboxStatus {
        try read("mailboxStatus"); return try await base.mailboxStatus(id: id)
    }
    public func mailboxStatuses(accountID: AccountID) async throws -> [MailboxID: MailboxStatus] {
        try read("mailboxStatuses"); return try await base.mailboxStatuses(accountID: accountID)
    }
    public func quota(accountID: AccountID) async throws -> AccountQuota {
        try read("quota"); return try await base.quota(accountID: accountID)
    }
    public func quotas() async throws -> [AccountQuota] { try read("quotas"); return try await base.quotas() }
    public func setQuota(accountID: AccountID, _ setting: AccountQuota.Setting) async throws {
        try write("setQuota"); try await base.setQuota(accountID: accountID, setting)
    }
    public func setDefaultQuota(_ limits: QuotaLimits) async throws {
        try write("setDefaultQuota"); try await base.setDefaultQuota(limits)
    }
    public func defaultQuota() async throws -> QuotaLimits { try read("defaultQuota"); return try await base.defaultQuota() }
    public func setDomainQuota(domain: String, _ limits: QuotaLimits) async throws {
        try write("setDomainQuota"); try await base.setDomainQuota(domain: domain, limits)
    }
    public func metadata(accountID: AccountID, mailboxID: MailboxID?) async throws -> [MetadataEntry] {
        try read("metadata"); return try await base.metadata(accountID: accountID, mailboxID: mailboxID)
    }
    public func setMetadata(accountID: AccountID, mailboxID: MailboxID?, _ changes: [MetadataChange],
                            limits: MetadataLimits) async throws {
        try write("setMetadata")
        try await base.setMetadata(accountID: accountID, mailboxID: mailboxID, changes, limits: limits)
    }
    public func deletedStorage(mailboxID: MailboxID) async throws -> Int64 {
        try read("deletedStorage"); return try await base.deletedStorage(mailboxID: mailboxID)
    }
    public func replaceMessage(mailboxID: MailboxID, uid: MessageUID, with message: SpooledMessage,
                               into: MailboxID) async throws -> MessageRecord {
        try write("replaceMessage"); return try await base.replaceMessage(mailboxID: mailboxID, uid: uid, with: message, into: into)
    }
    public func indexForFullTextSearch(after position: Int64, limit: Int) async throws -> Int64? {
        try write("indexForFullTextSearch"); return try await base.indexForFullTextSearch(after: position, limit: limit)
    }
    public func searchCandidates(mailboxID: MailboxID, field: FullTextField, needle: [UInt8]) async throws
        -> Set<MessageUID>? {
        try read("searchCandidates")
        return try await base.searchCandidates(mailboxID: mailboxID, field: field, needle: needle)
    }
    public func recentMessages(mailboxID: MailboxID, claim: Bool) async throws -> RecentMessages {
        if claim { try write("recentMessages") } else { try read("recentMessages") }
        return try await base.recentMessages(mailboxID: mailboxID, claim: claim)
    }
    public func mailbox(id: MailboxID) async throws -> Mailbox? {
        try read("mailbox"); return try await base.mailbox(id: id)
    }
    public func createMailbox(accountID: AccountID, name: String, specialUse: SpecialUse?) async throws -> Mailbox {
        try write("createMailbox")
        return try await base.createMailbox(accountID: accountID, name: name, specialUse: specialUse)
    }
    public func deleteMailbox(id: MailboxID) async throws {
        try write("deleteMailbox"); try await base.deleteMailbox(id: id)
    }
    public func renameMailbox(id: MailboxID, to newName: String) async throws {
        try write("renameMailbox"); try await base.renameMailbox(id: id, to: newName)
    }
    public func setSubscribed(mailboxID: MailboxID, _ subscribed: Bool) async throws {
        try write("setSubscribed"); try await base.setSubscribed(mailboxID: mailboxID, subscribed)
    }
    public func subscriptions(accountID: AccountID) async throws -> [String] {
        try read("subscriptions"); return try await base.subscriptions(accountID: accountID)
    }
    public func subscribe(accountID: AccountID, name: String) async throws {
        try write("subscribe"); try await base.subscribe(accountID: accountID, name: name)
    }
    public func unsubscribe(accountID: AccountID, name: String) async throws -> Bool {
        try write("unsubscribe"); return try await base.unsubscribe(accountID: accountID, name: name)
    }

    // MARK: Messages

    public func appendMessage(mailboxID: MailboxID, _ message: NewMessage) async throws -> MessageRecord {
        try write("appendMessage"); return try await base.appendMessage(mailboxID: mailboxID, message)
    }
    public func appendMessages(mailboxID: MailboxID, _ messages: [NewMessage]) async throws -> [MessageRecord] {
        try write("appendMessages"); return try await base.appendMessages(mailboxID: mailboxID, messages)
    }
    public func deliverMessage(_ message: NewMessage, to mailboxIDs: [MailboxID]) async throws -> [MessageRecord] {
        try write("deliverMessage"); return try await base.deliverMessage(message, to: mailboxIDs)
    }
    public func appendMessages(mailboxID: MailboxID, spooled messages: [SpooledMessage]) async throws
        -> [MessageRecord] {
        try write("appendMessages")
        return try await base.appendMessages(mailboxID: mailboxID, spooled: messages)
    }
    public func deliverMessage(spooled spool: SpoolFile, internalDate: Date, to mailboxIDs: [MailboxID]) async throws
        -> [MessageRecord] {
        try write("deliverMessage")
        return try await base.deliverMessage(spooled: spool, internalDate: internalDate, to: mailboxIDs)
    }
    public func messageBodies(mailboxID: MailboxID, ranges: [BodyRange]) async throws -> [[UInt8]?] {
        try read("messageBodies")
        return try await base.messageBodies(mailboxID: mailboxID, ranges: ranges)
    }
    public func messageBody(mailboxID: MailboxID, uid: MessageUID, offset: Int, length: Int) async throws
        -> [UInt8] {
        try read("messageBody")
        return try await base.messageBody(mailboxID: mailboxID, uid: uid, offset: offset, length: length)
    }
    public func makeSpoolFile(maximumSize: Int?) throws -> SpoolFile {
        try base.makeSpoolFile(maximumSize: maximumSize)
    }
    public func messages(mailboxID: MailboxID) async throws -> [MessageRecord] {
        try read("messages"); return try await base.messages(mailboxID: mailboxID)
    }
    public func messages(mailboxID: MailboxID, uids: [MessageUID]) async throws -> [MessageRecord] {
        try read("messagesByUID"); return try await base.messages(mailboxID: mailboxID, uids: uids)
    }
    public func messageSortKeys(mailboxID: MailboxID, uids: [MessageUID], keys: Set<SortKey>) async throws
        -> [MessageSortRow] {
        try read("messageSortKeys")
        return try await base.messageSortKeys(mailboxID: mailboxID, uids: uids, keys: keys)
    }
    public func messageLayouts(mailboxID: MailboxID, uids: [MessageUID], cachedHeaderFields: Bool) async throws
        -> [MessageLayout] {
        try read("messageLayouts")
        return try await base.messageLayouts(mailboxID: mailboxID, uids: uids, cachedHeaderFields: cachedHeaderFields)
    }
    public func messageEnvelopes(mailboxID: MailboxID, uids: [MessageUID],
                          parts: MessageEnvelope.Parts) async throws -> [MessageEnvelope] {
        try read("messageEnvelopes"); return try await base.messageEnvelopes(mailboxID: mailboxID, uids: uids, parts: parts)
    }
    public func messageSummaries(mailboxID: MailboxID) async throws -> [MessageSummary] {
        try read("messageSummaries"); return try await base.messageSummaries(mailboxID: mailboxID)
    }
    public func messageSummaries(mailboxID: MailboxID, uids: [MessageUID]) async throws -> [MessageSummary] {
        try read("messageSummariesByUID"); return try await base.messageSummaries(mailboxID: mailboxID, uids: uids)
    }
    public func message(mailboxID: MailboxID, uid: MessageUID) async throws -> MessageRecord? {
        try read("message"); return try await base.message(mailboxID: mailboxID, uid: uid)
    }
    public func messageBody(mailboxID: MailboxID, uid: MessageUID) async throws -> [UInt8] {
        try read("messageBody"); return try await base.messageBody(mailboxID: mailboxID, uid: uid)
    }
    public func updateFlags(mailboxID: MailboxID, uids: [MessageUID], operation: FlagOperation, flags: MessageFlags,
                            keywords: [String], unchangedSince: ModSeq?) async throws -> FlagUpdateResult {
        try write("updateFlags")
        return try await base.updateFlags(mailboxID: mailboxID, uids: uids, operation: operation, flags: flags,
                                          keywords: keywords, unchangedSince: unchangedSince)
    }
    public func expunge(mailboxID: MailboxID, uids: [MessageUID]) async throws -> [MessageUID] {
        try write("expunge"); return try await base.expunge(mailboxID: mailboxID, uids: uids)
    }
    public func expungeDeleted(mailboxID: MailboxID, uids: [MessageUID]?) async throws -> [MessageUID] {
        try write("expungeDeleted"); return try await base.expungeDeleted(mailboxID: mailboxID, uids: uids)
    }
    public func copyMessages(from source: MailboxID, uids: [MessageUID], to destination: MailboxID) async throws
        -> [(MessageUID, MessageUID)] {
        try write("copyMessages"); return try await base.copyMessages(from: source, uids: uids, to: destination)
    }
    public func moveMessages(from source: MailboxID, uids: [MessageUID], to destination: MailboxID) async throws
        -> [(MessageUID, MessageUID)] {
        try write("moveMessages"); return try await base.moveMessages(from: source, uids: uids, to: destination)
    }
    public func containsMessage(mailboxID: MailboxID, contentHash: String) async throws -> Bool {
        try read("containsMessage"); return try await base.containsMessage(mailboxID: mailboxID, contentHash: contentHash)
    }
    public func changes(mailboxID: MailboxID, after modSeq: ModSeq) async throws -> [MailboxChange] {
        try read("changes"); return try await base.changes(mailboxID: mailboxID, after: modSeq)
    }
    public func changeNotifications(mailboxID: MailboxID) -> AsyncStream<Void> {
        base.changeNotifications(mailboxID: mailboxID)
    }

    // MARK: Outbound queue

    public func enqueueOutbound(_ draft: OutboundMessageDraft) async throws -> QueuedMessage {
        try write("enqueueOutbound"); return try await base.enqueueOutbound(draft)
    }
    public func enqueueOutbound(_ draft: OutboundMessageDraft, spooled spool: SpoolFile) async throws
        -> QueuedMessage {
        try write("enqueueOutbound"); return try await base.enqueueOutbound(draft, spooled: spool)
    }
    public func deliverAndEnqueue(spooled spool: SpoolFile, internalDate: Date, to mailboxIDs: [MailboxID],
                                  outbound draft: OutboundMessageDraft, spooled outboundSpool: SpoolFile)
        async throws -> DeliveryAndQueueResult {
        try write("deliverAndEnqueue")
        return try await base.deliverAndEnqueue(spooled: spool, internalDate: internalDate, to: mailboxIDs,
                                                outbound: draft, spooled: outboundSpool)
    }
    public func pendingRecipientCount() async throws -> Int {
        try read("pendingRecipientCount"); return try await base.pendingRecipientCount()
    }
    public func queuedMessages() async throws -> [QueuedMessage] {
        try read("queuedMessages"); return try await base.queuedMessages()
    }
    public func queuedMessage(id: String) async throws -> QueuedMessage? {
        try read("queuedMessage"); return try await base.queuedMessage(id: id)
    }
    public func queuedMessageBody(id: String) async throws -> [UInt8] {
        try read("queuedMessageBody"); return try await base.queuedMessageBody(id: id)
    }
    public func dueRecipients(now: Date, limit: Int) async throws -> [(QueuedMessage, [QueuedRecipient])] {
        try read("dueRecipients"); return try await base.dueRecipients(now: now, limit: limit)
    }
    public func claimRecipients(queueID: String, addresses: [String], now: Date) async throws -> [String] {
        try write("claimRecipients"); return try await base.claimRecipients(queueID: queueID, addresses: addresses, now: now)
    }
    public func updateRecipient(queueID: String, address: String, state: QueuedRecipientState, lastError: String?,
                                nextAttemptAt: Date?) async throws {
        try write("updateRecipient")
        try await base.updateRecipient(queueID: queueID, address: address, state: state, lastError: lastError,
                                       nextAttemptAt: nextAttemptAt)
    }
    public func updateRecipients(queueID: String, _ updates: [RecipientUpdate]) async throws {
        try write("updateRecipients"); try await base.updateRecipients(queueID: queueID, updates)
    }
    public func retryNow(queueID: String) async throws { try write("retryNow"); try await base.retryNow(queueID: queueID) }
    public func requeueInterruptedDeliveries() async throws -> Int {
        try write("requeueInterruptedDeliveries"); return try await base.requeueInterruptedDeliveries()
    }
    public func deleteQueuedMessage(id: String) async throws {
        try write("deleteQueuedMessage"); try await base.deleteQueuedMessage(id: id)
    }
    public func removeFinishedQueuedMessages() async throws -> [String] {
        try write("removeFinishedQueuedMessages"); return try await base.removeFinishedQueuedMessages()
    }

    public func backup(to directory: String) async throws -> StoreBackupSummary {
        try read("backup")
        return try await base.backup(to: directory)
    }
    public func check(repair: Bool) async throws -> StoreCheckReport {
        if repair { try write("check") } else { try read("check") }
        return try await base.check(repair: repair)
    }
    public func close() async throws { try await base.close() }
}
