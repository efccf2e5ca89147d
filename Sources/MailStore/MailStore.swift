import Foundation
import MailCore

/// The only way protocol sessions and admin commands reach stored data.
///
/// The embedded implementation is `SQLiteMailStore` (GRDB + body files); a
/// PostgreSQL one comes later, so nothing outside this module may assume
/// SQLite. Every implementation keeps this contract, and the conformance
/// tests (Tests/MailStoreTests, run through a store factory) check it,
/// including with two store instances on the same data ("two nodes").
///
/// **Transactions.** Every write method is one transaction: it happens
/// entirely or not at all, and a check it makes (a MODSEQ for
/// UNCHANGEDSINCE, a `\Deleted` flag, a recipient's state) is made inside
/// that transaction, so no other writer can change the answer between the
/// check and the act. In particular `updateFlags(…unchangedSince:)`,
/// `expungeDeleted`, `appendMessages` (MULTIAPPEND), `deliverMessage`
/// (several accounts), `deliverAndEnqueue` (local copies and the queued
/// copy of one SMTP message), `moveMessages` and `claimRecipients` are each
/// one transaction. So is the quota check: a write that adds messages
/// (append, delivery, copy) and would leave an account or its domain over
/// a limit throws `overQuota` and stores nothing; a move changes no usage.
///
/// **Ordering.** Per mailbox, UIDs and MODSEQs are assigned in commit
/// order and become visible in that order: a reader that sees UID n (or
/// MODSEQ m) also sees every smaller one that will ever exist. UIDs are
/// never reused; MODSEQs only grow (RFC 9051 §2.3.1.1, RFC 7162 §3.1).
/// Every change (added, flags, expunged) takes the mailbox's next MODSEQ
/// and writes its change-log row in the same transaction, so `changes`
/// returns rows in MODSEQ order and a row is visible exactly when its
/// change is. Expunges stay as tombstones (QRESYNC's VANISHED needs them).
///
/// **Notifications** (`changeNotifications`) are sent only after the
/// commit, and are wake-ups only: a subscriber reads `changes` for what
/// changed. A missed wake-up costs latency, never correctness; another
/// instance on the same data sees the change within a second.
///
/// **Durability.** A write method returns only after its data is durable:
/// body files written and fsynced before the metadata transaction that
/// references them commits (SQLite `synchronous=FULL`). Concurrent writes
/// may share a commit (group commit), never skip one: each still returns
/// only after the commit that holds its changes. A failed call
/// leaves no row; a body file it wrote is removed (or swept at start-up).
/// Body files are immutable and shared by every copy (COPY, MOVE,
/// `deliverMessage`); a write with two body files (`deliverAndEnqueue`)
/// makes both durable before its one transaction and removes both if it fails.
///
/// **Idempotence.** Reads are. So are `setSubscribed`, `subscribe`,
/// `unsubscribe`, `setAccountDisabled`, `setPasswordHash`,
/// `updateFlags` with `.add`/`.remove`/`.replace` (a repeat changes
/// nothing and takes no MODSEQ), `expunge` and `expungeDeleted` (a UID
/// already gone is skipped), `retryNow`, `removeFinishedQueuedMessages`
/// and `close`. Not idempotent: `appendMessage(s)`, `deliverMessage`,
/// `copyMessages`, `moveMessages` (a repeat makes new UIDs or moves
/// nothing), `enqueueOutbound` and `deliverAndEnqueue`; callers that may repeat them (imports)
/// check `containsMessage` first.
///
/// **Errors** are `MailStoreError` (or `QueueError` for the queue's own
/// refusals); `MailStoreError.kind` sorts them into the contract's classes:
/// `notFound` (what the call names does not exist), `conflict` (it exists
/// already), `invalidRequest` (a name or size over a bound),
/// `temporarilyUnavailable` (busy, locked, disk full, I/O: try again; each
/// protocol answers with its temporary error) and `storageFailure`
/// (permanent). Whatever the error, the call changed nothing.
/// The text a full-text search looks in (`searchCandidates`): the header
/// fields (HEADER), the decoded text parts (BODY), or either (TEXT).
public enum FullTextField: Sendable, Hashable {
    case header, body, text
}

