import Foundation
import MailCore
import MailStore

/// FETCH and UID FETCH (RFC 9051 §6.4.5, §6.4.8; BINARY RFC 3516;
/// CHANGEDSINCE and VANISHED modifiers RFC 7162 §3.1.4, §3.2.6).
public enum FetchCommandHandler {
    /// Messages handled per round: `\Seen` is set for a whole chunk in one
    /// store transaction.
    static let chunkSize = 128
    /// Small responses are gathered up to this many bytes per write.
    static let writeBatchSize = 64 * 1024

    /// Streams one `* n FETCH (...)` response per message through
    /// `context.write` as it goes (a large mailbox is never built in memory).
    /// UID, FLAGS and MODSEQ come from the view; the stored records (size,
    /// internal date, the structure parsed at delivery for ENVELOPE and
    /// BODYSTRUCTURE) are read per chunk with one store call, only when an
    /// attribute needs them; of a body only the ranges its sections name
    /// (`loadSource`), whole only for BODY[] and RFC822. Sets `\Seen`
    /// where RFC 9051 §6.4.5 says (BODY[...] without PEEK, RFC822,
    /// RFC822.TEXT, BINARY without PEEK) unless the mailbox is read-only,
    /// and tells `selected` about that change. UID FETCH always includes UID.
    /// A message whose body is needed but gone (expunged by another session,
    /// its expunge not yet reported) gets no response, and the command ends
    /// `NO [EXPUNGEISSUED]` (RFC 2180 §4.1.3, RFC 9051 §7.1).
    /// The returned result carries only the tagged completion.
    public static func fetch(_ set: SequenceSet, attributes: [FetchAttribute], modifiers: [FetchModifier],
                             uid: Bool, selected: SelectedMailbox, context: CommandContext) async -> CommandResult {
        var changedSince: UInt64?
        var vanished = false
        for modifier in modifiers {
            switch modifier {
            case .changedSince(let value): changedSince = value
            case .vanished: vanished = true
            case .other(let name, _): return .bad("unknown FETCH modifier \(name)")
            }
        }
        // RFC 7162 §3.2.6: VANISHED only in UID FETCH, with CHANGEDSINCE, after ENABLE QRESYNC.
        if vanished && !(uid && changedSince != nil && context.enabled.contains(.qresync)) {
            return .bad("VANISHED needs UID FETCH with CHANGEDSINCE after ENABLE QRESYNC")
        }
        var messages: [SelectedMessage]
        do {
            messages = try selected.messages(in: set, uid: uid)
        } catch {
            return .bad(error.reason)
        }
        if let changedSince {
            messages = messages.filter { UInt64(max($0.modSeq, 0)) > changedSince }
        }
        let builder = FetchItemBuilder(attributes: attributes, uid: uid, changedSince: changedSince != nil,
                                       condstore: SelectedMailboxCommands.condStoreOn(context.enabled),
                                       qresync: context.enabled.contains(.qresync))
        var output = FetchOutput(context: context)
        do {
            if vanished, let changedSince {
                let gone = try await vanishedUIDs(in: set, since: changedSince, selected: selected, context: context)
                if !gone.isEmpty { try await output.send(.vanished(earlier: true, SequenceSet(numbers: gone))) }
            }
            var start = 0
            while start < messages.count {
                let end = min(start + chunkSize, messages.count)
                let chunk = await markSeen(Array(messages[start..<end]), builder: builder, selected: selected,
                                           context: context)
                let records: [MessageUID: MessageRecord]
                do {
                    records = try await chunkRecords(chunk.map(\.0), builder: builder, selected: selected,
                                                     context: context)
                } catch {
                    try await output.flush()
                    return SelectedMailboxCommands.storeFailure(error, command: "FETCH", context: context)
                }
                for (message, seenWasSet) in chunk {
                    let record = records[message.uid]
                    // Expunged meanwhile (RFC 2180 §4.1.3): no response rather
                    // than NIL data a client would cache as the message.
                    if builder.needsRecord && record == nil {
                        output.expungeIssued = true
                        continue
                    }
                    var source = await loadSource(message, record: record, builder: builder, selected: selected,
                                                  context: context, output: &output)
                    source.seenWasSet = seenWasSet
                    if builder.needsBody && source.body == nil { continue }
                    let items: [FetchItem]
                    do {
                        items = try builder.items(for: source)
                    } catch {
                        try await output.flush()
                        return .no("cannot decode Content-Transfer-Encoding \(error.encoding)", code: .unknownCTE)
                    }
                    try await output.send(.fetch(message.sequenceNumber, items))
                }
                start = end
            }
            try await output.flush()
        } catch {
            context.logger.debug("FETCH output stopped: \(error)")
            return .no("FETCH stopped: the response could not be sent")
        }
        if output.expungeIssued {
            // RFC 9051 §7.1 EXPUNGEISSUED: the other messages were sent; the
            // client learns of the expunge at its next NOOP.
            return .no("Some of the requested messages no longer exist", code: .expungeIssued)
        }
        return .ok("FETCH completed")
    }

