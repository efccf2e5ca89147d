import MailStore

/// METADATA and METADATA-SERVER (RFC 5464): GETMETADATA and SETMETADATA
/// on the store's entries. The empty mailbox name is the server (§4.2,
/// §4.3), whose `/shared` entries clients only read; every other entry,
/// `/private` and `/shared` alike, belongs to the account (there is no
/// shared namespace to share it with), and entries
/// go with their mailbox: deleted with it, kept across RENAME.
enum MetadataCommandHandler {
    static let capabilities = ["METADATA", "METADATA-SERVER"]

    /// GETMETADATA (RFC 5464 §4.2): each entry asked for, with its value
    /// (NIL when it is not set and no DEPTH was asked for), then those
    /// below it within DEPTH, in one
    /// METADATA response. Values longer than MAXSIZE are left out and the
    /// longest of them is named in `OK [METADATA LONGENTRIES n]` (§4.2.1).
    static func get(_ name: MailboxName, entries: [String], options: MetadataOptions,
                    context: CommandContext) async -> CommandResult {
        let stored: [MetadataEntry]
        do {
            let scope = try await scope(of: name, context: context)
            stored = try await context.store.metadata(accountID: context.account.id, mailboxID: scope)
        } catch let failure as SelectedMailboxCommands.LookUpFailure {
            return failure.result
        } catch {
            return MailboxCommandErrors.result(for: error, context: context)
        }
        var values: [MetadataEntryValue] = []
        var sent: Set<String> = []
        var longest: Int?
        func add(_ entry: String, _ value: [UInt8]?) {
            guard sent.insert(entry).inserted else { return }
            if let value, let maxSize = options.maxSize, UInt64(value.count) > maxSize {
                longest = max(longest ?? 0, value.count)
                return
            }
            values.append(MetadataEntryValue(entry: entry, value: value))
        }
        for entry in entries {
            // At DEPTH 0 an entry that is not set is NIL; with a DEPTH it
            // is left out, as in §4.2.2's example and in Dovecot.
            let value = stored.first { $0.name == entry }?.value
            if value != nil || options.depth == .zero { add(entry, value) }
            for found in stored where found.name != entry
                && MetadataEntryName.matches(found.name, entry: entry, depth: options.depth) {
                add(found.name, found.value)
            }
        }
        let untagged: [UntaggedResponse] = values.isEmpty ? [] : [.metadata(name, values)]
        if let longest {
            return .ok("GETMETADATA completed", code: .other("METADATA", "LONGENTRIES \(longest)"), untagged: untagged)
        }
        return .ok("GETMETADATA completed", untagged: untagged)
    }

    /// SETMETADATA (RFC 5464 §4.3): every change or none; a value over
    /// the limit is `NO [METADATA MAXSIZE n]`, too many entries or octets
    /// `NO [METADATA TOOMANY]`.
    /// The server's standard `/shared` entries are the administrator's
    /// (§3.2.1.2), shared by every user: a client may read them but not
    /// set them, `NO [CANNOT]` as in Dovecot; `/shared/vendor/...` is open.
    static func set(_ name: MailboxName, _ values: [MetadataEntryValue], context: CommandContext) async -> CommandResult {
        if name.bytes.isEmpty, values.contains(where: { MetadataEntryName.isServerReserved($0.entry) }) {
            return .no("the server's /shared entries are set by its administrator", code: .cannot)
        }
        do {
            let scope = try await scope(of: name, context: context)
            let changes = values.map { MetadataChange(name: $0.entry, value: $0.value) }
            try await context.store.setMetadata(accountID: context.account.id, mailboxID: scope, changes,
                                                limits: context.metadataLimits)
            return .ok("SETMETADATA completed")
        } catch let failure as SelectedMailboxCommands.LookUpFailure {
            return failure.result
        } catch {
            return MailboxCommandErrors.result(for: error, context: context)
        }
    }

    /// The store scope: nil for the server (the empty name), else the
    /// mailbox's ID; a failed lookup (`NO [NONEXISTENT]`) throws its answer.
    private static func scope(of name: MailboxName, context: CommandContext) async throws -> MailboxID? {
        if name.bytes.isEmpty { return nil }
        switch await SelectedMailboxCommands.lookUp(name, context: context) {
        case .failure(let failure): throw failure
        case .success(let mailbox): return mailbox.id
        }
    }
}
