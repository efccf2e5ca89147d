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
        let ranges: [ClosedRange<Int>]
        do {
            ranges = try selected.indexRanges(in: set, uid: uid)
        } catch {
            return .bad(error.reason)
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
            if let items = ViewOnlyFetch.items(for: builder) {
                try await ViewOnlyFetch.send(items, ranges: ranges, changedSince: changedSince, selected: selected,
                                             output: &output)
                try await output.flush()
                return .ok("FETCH completed")
            }
            var messages = ranges.flatMap { range in range.map { selected.selectedMessage(at: $0) } }
            if let changedSince {
                messages = messages.filter { UInt64(max($0.modSeq, 0)) > changedSince }
            }
            var start = 0
            while start < messages.count {
                let end = min(start + chunkSize, messages.count)
                let chunk = await markSeen(Array(messages[start..<end]), builder: builder, selected: selected,
                                           context: context)
                let reads: ChunkReads
                do {
                    reads = try await chunkRecords(chunk.map(\.0), builder: builder, selected: selected,
                                                   context: context)
                } catch {
                    try await output.flush()
                    return SelectedMailboxCommands.storeFailure(error, command: "FETCH", context: context)
                }
                let records = reads.records
                let excerpts = await prefetchExcerpts(chunk.map(\.0).filter { reads.cachedHeaderFields[$0.uid] == nil },
                                                      records: records, builder: builder,
                                                      selected: selected, context: context)
                for (message, seenWasSet) in chunk {
                    let record = records[message.uid]
                    // Expunged meanwhile (RFC 2180 §4.1.3): no response rather
                    // than NIL data a client would cache as the message.
                    if builder.needsRecord && record == nil {
                        output.expungeIssued = true
                        continue
                    }
                    var source: FetchSource
                    if let cached = reads.cachedHeaderFields[message.uid] {
                        source = FetchSource(message: message, record: record)
                        source.cachedHeaderFields = cached
                    } else {
                        source = await loadSource(message, record: record, builder: builder, selected: selected,
                                                  context: context, prefetched: excerpts[message.uid], output: &output)
                        if builder.needsBody && source.body == nil { continue }
                    }
                    source.seenWasSet = seenWasSet
                    let items: [FetchItem]
                    do {
                        items = try builder.items(for: source)
                    } catch {
                        try await output.flush()
                        return .no("cannot decode Content-Transfer-Encoding \(error.encoding)", code: .unknownCTE)
                    }
                    let sent = try await output.send(message.sequenceNumber, items, uid: message.uid,
                                                     mailboxID: selected.mailbox.id)
                    if !sent { output.expungeIssued = true }
                }
                start = end
            }
            try await output.flush()
        } catch {
            context.logger.debug("FETCH output stopped: \(error)")
            return .no("FETCH stopped: the response could not be sent")
        }
        if output.streamFailed {
            // The literal's size was sent before its octets: the rest was
            // padded to keep the connection in step (RFC 9051 §4.3).
            return .no("FETCH failed: a message could not be read whole; its data is damaged")
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
            var seen = SelectedMessage(sequenceNumber: message.sequenceNumber, record: record)
            seen.isRecent = message.isRecent
            return (seen, true)
        }
    }

    /// What one store call read for a chunk of messages (`chunkRecords`).
    struct ChunkReads {
        /// The stored records by UID; empty when the attributes need none.
        var records: [MessageUID: MessageRecord] = [:]
        /// The cached header fields by UID of the messages whose store kept
        /// them, when they answer every section (`answeredByCachedHeaderFields`).
        var cachedHeaderFields: [MessageUID: [UInt8]] = [:]
    }

    /// The stored records of a chunk's messages by UID, in one store call,
    /// with their cached header fields when those answer the request. A
    /// message missing here was expunged by another session meanwhile.
    static func chunkRecords(_ chunk: [SelectedMessage], builder: FetchItemBuilder, selected: SelectedMailbox,
                             context: CommandContext) async throws -> ChunkReads {
        guard builder.needsRecord, !chunk.isEmpty else { return ChunkReads() }
        if builder.needsOnlyTopLevelLayout {
            let layouts = try await context.store.messageLayouts(
                mailboxID: selected.mailbox.id, uids: chunk.map(\.uid),
                cachedHeaderFields: builder.answeredByCachedHeaderFields)
            var reads = ChunkReads()
            for layout in layouts {
                reads.records[layout.uid] = layoutRecord(layout, mailboxID: selected.mailbox.id)
                if let cached = layout.cachedHeaderFields { reads.cachedHeaderFields[layout.uid] = cached }
            }
            return reads
        }
        let records = try await context.store.messages(mailboxID: selected.mailbox.id, uids: chunk.map(\.uid))
        return ChunkReads(records: Dictionary(records.map { ($0.uid, $0) }, uniquingKeysWith: { _, last in last }))
    }

    /// A record carrying only what a FETCH of top-level sections reads (see
    /// `FetchItemBuilder.needsOnlyTopLevelLayout`): size, INTERNALDATE and a
    /// structure that is just the root part's header and body ranges. It
    /// never leaves this handler (flags and MODSEQ come from the view). No
    /// structure when the store could not read the layout, so the body is
    /// read and parsed instead, as for any unreadable structure.
    static func layoutRecord(_ layout: MessageLayout, mailboxID: MailboxID) -> MessageRecord {
        var structure: ParsedMessage?
        if let header = layout.header, let text = layout.text {
            structure = ParsedMessage(messageID: nil, root: MIMEPart(
                headerOffset: header.lowerBound, headerSize: header.count,
                bodyOffset: text.lowerBound, bodySize: text.count))
        }
        return MessageRecord(mailboxID: mailboxID, uid: layout.uid, modSeq: 0, flags: [], keywords: [],
                             internalDate: layout.internalDate, size: layout.size, contentHash: "",
                             messageID: nil, parsedStructure: structure)
    }

    /// Reads what the builder needs for one message: the parsed structure
    /// (the store's typed value; reparsed from the whole body only if the
    /// store could not read it) and, when an attribute needs it, the body:
    /// with ranged reads of just the bytes the sections name
    /// (`FetchItemBuilder.readRanges`: a header, a part, a `<partial>`
    /// window), whole only when the whole message is asked for.
    /// `prefetched`: the excerpts `prefetchExcerpts` read for this message.
    static func loadSource(_ message: SelectedMessage, record: MessageRecord?, builder: FetchItemBuilder,
                           selected: SelectedMailbox, context: CommandContext, prefetched: MessageExcerpts? = nil,
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
                // Big plain data is streamed by `FetchOutput.send` instead.
                source.streamedSize = size
                if let prefetched {
                    source.body = prefetched
                    return source
                }
                let ranges = MessageExcerpts.merged(builder.readRanges(root: root, streamingSize: size), size: size)
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

    /// The excerpts (a header, a part, a `<partial>` window) of every
    /// message of a batch whose attributes name ranges rather than the whole
    /// message, read with one store call (`MailStore.messageBodies`) instead
    /// of one per message and range. A message left out (gone meanwhile,
    /// or the call failed) is read alone by `loadSource`, which reports it.
    static func prefetchExcerpts(_ chunk: [SelectedMessage], records: [MessageUID: MessageRecord],
                                 builder: FetchItemBuilder, selected: SelectedMailbox,
                                 context: CommandContext) async -> [MessageUID: MessageExcerpts] {
        guard builder.needsBody else { return [:] }
        var wanted: [(uid: MessageUID, size: Int, ranges: [Range<Int>])] = []
        for message in chunk {
            guard let record = records[message.uid] else { continue }
            let parsed = builder.needsStructure ? record.parsedStructure : ParsedMessage(messageID: nil)
            guard let root = parsed?.root else { continue }
            let ranges = MessageExcerpts.merged(builder.readRanges(root: root, streamingSize: record.size),
                                                size: record.size)
            if ranges.contains(0..<record.size) { continue }
            wanted.append((message.uid, record.size, ranges))
        }
        guard wanted.count > 1 else { return [:] }
        let requests = wanted.flatMap { message in
            message.ranges.map { BodyRange(uid: message.uid, offset: $0.lowerBound, length: $0.count) }
        }
        guard let parts = try? await context.store.messageBodies(mailboxID: selected.mailbox.id, ranges: requests) else {
            return [:]
        }
        var excerpts: [MessageUID: MessageExcerpts] = [:]
        var next = 0
        for message in wanted {
            var collected = MessageExcerpts(size: message.size)
            var complete = true
            for range in message.ranges {
                if let part = parts[next] { collected.add(range, part) } else { complete = false }
                next += 1
            }
            if complete { excerpts[message.uid] = collected }
        }
        return excerpts
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
/// `FetchCommandHandler.writeBatchSize` bytes; copies streamed literals
/// from the store in chunks of `FetchItemBuilder.streamThreshold` octets,
/// so a whole 30 MB message is never held.
struct FetchOutput {
    let context: CommandContext
    var pending: [UInt8] = []
    var expungeIssued = false
    /// A streamed literal could not be read whole after its size was sent.
    var streamFailed = false

    init(context: CommandContext) {
        self.context = context
    }

    mutating func send(_ response: UntaggedResponse) async throws {
        pending.append(contentsOf: context.encode(.untagged(response)))
        if pending.count >= FetchCommandHandler.writeBatchSize { try await flush() }
    }

    /// Sends `* number FETCH (items)`, copying each `.streamed` item's
    /// octets from the store. The first chunk is read before any of the
    /// response is sent: false, and nothing sent, when that read fails
    /// (the message was expunged meanwhile). A later failed or short
    /// read pads the literal with spaces to the size already sent and
    /// sets `streamFailed`.
    mutating func send(_ number: UInt32, _ items: [FetchItem], uid: MessageUID, mailboxID: MailboxID) async throws
        -> Bool {
        let pieces = IMAPResponseEncoder.fetchPieces(number, items, allowUTF8Quoted: context.allowUTF8Quoted)
        var first: [UInt8]?
        for piece in pieces {
            guard case .literal(let range, _) = piece, !range.isEmpty else { continue }
            do {
                first = try await context.store.messageBody(
                    mailboxID: mailboxID, uid: uid, offset: range.lowerBound,
                    length: min(range.count, FetchItemBuilder.streamThreshold))
            } catch {
                context.logger.debug("FETCH: body of UID \(uid) unavailable: \(error)")
                return false
            }
            break
        }
        for piece in pieces {
            switch piece {
            case .bytes(let bytes):
                pending.append(contentsOf: bytes)
                if pending.count >= FetchCommandHandler.writeBatchSize { try await flush() }
            case .literal(let range, let literal8):
                try await stream(range, uid: uid, mailboxID: mailboxID, keepNUL: literal8, first: &first)
            }
        }
        return true
    }

    /// Copies the octets of `range` of the message from the store, one
    /// chunk per read (`first`, when set, is the first chunk, read already),
    /// each NUL as 0x80 unless `keepNUL` (a literal8).
    /// Each pass of the loop consumes at least one octet or ends it.
    private mutating func stream(_ range: Range<Int>, uid: MessageUID, mailboxID: MailboxID, keepNUL: Bool,
                                 first: inout [UInt8]?) async throws {
        var offset = range.lowerBound
        while offset < range.upperBound {
            let length = min(range.upperBound - offset, FetchItemBuilder.streamThreshold)
            var chunk: [UInt8]
            if let read = first {
                chunk = read
                first = nil
            } else {
                do {
                    chunk = try await context.store.messageBody(mailboxID: mailboxID, uid: uid, offset: offset,
                                                                length: length)
                } catch {
                    context.logger.error("FETCH: body of UID \(uid) unreadable at octet \(offset): \(error)")
                    chunk = []
                }
            }
            if chunk.count > length { chunk = Array(chunk.prefix(length)) }
            if !keepNUL && IMAPWriter.containsNUL(chunk) { chunk = IMAPWriter.withoutNUL(chunk) }
            pending.append(contentsOf: chunk)
            offset += chunk.count
            if pending.count >= FetchCommandHandler.writeBatchSize { try await flush() }
            if chunk.count < length {
                if !chunk.isEmpty || offset < range.upperBound {
                    context.logger.error("FETCH: body of UID \(uid) ended at octet \(offset) of \(range.upperBound)")
                }
                try await pad(range.upperBound - offset)
                return
            }
        }
    }

    /// `count` spaces, in chunks: the rest of a literal that could not be read.
    private mutating func pad(_ count: Int) async throws {
        guard count > 0 else { return }
        streamFailed = true
        var left = count
        while left > 0 {
            let length = min(left, FetchItemBuilder.streamThreshold)
            pending.append(contentsOf: repeatElement(UInt8(ascii: " "), count: length))
            left -= length
            if pending.count >= FetchCommandHandler.writeBatchSize { try await flush() }
        }
    }

    mutating func flush() async throws {
        guard !pending.isEmpty else { return }
        let bytes = pending
        pending = []
        try await context.write(bytes)
    }
}
