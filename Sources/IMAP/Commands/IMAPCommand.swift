/// Every command the server understands (RFC 9051 §6 and the extensions
/// listed with each case).
public enum IMAPCommand: Hashable, Sendable {
    // Any state (RFC 9051 §6.1).
    case capability
    case noop
    case logout
    /// UNAUTHENTICATE (RFC 8437): back to the not-authenticated state.
    case unauthenticate
    // Not authenticated (§6.2).
    case starttls
    /// SASL-IR (RFC 4959): `=` gives an empty initial response; the bytes
    /// are still base64 text.
    case authenticate(mechanism: String, initialResponse: [UInt8]?)
    case login(user: [UInt8], password: [UInt8])
    // Authenticated (§6.3).
    case enable([String])
    /// RFC 2971; nil for `ID NIL`.
    case id([IDParameter]?)
    case select(MailboxName, parameters: [CommandParameter])
    case examine(MailboxName, parameters: [CommandParameter])
    /// CREATE-SPECIAL-USE (RFC 6154 §3): `(USE (\Drafts))` arrives as a
    /// parameter named USE with a list value.
    case create(MailboxName, parameters: [CommandParameter])
    case delete(MailboxName)
    case rename(from: MailboxName, to: MailboxName)
    case subscribe(MailboxName)
    case unsubscribe(MailboxName)
    case list(ListCommand)
    case lsub(reference: MailboxName, pattern: [UInt8])
    case namespace
    case status(MailboxName, [StatusAttribute])
    case append(MailboxName, [AppendMessage])
    case idle
    /// GETQUOTA, GETQUOTAROOT, SETQUOTA (RFC 9208 §4.1); roots as bytes (astring).
    case getQuota(root: [UInt8])
    case getQuotaRoot(MailboxName)
    case setQuota(root: [UInt8], [QuotaResourceLimit])
    /// GETMETADATA (RFC 5464 §4.2): entries checked and lowercased
    /// (`MetadataEntryName`); the empty mailbox name is the server.
    case getMetadata(MailboxName, entries: [String], options: MetadataOptions)
    /// SETMETADATA (RFC 5464 §4.3); a nil value removes the entry.
    case setMetadata(MailboxName, [MetadataEntryValue])
    /// COMPRESS (RFC 4978 §3): `algorithm` as the client spelled it.
    case compress(algorithm: String)
    // Selected (§6.4).
    case check
    case close
    case unselect
    case expunge
    /// UIDPLUS (RFC 4315 §2.1).
    case uidExpunge(SequenceSet)
    case search(SearchCommand, uid: Bool)
    /// SORT (RFC 5256 §3, ESORT RFC 5267).
    case sort(SortCommand, uid: Bool)
    /// THREAD (RFC 5256 §4).
    case thread(ThreadCommand, uid: Bool)
    case fetch(SequenceSet, [FetchAttribute], modifiers: [FetchModifier], uid: Bool)
    /// UNCHANGEDSINCE (RFC 7162 §3.1.3) is in `unchangedSince`.
    case store(SequenceSet, unchangedSince: UInt64?, StoreAction, uid: Bool)
    case copy(SequenceSet, MailboxName, uid: Bool)
    /// MOVE (RFC 6851).
    case move(SequenceSet, MailboxName, uid: Bool)
    /// REPLACE and UID REPLACE (RFC 8508 §3): one message (a sequence
    /// number or, with `uid`, a UID) replaced by an APPEND's message.
    case replace(SequenceNumber, MailboxName, AppendMessage, uid: Bool)
}

/// A command with its tag.
public struct TaggedCommand: Hashable, Sendable {
    public var tag: String
    public var command: IMAPCommand

    public init(tag: String, command: IMAPCommand) {
        self.tag = tag
        self.command = command
    }
}