public protocol MailStore: Sendable {
    // MARK: Domains
    func addDomain(_ name: String) async throws
    func removeDomain(_ name: String) async throws
    func domains() async throws -> [MailDomain]
    /// True when `name` (any case) is a local domain: one indexed lookup,
    /// for recipient checks that must not read every domain.
    func domainExists(_ name: String) async throws -> Bool

    // MARK: Accounts
    /// Creates the account and its default mailboxes: INBOX, Drafts, Sent,
    /// Trash, Junk and Archive with their RFC 6154 special-use attributes.
    func createAccount(address: String, passwordHash: String) async throws -> Account
    func account(address: String) async throws -> Account?
    func account(id: AccountID) async throws -> Account?
    func accounts() async throws -> [Account]
    func setPasswordHash(accountID: AccountID, passwordHash: String) async throws
    /// Removes the account, its mailboxes, messages and body files.
    func deleteAccount(id: AccountID) async throws
    /// Disables or enables the account (`Account.isDisabled`): a disabled
    /// account cannot log in; mail to it is still delivered.
    func setAccountDisabled(accountID: AccountID, _ disabled: Bool) async throws
    /// Gives the account a new address in one transaction: its mailboxes,
    /// messages and subscriptions stay, and every alias destination naming
    /// the old address names the new one. Throws `accountExists` when the
    /// new address is taken, `domainNotFound` when its domain is not a
    /// local domain, `accountNotFound` for an unknown id.
    func renameAccount(id: AccountID, to newAddress: String) async throws -> Account

    // MARK: Aliases
    func addAlias(_ alias: Alias) async throws
    func removeAlias(source: String) async throws
    func aliases() async throws -> [Alias]
    /// The alias whose source is `source` (any case; `@domain` for a
    /// catch-all), nil when there is none: one indexed lookup.
    func alias(source: String) async throws -> Alias?

    // MARK: Mailboxes
    func mailboxes(accountID: AccountID) async throws -> [Mailbox]
    /// Looks a mailbox up by name; `inbox` in any case finds INBOX.
    func mailbox(accountID: AccountID, name: String) async throws -> Mailbox?
    func mailbox(id: MailboxID) async throws -> Mailbox?
    /// The mailbox's counts (messages, unseen, deleted, total size) with
    /// UIDNEXT, UIDVALIDITY and HIGHESTMODSEQ, from counters every change
    /// updates in its own transaction: no message is read, so the answer
    /// costs the same for 10 or 100,000 messages and always agrees with
    /// the messages committed so far. `mailboxNotFound` for an unknown id.
    func mailboxStatus(id: MailboxID) async throws -> MailboxStatus
    /// `mailboxStatus` of every mailbox of the account in one read (for
    /// LIST-STATUS and admin listings), keyed by mailbox id.
    func mailboxStatuses(accountID: AccountID) async throws -> [MailboxID: MailboxStatus]
    /// The messages of the mailbox that no session has seen as `\Recent`
    /// yet (RFC 3501 §2.3.2): those from its first recent UID up to UIDNEXT.
    /// With `claim`, one transaction also moves the first recent UID to
    /// UIDNEXT, so that of two sessions (or nodes) claiming at once each
    /// message is claimed by exactly one; without, it changes nothing
    /// (EXAMINE, STATUS). Takes no MODSEQ and writes no change-log row.
    /// `mailboxNotFound` for an unknown id.
    func recentMessages(mailboxID: MailboxID, claim: Bool) async throws -> RecentMessages

    // MARK: Quotas (RFC 9208; `Quota.swift`)

