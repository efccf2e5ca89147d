import Foundation
import MailCore
import MailStore
import MailStoreTestSupport
import Synchronization

/// A store that passes every call to `base` and counts the reads that cost
/// per message, so tests can check that a command reads only what it needs:
/// whole-mailbox record reads, records by UID, single records, bodies and
/// summaries.
final class ReadCountingStore: ForwardingMailStore {
    struct Counts: Equatable {
        /// `messages(mailboxID:)`: every record of a mailbox, with structures.
        var wholeMailboxRecords = 0
        /// UIDs asked for with `messages(mailboxID:uids:)`.
        var recordsByUID = 0
        /// `message(mailboxID:uid:)` calls.
        var singleRecords = 0
        /// Body reads, whole or ranged (each range of a `messageBodies` call).
        var bodies = 0
        /// Store calls that read bodies (one `messageBodies` call is one).
        var bodyCalls = 0
        /// Whole-body reads (`messageBody(mailboxID:uid:)`).
        var wholeBodies = 0
        /// Octets the body reads returned, whole and ranged.
        var bodyBytes = 0
        /// The largest `length` a ranged body read asked for.
        var largestRangedRead = 0
        /// UIDs asked for with `messageLayouts(mailboxID:uids:cachedHeaderFields:)`.
        var layoutsByUID = 0
        /// Of those, the UIDs asked for with their cached header fields.
        var cachedHeaderFieldsByUID = 0
        /// UIDs asked for with `messageEnvelopes(mailboxID:uids:)`.
        var envelopesByUID = 0
        /// UIDs whose whole ENVELOPE (decoded from the structure) was asked for.
        var decodedEnvelopesByUID = 0
        /// `messageSummaries(mailboxID:)` calls.
        var wholeMailboxSummaries = 0
        /// UIDs asked for with `messageSummaries(mailboxID:uids:)`.
        var summariesByUID = 0
        var statuses = 0
    }

    let base: any MailStore
    private let state = Mutex(Counts())
    /// Ranged body reads still allowed before they fail (nil: no limit).
    private let rangedReadsLeft = Mutex<Int?>(nil)

    init(base: any MailStore) { self.base = base }

    var counts: Counts { state.withLock { $0 } }
    func reset() { state.withLock { $0 = Counts() } }
    /// Lets `n` more ranged body reads through, then fails every later
    /// one (a body file gone or unreadable midway); nil lifts the limit.
    func failRangedReads(after n: Int?) { rangedReadsLeft.withLock { $0 = n } }
    private func count(_ change: (inout Counts) -> Void) { state.withLock { change(&$0) } }

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
    func mailboxes(accountID: AccountID) async throws -> [Mailbox] { try await base.mailboxes(accountID: accountID) }
    func mailbox(accountID: AccountID, name: String) async throws -> Mailbox? {
        try await base.mailbox(accountID: accountID, name: name)
    }
    func mailboxStatus(id: MailboxID) async throws -> MailboxStatus {
        count { $0.statuses += 1 }
        return try await base.mailboxStatus(id: id)
    }
    func mailboxStatuses(accountID: AccountID) async throws -> [MailboxID: MailboxStatus] {
        count { $0.statuses += 1 }
        return try await base.mailboxStatuses(accountID: accountID)
    }
    func createMailbox(accountID: AccountID, name: String, specialUse: SpecialUse?) async throws -> Mailbox {
        try await base.createMailbox(accountID: accountID, name: name, specialUse: specialUse)
    }
    func subscriptions(accountID: AccountID) async throws -> [String] { try await base.subscriptions(accountID: accountID) }
    func subscribe(accountID: AccountID, name: String) async throws { try await base.subscribe(accountID: accountID, name: name) }
    func unsubscribe(accountID: AccountID, name: String) async throws -> Bool {
        try await base.unsubscribe(accountID: accountID, name: name)
    }
    func messages(mailboxID: MailboxID) async throws -> [MessageRecord] {
        count { $0.wholeMailboxRecords += 1 }
        return try await base.messages(mailboxID: mailboxID)
    }
    func messages(mailboxID: MailboxID, uids: [MessageUID]) async throws -> [MessageRecord] {
        count { $0.recordsByUID += uids.count }
        return try await base.messages(mailboxID: mailboxID, uids: uids)
    }
    func messageLayouts(mailboxID: MailboxID, uids: [MessageUID], cachedHeaderFields: Bool) async throws
        -> [MessageLayout] {
        count {
            $0.layoutsByUID += uids.count
            if cachedHeaderFields { $0.cachedHeaderFieldsByUID += uids.count }
        }
        return try await base.messageLayouts(mailboxID: mailboxID, uids: uids, cachedHeaderFields: cachedHeaderFields)
    }
    func messageEnvelopes(mailboxID: MailboxID, uids: [MessageUID],
                          parts: MessageEnvelope.Parts) async throws -> [MessageEnvelope] {
        count {
            $0.envelopesByUID += uids.count
            if parts.contains(.envelope) { $0.decodedEnvelopesByUID += uids.count }
        }
        return try await base.messageEnvelopes(mailboxID: mailboxID, uids: uids, parts: parts)
    }
    func messageSummaries(mailboxID: MailboxID) async throws -> [MessageSummary] {
        count { $0.wholeMailboxSummaries += 1 }
        return try await base.messageSummaries(mailboxID: mailboxID)
    }
    func messageSummaries(mailboxID: MailboxID, uids: [MessageUID]) async throws -> [MessageSummary] {
        count { $0.summariesByUID += uids.count }
        return try await base.messageSummaries(mailboxID: mailboxID, uids: uids)
    }
    func message(mailboxID: MailboxID, uid: MessageUID) async throws -> MessageRecord? {
        count { $0.singleRecords += 1 }
        return try await base.message(mailboxID: mailboxID, uid: uid)
    }
    func messageBody(mailboxID: MailboxID, uid: MessageUID) async throws -> [UInt8] {
        let body = try await base.messageBody(mailboxID: mailboxID, uid: uid)
        count { $0.bodies += 1; $0.bodyCalls += 1; $0.wholeBodies += 1; $0.bodyBytes += body.count }
        return body
    }
    func messageBodies(mailboxID: MailboxID, ranges: [BodyRange]) async throws -> [[UInt8]?] {
        count { counts in
            counts.bodyCalls += 1
            for range in ranges { counts.largestRangedRead = max(counts.largestRangedRead, range.length) }
        }
        let allowed = rangedReadsLeft.withLock { left in
            guard let remaining = left else { return true }
            left = remaining - ranges.count
            return remaining >= ranges.count
        }
        if !allowed { throw MailStoreError.storageFailure("injected ranged read failure (test)") }
        let parts = try await base.messageBodies(mailboxID: mailboxID, ranges: ranges)
        count { counts in
            for part in parts {
                counts.bodies += 1
                counts.bodyBytes += part?.count ?? 0
            }
        }
        return parts
    }
    func messageBody(mailboxID: MailboxID, uid: MessageUID, offset: Int, length: Int) async throws -> [UInt8] {
        count { $0.largestRangedRead = max($0.largestRangedRead, length) }
        let allowed = rangedReadsLeft.withLock { left in
            guard let remaining = left else { return true }
            left = remaining - 1
            return remaining > 0
        }
        if !allowed { throw MailStoreError.storageFailure("injected ranged read failure (test)") }
        let bytes = try await base.messageBody(mailboxID: mailboxID, uid: uid, offset: offset, length: length)
        count { $0.bodies += 1; $0.bodyCalls += 1; $0.bodyBytes += bytes.count }
        return bytes
    }
}