    /// Sets `\Seen` on the chunk's messages that lack it when the attributes
    /// require it and the mailbox is writable, in one store call; returns
    /// each message with its updated record and whether `\Seen` was set now.
    static func markSeen(_ chunk: [SelectedMessage], builder: FetchItemBuilder, selected: SelectedMailbox,
                         context: CommandContext) async -> [(SelectedMessage, Bool)] {
        guard builder.setsSeen, !selected.isReadOnly else { return chunk.map { ($0, false) } }
        let unseen = chunk.filter { !$0.flags.contains(.seen) }.map(\.uid)
        guard !unseen.isEmpty else { return chunk.map { ($0, false) } }
        let updated: [MessageRecord]
        do {
            updated = try await context.store.updateFlags(mailboxID: selected.mailbox.id, uids: unseen,
                                                          operation: .add, flags: .seen, keywords: [])
        } catch {
            context.logger.warning("FETCH could not set \\Seen: \(error)")
            return chunk.map { ($0, false) }
        }
        selected.noteOwnChanges(updated)
        let byUID = Dictionary(updated.map { ($0.uid, $0) }, uniquingKeysWith: { _, last in last })
        return chunk.map { message in
            guard let record = byUID[message.uid] else { return (message, false) }
            return (SelectedMessage(sequenceNumber: message.sequenceNumber, record: record), true)
        }
    }

    /// The stored records of a chunk's messages by UID, in one store call;
    /// empty when the attributes need none. A message missing here was
    /// expunged by another session meanwhile.
    static func chunkRecords(_ chunk: [SelectedMessage], builder: FetchItemBuilder, selected: SelectedMailbox,
                             context: CommandContext) async throws -> [MessageUID: MessageRecord] {
        guard builder.needsRecord, !chunk.isEmpty else { return [:] }
        let records = try await context.store.messages(mailboxID: selected.mailbox.id, uids: chunk.map(\.uid))
        return Dictionary(records.map { ($0.uid, $0) }, uniquingKeysWith: { _, last in last })
    }

    /// Reads what the builder needs for one message: the parsed structure
    /// (the store's typed value; reparsed from the whole body only if the
    /// store could not read it) and, when an attribute needs it, the body:
    /// with ranged reads of just the bytes the sections name
    /// (`FetchItemBuilder.readRanges`: a header, a part, a `<partial>`
    /// window), whole only when the whole message is asked for.
    static func loadSource(_ message: SelectedMessage, record: MessageRecord?, builder: FetchItemBuilder,
                           selected: SelectedMailbox, context: CommandContext,
                           output: inout FetchOutput) async -> FetchSource {
        var source = FetchSource(message: message, record: record)
        if builder.needsStructure {
            source.parsed = record?.parsedStructure
        }
        let reparse = builder.needsStructure && source.parsed == nil
        guard builder.needsBody || reparse else { return source }
        do {
            let root = source.parsed?.root ?? ParsedMessage(messageID: nil).root
            if !reparse, let size = record?.size {
                let ranges = MessageExcerpts.merged(builder.readRanges(root: root), size: size)
                if !ranges.contains(0..<size) {
                    var excerpts = MessageExcerpts(size: size)
                    for range in ranges {
                        excerpts.add(range, try await context.store.messageBody(
                            mailboxID: selected.mailbox.id, uid: message.uid,
                            offset: range.lowerBound, length: range.count))
                    }
                    source.body = excerpts
                    return source
                }
            }
            let body = try await context.store.messageBody(mailboxID: selected.mailbox.id, uid: message.uid)
            source.body = body
            if reparse { source.parsed = ParsedMessage.parse(body) }
        } catch {
            context.logger.debug("FETCH: body of UID \(message.uid) unavailable: \(error)")
            output.expungeIssued = true
        }
        return source
    }

    /// UIDs in `set` expunged after `since` that this view no longer holds
    /// (the change log's tombstones, RFC 7162 §3.2.6).
    static func vanishedUIDs(in set: SequenceSet, since: UInt64, selected: SelectedMailbox,
                             context: CommandContext) async throws -> [UInt32] {
        let changes = try await context.store.changes(mailboxID: selected.mailbox.id,
                                                      after: ModSeq(clamping: since))
        let largest = max(selected.mailbox.uidNext, 1) - 1
        let membership = SequenceSetMembership(set, largest: largest, savedResult: selected.savedSearchResult)
        var uids = Set<UInt32>()
        for change in changes where change.kind == .expunged && membership.contains(change.uid) {
            if selected.message(uid: change.uid) == nil { uids.insert(change.uid) }
        }
        return uids.sorted()
    }
}

/// Gathers encoded responses and writes them in batches of about
/// `FetchCommandHandler.writeBatchSize` bytes.
struct FetchOutput {
    let context: CommandContext
    var pending: [UInt8] = []
    var expungeIssued = false

    init(context: CommandContext) {
        self.context = context
    }

    mutating func send(_ response: UntaggedResponse) async throws {
        pending.append(contentsOf: context.encode(.untagged(response)))
        if pending.count >= FetchCommandHandler.writeBatchSize { try await flush() }
    }

    mutating func flush() async throws {
        guard !pending.isEmpty else { return }
        let bytes = pending
        pending = []
        try await context.write(bytes)
    }
}