    /// The account's quota setting, applying limits, usage (the sum of its
    /// mailboxes' counters) and its domain's shared quota.
    /// `accountNotFound` for an unknown id.
    func quota(accountID: AccountID) async throws -> AccountQuota
    /// `quota(accountID:)` of every account, in address order (admin
    /// listings, metrics): one read.
    func quotas() async throws -> [AccountQuota]
    /// Sets the account's own limits, or back to the default (`.default`).
    /// Lowering a limit below the usage refuses only further additions.
    func setQuota(accountID: AccountID, _ setting: AccountQuota.Setting) async throws
    /// The limits of accounts without their own (`.default`); unlimited
    /// unless set. Kept in the store, so every node applies the same.
    func setDefaultQuota(_ limits: QuotaLimits) async throws
    func defaultQuota() async throws -> QuotaLimits
    /// A limit for all of a domain's accounts together; `.unlimited` for none.
    /// `domainNotFound` for an unknown domain.
    func setDomainQuota(domain: String, _ limits: QuotaLimits) async throws
    /// The octets an EXPUNGE would free: the sum of the sizes of the
    /// mailbox's messages with `\Deleted` (RFC 9208 §4.2 DELETED-STORAGE).
    /// `mailboxNotFound` for an unknown id.
    func deletedStorage(mailboxID: MailboxID) async throws -> Int64
    /// The UIDs of the mailbox that may contain `needle` (folded with
    /// `SearchFolding.needle`) in `field`'s text as SEARCH reads it (RFC
    /// 9051 §6.4.4): a superset of the matches, never missing one (a
    /// message not yet indexed is always a candidate); nil when the store
    /// cannot narrow (a needle too short for its index): scan. The caller
    /// applies the exact substring rule to the candidates.
    /// `mailboxNotFound` for an unknown id.
    func searchCandidates(mailboxID: MailboxID, field: FullTextField, needle: [UInt8]) async throws
        -> Set<MessageUID>?
    /// Adds up to `limit` messages the full-text index does not hold yet
    /// (stored before it existed) to it, starting after `position` (0 at
    /// first, then the value returned); nil when none is left. A message
    /// whose body cannot be read is marked so it stays a candidate always.
    /// The server calls it in the background after start.
    func indexForFullTextSearch(after position: Int64, limit: Int) async throws -> Int64?
    /// A new mailbox with a fresh UIDVALIDITY; its name is not subscribed
    /// (unless it was before: subscriptions are by name). The mailboxes
    /// `createAccount` makes are subscribed.
    func createMailbox(accountID: AccountID, name: String, specialUse: SpecialUse?) async throws -> Mailbox
    func deleteMailbox(id: MailboxID) async throws
    func renameMailbox(id: MailboxID, to newName: String) async throws
    /// Subscribes or unsubscribes the name of an existing mailbox.
    func setSubscribed(mailboxID: MailboxID, _ subscribed: Bool) async throws
    // Subscriptions are by name and outlive their mailbox (RFC 9051
    // §6.3.7): deleting a mailbox keeps its name subscribed; deleting the
    // account removes them; renaming moves them to the new names. New
    // mailboxes are subscribed. `Mailbox.isSubscribed` reflects this list.

    /// The subscribed names of the account, existing or not, sorted.
    func subscriptions(accountID: AccountID) async throws -> [String]
    /// Subscribes a valid name (normalized like a mailbox name) whether or
    /// not a mailbox of that name exists; subscribing twice is fine.
    func subscribe(accountID: AccountID, name: String) async throws
    /// Unsubscribes a name; false when it was not subscribed.
    @discardableResult
    func unsubscribe(accountID: AccountID, name: String) async throws -> Bool

    // MARK: Messages
    /// Stores a message durably and returns its record (new UID and MODSEQ).
    func appendMessage(mailboxID: MailboxID, _ message: NewMessage) async throws -> MessageRecord
    /// Every message of the mailbox, sorted by UID, with its structure:
    /// for exports and tests. Sessions read summaries and then the records
    /// of the UIDs they need.
    func messages(mailboxID: MailboxID) async throws -> [MessageRecord]
    /// The full records of the given UIDs that exist, ascending by UID,
    /// each once (what one FETCH or SEARCH batch looks at). Missing UIDs
    /// are skipped; `mailboxNotFound` for an unknown mailbox.
    func messages(mailboxID: MailboxID, uids: [MessageUID]) async throws -> [MessageRecord]
    /// UID, size, internal date and the `parts` asked for — the stored
    /// ENVELOPE (no MIME tree), its searchable text (`EnvelopeSearchText`,
    /// kept when the message is stored, so reading it decodes nothing) —
    /// of the given UIDs that exist, ascending, each once: what SEARCH on
    /// addresses, subjects, dates and sizes reads. A part not asked for is
    /// nil; `searchText` when asked is never nil. `mailboxNotFound` for an
    /// unknown mailbox.
    func messageEnvelopes(mailboxID: MailboxID, uids: [MessageUID], parts: MessageEnvelope.Parts) async throws
        -> [MessageEnvelope]
    /// Size, INTERNALDATE and where the header and text lie (`MessageLayout`)
    /// of the given UIDs that exist, ascending, each once, without decoding
    /// their structures: what FETCH of top-level sections reads. With
    /// `cachedHeaderFields`, each layout also carries the header fields kept
    /// when the message was stored: exactly `CachedHeaderFields.extract` of
    /// its header, or nil when the store kept none for it (too long, or
    /// stored by an older version); without, always nil.
    /// `mailboxNotFound` for an unknown mailbox.
    /// Size, internal date and the SORT keys kept when each message was
    /// stored (`MessageSortKeys(SortableMessage(header:))` of its header),
    /// ascending by UID, missing UIDs skipped; `keys` nil for a message
    /// stored by an older version. Only the text keys of `keys` are read
    /// (the others are empty); the sent date always is.
    /// `mailboxNotFound` for an unknown mailbox.
    func messageSortKeys(mailboxID: MailboxID, uids: [MessageUID], keys: Set<SortKey>) async throws -> [MessageSortRow]
    func messageLayouts(mailboxID: MailboxID, uids: [MessageUID], cachedHeaderFields: Bool) async throws
        -> [MessageLayout]
    /// UID, MODSEQ, flags, keywords and size of every message, ascending by
    /// UID, without structures, hashes or bodies (what a selected view or
    /// a POP3 maildrop holds). `mailboxNotFound` for an unknown mailbox.
    func messageSummaries(mailboxID: MailboxID) async throws -> [MessageSummary]
    /// `messageSummaries` of the given UIDs that exist, ascending, each
    /// once (catching up on changes read from the change log).
    func messageSummaries(mailboxID: MailboxID, uids: [MessageUID]) async throws -> [MessageSummary]
    func message(mailboxID: MailboxID, uid: MessageUID) async throws -> MessageRecord?
    /// The exact stored bytes of a message.
    func messageBody(mailboxID: MailboxID, uid: MessageUID) async throws -> [UInt8]
    /// Stores several messages in one mailbox in one transaction (MULTIAPPEND,
    /// RFC 3502 §3): all of them or none. Their UIDs and MODSEQs are
    /// consecutive, in the order given; returns the records in that order.
    /// `messageTooLarge` for any over the bound stores nothing.
    func appendMessages(mailboxID: MailboxID, _ messages: [NewMessage]) async throws -> [MessageRecord]
    /// Delivers one message to several mailboxes (of one or more accounts)
    /// in one transaction sharing one body file: every mailbox gets it or
    /// none does. A mailbox named twice gets one copy. Returns one record per
    /// distinct mailbox, in the order given. `mailboxNotFound` if any is
    /// missing (then nothing is stored).
    func deliverMessage(_ message: NewMessage, to mailboxIDs: [MailboxID]) async throws -> [MessageRecord]
    /// `deliverMessage` with the body in a spool file (`makeSpoolFile`): the
    /// spool is finished (flushed, fsynced) and becomes the one blob every
    /// copy shares without being copied (`BlobStore.put`); the same
    /// guarantees otherwise (one transaction, all or none, durable before
    /// it returns). The spool stays the caller's; closing it afterwards does
    /// not touch the stored message. `messageTooLarge` over the store's bound.
    func deliverMessage(spooled spool: SpoolFile, internalDate: Date, to mailboxIDs: [MailboxID]) async throws
        -> [MessageRecord]
    /// `appendMessages` with each body in a spool file (`makeSpoolFile`;
    /// IMAP APPEND literals, RFC 3502 §3): every spool is finished and
    /// adopted as its message's blob without a copy; the same guarantees
    /// (one transaction, all or none, consecutive UIDs in the order given,
    /// durable before it returns; `messageTooLarge` for any over the
    /// store's bound stores nothing). The spools stay the caller's.
    func appendMessages(mailboxID: MailboxID, spooled messages: [SpooledMessage]) async throws -> [MessageRecord]
    /// Up to `length` octets of the stored body from `offset` (fewer at its
    /// end, none past it), reading only those octets from the blob (IMAP
    /// `BODY[]<partial>`, a header, POP3 TOP). `messageNotFound` for a UID
    /// that does not exist.
    func messageBody(mailboxID: MailboxID, uid: MessageUID, offset: Int, length: Int) async throws -> [UInt8]
    /// Ranged reads of several messages' bodies in one call (the header
    /// sections of a FETCH batch): for each request, in order, what
    /// `messageBody(mailboxID:uid:offset:length:)` gives, or nil for a UID
    /// that does not exist (expunged meanwhile). `mailboxNotFound` for an
    /// unknown mailbox.
    func messageBodies(mailboxID: MailboxID, ranges: [BodyRange]) async throws -> [[UInt8]?]
    /// A new, empty spool file for an incoming message, on the blobs' file
    /// system, bounded by `maximumSize` and the store's own bound (the
    /// smaller). Removed when closed unless a store call adopted it; the
    /// store's start-up sweep removes any left by a crash.
    func makeSpoolFile(maximumSize: Int?) throws -> SpoolFile
    /// Changes flags and keywords of the given UIDs in one transaction.
    /// With `unchangedSince` (CONDSTORE, RFC 7162 §3.1.3), a message whose
    /// MODSEQ is greater than it at the time of the transaction is left
    /// alone and listed in `modified`. Each message whose flags really
    /// change takes the next MODSEQ (in UID order) and is in `changed`;
    /// unchanged messages keep their MODSEQ. UIDs that no longer exist are
    /// skipped (in neither list).
    func updateFlags(mailboxID: MailboxID, uids: [MessageUID], operation: FlagOperation,
                     flags: MessageFlags, keywords: [String], unchangedSince: ModSeq?) async throws
        -> FlagUpdateResult
    /// REPLACE (RFC 8508 §3): stores `message` in `into` (a mailbox of the
    /// same account, or `mailboxID` itself) and removes message `uid` of
    /// `mailboxID`, in one transaction: `messageNotFound` when that message
    /// is gone (nothing stored), `overQuota` when the new one does not fit
    /// once the old one's room is freed (nothing changed), `mailboxNotFound`
    /// for an unknown mailbox. The removal leaves an `expunged` row in the
    /// change log, the new message an `added` one. Returns the new record.
    func replaceMessage(mailboxID: MailboxID, uid: MessageUID, with message: SpooledMessage,
                        into: MailboxID) async throws -> MessageRecord
    /// Removes the given messages; returns the UIDs actually removed.
    /// Each removal leaves an `expunged` row in the change log.
    func expunge(mailboxID: MailboxID, uids: [MessageUID]) async throws -> [MessageUID]
    /// Removes, in one transaction, the messages among `uids` (nil: the
    /// whole mailbox) that carry `\Deleted` at the time of the transaction
    /// (IMAP EXPUNGE, UID EXPUNGE, CLOSE): one undeleted meanwhile by
    /// another session stays, one deleted meanwhile goes. Returns the UIDs
    /// removed, ascending.
    func expungeDeleted(mailboxID: MailboxID, uids: [MessageUID]?) async throws -> [MessageUID]
    /// Copies messages to another mailbox of the same account; returns
    /// (source UID, new UID) pairs in source order.
    func copyMessages(from source: MailboxID, uids: [MessageUID], to destination: MailboxID) async throws
        -> [(MessageUID, MessageUID)]
    /// Copy then expunge in one transaction (RFC 6851 §3.3): another reader
    /// sees the messages in the source or in the destination, never in
    /// both or neither. The copies share the source's body files.
    func moveMessages(from source: MailboxID, uids: [MessageUID], to destination: MailboxID) async throws
        -> [(MessageUID, MessageUID)]
    /// True when the mailbox already holds a message with this content hash
    /// (or, when given, this Message-ID and hash): used to make imports idempotent.
    func containsMessage(mailboxID: MailboxID, contentHash: String) async throws -> Bool

    // MARK: Change log and notifications
    /// The change-log rows of a mailbox with modseq greater than `modSeq`, in order.
    func changes(mailboxID: MailboxID, after modSeq: ModSeq) async throws -> [MailboxChange]
    /// A stream that yields each time the mailbox changes, whoever changed it
    /// (this process or another one using the same data directory, seen
    /// within a second). A yield is only a wake-up; read `changes` for what changed.
    func changeNotifications(mailboxID: MailboxID) -> AsyncStream<Void>

    // MARK: Outbound queue

    /// Stores a message for outbound delivery durably (body fsynced, then one
    /// transaction with the message and one row per recipient, each due now).
    /// A repeated recipient is stored once. Throws `QueueError.noRecipients`,
    /// `.invalidEnvelope` (CR/LF/NUL, empty address) or `MailStoreError.messageTooLarge`.
    func enqueueOutbound(_ draft: OutboundMessageDraft) async throws -> QueuedMessage
    /// `enqueueOutbound` with the body in a finished-or-not spool file,
    /// adopted as the queued message's blob without a copy;
    /// `draft.body` is not used. Same errors and guarantees.
    func enqueueOutbound(_ draft: OutboundMessageDraft, spooled spool: SpoolFile) async throws -> QueuedMessage
    /// One accepted SMTP message with local and relayed recipients (RFC 5321
    /// §4.2.5, §6.1: once the `250` is sent every copy is the server's), in
    /// ONE transaction: the local copies (`deliverMessage(spooled:…)`'s
    /// rules: each distinct mailbox once, one shared blob adopted from
    /// `spool`) and the queued message (`enqueueOutbound(_:spooled:)`'s
    /// rules, its own blob adopted from `outboundSpool`, which holds other
    /// header bytes: its own Received:, no Return-Path). Both blobs are
    /// durable before the transaction commits; when it returns every copy
    /// is durable, and when it throws no mailbox has the message, nothing is
    /// queued and neither blob is left. The two spools must be different
    /// files; both stay the caller's. With no mailbox it is
    /// `enqueueOutbound`. Errors: those of both (`mailboxNotFound`,
    /// `QueueError.noRecipients`, `.invalidEnvelope`, `messageTooLarge`,
    /// a temporary failure) and nothing is stored.
    func deliverAndEnqueue(spooled spool: SpoolFile, internalDate: Date, to mailboxIDs: [MailboxID],
                           outbound draft: OutboundMessageDraft, spooled outboundSpool: SpoolFile) async throws
        -> DeliveryAndQueueResult
    /// Every queued message, oldest first.
    func queuedMessages() async throws -> [QueuedMessage]
    /// The number of recipients still to be delivered (state `queued` or
    /// `delivering`) over all queued messages: one COUNT, for the queue
    /// gauge of `/metrics`.
    func pendingRecipientCount() async throws -> Int
    func queuedMessage(id: String) async throws -> QueuedMessage?
    /// The exact queued octets; `QueueError.messageNotFound` for an unknown id.
    func queuedMessageBody(id: String) async throws -> [UInt8]
    /// Recipients in state `queued` whose next attempt is at or before `now`,
    /// grouped by message (at most `limit` messages, the most overdue first).
    func dueRecipients(now: Date, limit: Int) async throws -> [(QueuedMessage, [QueuedRecipient])]
    /// Claims recipients of one message for a delivery attempt: in one
    /// transaction, those of `addresses` that are `queued` and due
    /// (`nextAttemptAt <= now`) become `delivering`; returns them (in the
    /// order given, each once). A recipient claimed by another caller, not
    /// due, final or unknown is left out, so two runners on one store never
    /// attempt a recipient at the same time. The claim is held for
    /// `QueueClaim.lease` (see `requeueInterruptedDeliveries`).
    /// `QueueError.messageNotFound` for an unknown message.
    func claimRecipients(queueID: String, addresses: [String], now: Date) async throws -> [String]
    /// Records a recipient's new state. Any state but `delivering` ends an
    /// attempt: `attempts` grows by one and `lastAttemptAt` becomes now.
    /// A nil `lastError` or `nextAttemptAt` keeps the stored value. A
    /// delivered or failed recipient is final: `QueueError.recipientFinished`.
    func updateRecipient(queueID: String, address: String, state: QueuedRecipientState, lastError: String?,
                         nextAttemptAt: Date?) async throws
    /// `updateRecipient` for several recipients of one message in one
    /// transaction (one disk sync), in order, with the same rules; an
    /// update with `delayNoticeSent` also sets that flag. An unknown message
    /// (`messageNotFound`) or address (`recipientNotFound`) changes nothing;
    /// recipients already final are skipped, the others are recorded, and
    /// then `QueueError.recipientFinished` names the first one skipped.
    func updateRecipients(queueID: String, _ updates: [RecipientUpdate]) async throws
    /// Makes every `queued` recipient of the message due now.
    func retryNow(queueID: String) async throws
    /// Puts recipients left in `delivering` back to `queued`, due now;
    /// returns how many. Only those whose outcome nobody can still record
    /// are taken: claims (`claimRecipients`) older than `QueueClaim.lease`
    /// (their runner crashed or hangs) and `delivering` states set with
    /// `updateRecipient`. The delivery runner calls it at start and now and
    /// then; a second runner starting beside a working one (a restart
    /// overlap) does not take the first one's recipients.
    func requeueInterruptedDeliveries() async throws -> Int
    /// Removes the message, its recipients and its body file.
    func deleteQueuedMessage(id: String) async throws
    /// Removes every message whose recipients are all delivered or failed;
    /// returns their ids. Finished messages are not removed automatically:
    /// the runner first enqueues the DSNs they need (RFC 3464), then calls this.
    func removeFinishedQueuedMessages() async throws -> [String]

    // MARK: Metadata (RFC 5464; `Metadata.swift`)

    /// The account's METADATA entries on the server (`mailboxID` nil) or on
    /// one of its mailboxes, in name order. `mailboxNotFound` for a mailbox
    /// that is not the account's.
    func metadata(accountID: AccountID, mailboxID: MailboxID?) async throws -> [MetadataEntry]
    /// Sets and removes entries (a nil value removes; removing a missing
    /// entry is no change) on the server or one mailbox, in one
    /// transaction: all or nothing. A value longer than
    /// `limits.maximumValueSize`, or an account that would end with more
    /// entries or octets (names and values of the server's and all its
    /// mailboxes' entries) than the limits allow, throws `metadataLimit`
    /// and changes nothing; the check counts inside the transaction, so two
    /// writers at once cannot pass a limit together.
    func setMetadata(accountID: AccountID, mailboxID: MailboxID?, _ changes: [MetadataChange],
                     limits: MetadataLimits) async throws

    // MARK: Backup and repair

    /// Writes a consistent copy of the store into `directory`, which must
    /// be missing or empty (else `MailStoreError.storageFailure`), while
    /// other callers and processes keep using the store. Guarantees: every
    /// message (and queued message) whose transaction committed before the
    /// call began is in the copy with its body; every body the copy's rows
    /// reference is in `directory`; the copy opens as a store of this
    /// backend (`StoreFactory.restore` puts it back). Writers wait while
    /// the metadata is copied (one that waits past the store's busy timeout
    /// fails with a temporary error). Nothing in the live store changes.
    func backup(to directory: String) async throws -> StoreBackupSummary

    /// Looks for each `StoreDamageKind` and returns what it found (an
    /// empty report: a sound store). With `repair`, mends each finding
    /// that can be mended, as the kind's documentation says, and marks it
    /// `repaired`; each repair that changes rows is one transaction that
    /// re-reads what it changes (check-then-act inside the transaction), so
    /// the check is safe while the server runs. A second check after a
    /// repair reports only what could not be mended.
    func check(repair: Bool) async throws -> StoreCheckReport

    /// Flushes and closes the store; later calls fail.
    func close() async throws
}

extension MailStore {
    /// `updateFlags` without a condition: the changed records.
    public func updateFlags(mailboxID: MailboxID, uids: [MessageUID], operation: FlagOperation,
                            flags: MessageFlags, keywords: [String]) async throws -> [MessageRecord] {
        try await updateFlags(mailboxID: mailboxID, uids: uids, operation: operation, flags: flags,
                              keywords: keywords, unchangedSince: nil).changed
    }
}
